//! Saved execution histories, read as `workflow history FILE` reads them
//! (`workflow_cli::history::show`): the events' table and the summary line.
//!
//! Invariant: what is shown for a history ends with the summary line counting its events.
#![no_main]

use libfuzzer_sys::fuzz_target;
use workflow_cli::history;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The default width, and a narrow one now and then.
    let width = if data.len().is_multiple_of(3) { 1 } else { 60 };
    let Ok(shown) = history::show(text, "fuzz.json", width) else {
        return;
    };
    let value: serde_json::Value = serde_json::from_str(text).expect("shown, so JSON");
    let events = history::events_of(&value)
        .expect("shown, so a history")
        .len();
    let last = shown.lines().last().unwrap_or_default();
    assert!(
        last.starts_with(&format!("{events} events over ")),
        "the last line is {last:?}"
    );
});
