//! Intrinsic functions: parse the call on the first line (strictly, and leniently as the
//! validator does), then evaluate it against the document on the following lines.
//!
//! Invariants: a call keeps its text; the strict parser accepts exactly the calls the lenient
//! one accepts without a problem; evaluating twice with the same entropy gives the same
//! result; a failure is a `States.` error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use workflow_core::intrinsics::IntrinsicCall;
use workflow_fuzz::{deterministic, environment, text_and_document, variables_of};

fuzz_target!(|data: &[u8]| {
    let Some((text, document)) = text_and_document(data) else {
        return;
    };
    let strict = IntrinsicCall::parse(text);
    let lenient = IntrinsicCall::parse_lenient(text);
    match (&strict, &lenient) {
        (Ok(_), Ok((_, problems))) => assert!(problems.is_empty(), "{problems:?}"),
        (Err(e), Ok((_, problems))) => assert!(
            problems.contains(e),
            "strict refuses with {e:?}, lenient finds {problems:?}"
        ),
        (Err(_), Err(_)) => {}
        (Ok(_), Err(e)) => panic!("only the lenient parser refuses: {e:?}"),
    }
    let Ok((call, _)) = lenient else {
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
