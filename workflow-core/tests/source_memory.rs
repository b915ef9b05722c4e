//! Reading a definition takes memory in proportion to its text. Found by the CLI mutation
//! script: a 320 KB definition whose state had a 70,000-character name and, below it, an
//! array of 20,000 items made every subcommand allocate 3.3 GB, because the map from JSON
//! pointers to source positions kept each value's whole pointer, the long name repeated in
//! every one.
//!
//! Measured with a counting allocator (this test binary's global allocator): the most bytes
//! allocated at once while the definition is read and checked. One test function, so that no
//! other test allocates meanwhile.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::json;
use workflow_core::definition::Definition;
use workflow_core::plan::CompileOptions;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = LIVE.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        grew(new_size);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[test]
fn a_long_key_above_many_values_is_kept_once() {
    let name = "é".repeat(70_000);
    let text = json!({
        "StartAt": "Fulfil",
        "States": {
            "Fulfil": {
                "Type": "Parallel",
                "Branches": [{
                    "StartAt": name,
                    "States": {name.clone(): {"Type": "Pass", "End": vec![0; 20_000]}}
                }],
                "End": true
            }
        }
    })
    .to_string();
    assert!(text.len() < 400_000);
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let problems = Definition::from_json_str(&text, &CompileOptions::default()).unwrap_err();
    let peak = PEAK.load(Ordering::Relaxed) - before;
    // The text, its parsed value and the map of its 20,000 values: a few MB. Before the fix,
    // 3.3 GB.
    assert!(
        peak < 64 << 20,
        "reading a {} KB definition allocated {} MB at its peak",
        text.len() / 1000,
        peak >> 20
    );
    // The map still places each problem: the array where a boolean belongs (a problem with
    // a whole array points at its member's key), and the name over AWS's 80 characters.
    let end = problems
        .0
        .iter()
        .find(|d| d.pointer.ends_with("/End"))
        .expect("'End' must be a boolean");
    let location = end.location.expect("the problem is located");
    assert_eq!(location.offset, text.find("\"End\":[0").unwrap());
    let long_name = problems
        .0
        .iter()
        .find(|d| d.message.contains("80-character"))
        .expect("the name is too long");
    assert_eq!(
        long_name.location.map(|l| l.offset),
        text.rfind(&format!("\"{name}\"")),
    );
}
