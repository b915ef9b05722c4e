//! Intrinsic functions: parse the call on the first line (strictly: a known name, the right
//! number of arguments), then evaluate it against the document on the following lines.
//!
//! Invariants: a call keeps its text; evaluating twice with the same entropy gives the same
//! result; a failure is a `States.` error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use workflow_core::intrinsics::IntrinsicCall;
use workflow_fuzz::{deterministic, environment, text_and_document, variables_of};

fuzz_target!(|data: &[u8]| {
    let Some((text, document)) = text_and_document(data) else {
        return;
    };
    let Ok(call) = IntrinsicCall::parse(text) else {
        return;
    };
    assert_eq!(call.text(), text);

    let variables = variables_of(&document);
    let env = environment(&document, &variables);
    let first = deterministic(|entropy| call.evaluate(&env, entropy));
    if let Err(e) = &first {
        assert!(e.error.starts_with("States."), "{e:?}");
    }
});
