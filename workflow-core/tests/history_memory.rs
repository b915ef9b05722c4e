//! The history shares payloads instead of copying them per event: an execution at AWS's
//! history quota (25,000 events) keeps its memory near the size of its payloads' text, not
//! 25,000 times it.
//!
//! Measured with a counting allocator (this test binary's global allocator): the bytes still
//! allocated once the execution has run to the quota, while its history is alive. One test
//! function, so that no other test allocates meanwhile.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};
use workflow_core::definition::Definition;
use workflow_core::entropy::SplitMix64;
use workflow_core::execution::{Event, Execution, ExecutionConfig, HISTORY_LIMIT};
use workflow_core::plan::CompileOptions;

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(new_size, Ordering::Relaxed);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// A document of about 5 KB of JSON text (some 60 KB as a `serde_json::Value`).
fn document() -> Value {
    let items: Vec<Value> = (0..100)
        .map(|i| json!({"id": i, "name": format!("item {i}"), "tags": ["a", "b"]}))
        .collect();
    json!({"data": items, "i": 0})
}

/// Runs `definition` on `document()` to the history quota; returns the bytes the execution
/// (its history above all) holds at the end, and its number of events.
fn retained(definition: &str) -> (usize, usize) {
    let definition = Definition::from_json_str(definition, &CompileOptions::default()).unwrap();
    let plan = definition.plan().unwrap();
    let input = document();
    let before = LIVE.load(Ordering::Relaxed);
    let (mut execution, _) = Execution::start(
        plan,
        &ExecutionConfig::default(),
        input,
        0,
        &mut SplitMix64(1),
    )
    .unwrap();
    while execution.has_pending_work() {
        execution.handle(Event::Continue, 0, &mut SplitMix64(1));
    }
    let held = LIVE.load(Ordering::Relaxed).saturating_sub(before);
    let events = execution.history().len();
    drop(execution);
    (held, events)
}

#[test]
fn a_history_at_the_quota_shares_its_payloads() {
    // 25,000 events of a 5 KB payload are 125 MB of text, and several times that as values
    // (some 380 MB when the second loop below keeps each pass's payload as a value, 35 MB as
    // a whole text). Shared, they are about one payload, and the events themselves (some
    // 8 MB): at most this much is allowed.
    const BUDGET: usize = 16 * 1024 * 1024;

    // The same payload passed on by every state (a Pass state without fields, a Choice).
    let passed_on = json!({"StartAt": "Step", "States": {
        "Step": {"Type": "Pass", "Next": "Loop"},
        "Loop": {"Type": "Choice", "Choices": [{"Variable": "$.data", "IsPresent": true, "Next": "Step"}],
                 "Default": "Done"},
        "Done": {"Type": "Succeed"}}});
    // A new payload every pass, which differs from the last in a counter: kept as that
    // difference.
    let counted = json!({"StartAt": "Step", "States": {
        "Step": {"Type": "Pass", "Parameters": {"data.$": "$.data", "i.$": "States.MathAdd($.i, 1)"},
                 "Next": "Loop"},
        "Loop": {"Type": "Choice", "Choices": [{"Variable": "$.i", "NumericLessThan": 100000, "Next": "Step"}],
                 "Default": "Done"},
        "Done": {"Type": "Succeed"}}});
    // A variable assigned the document every pass.
    let assigned = json!({"StartAt": "Step", "States": {
        "Step": {"Type": "Pass", "Assign": {"kept.$": "$.data"}, "Next": "Loop"},
        "Loop": {"Type": "Choice", "Choices": [{"Variable": "$.data", "IsPresent": true, "Next": "Step"}],
                 "Default": "Done"},
        "Done": {"Type": "Succeed"}}});
    for (name, definition) in [
        ("passed on", passed_on),
        ("counted", counted),
        ("assigned", assigned),
    ] {
        let (held, events) = retained(&definition.to_string());
        assert_eq!(events, HISTORY_LIMIT, "{name}: it runs to the quota");
        assert!(
            held < BUDGET,
            "{name}: the execution holds {held} bytes after {events} events"
        );
    }
}
