//! Compile-fail and compile-pass tests of the DSL: every mistake becomes a compile error on
//! the token that caused it. One mistake per file under `tests/ui/fail/`, named after what it
//! checks; the expected errors are in the `.stderr` files next to them (regenerate them with
//! `TRYBUILD=overwrite cargo test -p workflow-macros --test ui`, then read each one: it must
//! point at the right token and say something helpful). The files under `tests/ui/pass/` must
//! compile, and their `main` checks the exported ASL (and, for some, runs the workflow).
//!
//! # Parity with the validator
//!
//! Every code of `workflow_core::diagnostic::codes` that a `workflow!` can produce has a fail
//! case whose `.stderr` shows it (`[code]` ends each message; the macro's own checks that
//! stand for a validator rule carry the same code). [`every_validator_code_has_a_case`] reads
//! the codes from the source and checks this, so a new code needs a case here or a reason in
//! [`NOT_EXPRESSIBLE`]. Warnings of the validator (what AWS is not known to refuse in an ASL
//! file) are compile errors in the DSL, so they have cases too.
//!
//! The codes the DSL cannot express, and why:
//!
//! - `invalid-json`, `not-an-object`: the macro builds the model directly, there is no JSON
//!   text to be malformed.
//! - `unknown-state-type`: the state keywords are fixed; any other word is a parse error
//!   (`unknown_state_keyword.rs`).
//! - `unknown-start-at`: the first state written is where the workflow starts.
//! - `choice-rule-comparisons`: each `when` lowers to exactly one comparison (or And/Or/Not).
//! - `choice-rule-next`: a `when` always has `=> Target`, and the conditions nested in
//!   `&&`, `||` and `!` never have one.
//! - `empty-error-equals`: a retrier or catcher is written with at least one error name.
//! - `query-language-downgrade`, `invalid-jsonata`, `unsupported-jsonata`: the DSL writes
//!   JSONPath workflows only.
//! - `unsupported`: not a validator diagnostic; the runtime reports it when it loads a
//!   definition it cannot run yet.
//!
//! Of the malformed intrinsic calls the validator refuses (`invalid-intrinsic`), only some can
//! be written in a `workflow!`: an unbalanced parenthesis or quote does not tokenize as Rust,
//! a string's `'` and `\` are escaped by the macro (so no illegal escape reaches the ASL), and
//! a trailing comma, idiomatic in Rust, is dropped from the exported call. What can be written
//! has a case: an argument that is no value (`invalid_intrinsic.rs`), more than 10 calls
//! (`intrinsic_too_many_calls.rs`), an unknown or misspelled name (`unknown_intrinsic.rs`,
//! `intrinsic_lowercase_name.rs`, `intrinsic_unknown_nested.rs`), a wrong number of
//! arguments (`intrinsic_arity.rs`).
//!
//! # One error per mistake
//!
//! Each fail case holds one mistake, and gets one error: not the follow-ons of the validator
//! or of rustc (the state's missing transition after a misspelt `next`, a type error in every
//! state after a misspelt `result_path`, the uses of a workflow whose body does not parse).
//! [`one_error_per_case`] checks it.
//!
//! # In the DSL's words
//!
//! The validator's messages name ASL's fields and constructs (`'BackoffRate'`, `"End": true`,
//! `'amount.$'`, `Wait states`, JSON pointers); the macro translates them into what the user
//! wrote (`backoff_rate`, `end`, `amount`, `wait` states, the state a pointer leads to).
//! [`validator_messages_are_in_dsl_words`] checks every case's messages for what is left of
//! ASL.
//!
//! Some validator warnings have a second, DSL-only form: a duplicate JSON key (only the form
//! with and without `.$` is expressible; the macro refuses a key given twice itself,
//! `template_key_twice.rs`), an empty `Branches` (`parallel_without_branches.rs`).

use std::collections::BTreeSet;
use std::path::Path;

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/ui/pass/*.rs");
    t.compile_fail("tests/ui/fail/*.rs");
}

/// Validator codes no `workflow!` can produce, with the reason (see the module documentation).
const NOT_EXPRESSIBLE: &[(&str, &str)] = &[
    ("invalid-json", "no JSON text"),
    ("not-an-object", "no JSON text"),
    ("unknown-state-type", "the state keywords are fixed"),
    (
        "unknown-start-at",
        "the first state is where a workflow starts",
    ),
    ("choice-rule-comparisons", "a `when` is one comparison"),
    (
        "choice-rule-next",
        "a `when` always has a target, nested conditions never",
    ),
    (
        "empty-error-equals",
        "retry and catch name at least one error",
    ),
    ("query-language-downgrade", "JSONPath only"),
    ("invalid-jsonata", "JSONPath only"),
    ("unsupported-jsonata", "JSONPath only"),
    (
        "unsupported",
        "reported when loading into the runtime, not by the validator",
    ),
    (
        "nesting-too-deep",
        "it takes a template or condition nested 127 levels (or scopes 64) in the macro's input; \
         workflow-core/tests/nesting.rs covers it",
    ),
];

/// The codes declared in `workflow_core::diagnostic::codes`, read from its source.
fn declared_codes() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../workflow-core/src/diagnostic.rs");
    let source = std::fs::read_to_string(&path).unwrap();
    let start = source.find("pub mod codes {").expect("the codes module");
    let end = start
        + source[start..]
            .find("\n}")
            .expect("the end of the codes module");
    source[start..end]
        .lines()
        .filter_map(|line| {
            let rest = line.trim().strip_prefix("pub const ")?;
            let (_, rest) = rest.split_once(": &str = \"")?;
            Some(rest.strip_suffix("\";")?.to_string())
        })
        .collect()
}

/// The fail cases' expected errors: each `.stderr` file's name and text.
fn expected_errors() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui/fail");
    let mut cases = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "stderr") {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            cases.push((name, std::fs::read_to_string(&path).unwrap()));
        }
    }
    assert!(cases.len() >= 60, "only {} cases found", cases.len());
    cases
}

#[test]
fn every_validator_code_has_a_case() {
    let codes = declared_codes();
    assert!(codes.len() >= 40, "could not read the codes: {codes:?}");
    let mut shown = BTreeSet::new();
    for (_, text) in expected_errors() {
        for code in &codes {
            if text.contains(&format!("[{code}]")) {
                shown.insert(code.clone());
            }
        }
    }
    let mut problems = Vec::new();
    for code in &codes {
        let excused = NOT_EXPRESSIBLE.iter().any(|(c, _)| c == code);
        match (shown.contains(code), excused) {
            (false, false) => problems.push(format!(
                "{code}: no tests/ui/fail case shows it, and it is not in NOT_EXPRESSIBLE"
            )),
            (true, true) => problems.push(format!(
                "{code}: a case shows it, but NOT_EXPRESSIBLE says the DSL cannot express it"
            )),
            _ => {}
        }
    }
    for (code, _) in NOT_EXPRESSIBLE {
        if !codes.iter().any(|c| c == code) {
            problems.push(format!("NOT_EXPRESSIBLE: '{code}' is not a code"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// What an ASL-worded message has that a DSL-worded one does not, if anything: a quoted ASL
/// name (`'BackoffRate'`, `'amount.$'`: the DSL's words are quoted as code, in backticks),
/// `"End": true`, a JSON pointer, a state type in ASL's spelling.
fn asl_words(message: &str) -> Option<String> {
    for asl in ["\"End\"", "\"Type\"", "/States", "state machine"] {
        if message.contains(asl) {
            return Some(asl.to_string());
        }
    }
    for ty in [
        "Task", "Pass", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map",
    ] {
        for after in [" state", " branch", " processor", " rule", " label"] {
            let phrase = format!("{ty}{after}");
            if message.contains(&phrase) {
                return Some(phrase);
            }
        }
    }
    // A quote opens at the start of a word (not an apostrophe, as in "branch's") and closes
    // at its end.
    let chars: Vec<char> = message.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if *c != '\'' || !(i == 0 || chars[i - 1].is_whitespace() || chars[i - 1] == '(') {
            continue;
        }
        let quoted: String = chars[i + 1..].iter().take_while(|c| **c != '\'').collect();
        if !quoted.is_empty() && !quoted.contains(' ') && i + 1 + quoted.len() < chars.len() {
            return Some(format!("'{quoted}'"));
        }
    }
    None
}

#[test]
fn validator_messages_are_in_dsl_words() {
    // The checker itself: the validator's messages for a JSON file, and the DSL's.
    assert_eq!(
        asl_words("'BackoffRate' must be at least 1.0, not 0.5 [out-of-range]").as_deref(),
        Some("'BackoffRate'")
    );
    assert_eq!(
        asl_words("State \"Rush\" needs 'Next' or \"End\": true").as_deref(),
        Some("\"End\"")
    );
    assert_eq!(
        asl_words("Field 'HeartbeatSeconds' is not supported by Wait states").as_deref(),
        Some("Wait state")
    );
    assert_eq!(
        asl_words("pass the value on in the branch's output, with `amount`"),
        None
    );
    let mut problems = Vec::new();
    for (name, text) in expected_errors() {
        // The messages of workflow! itself and of the validator (rustc's own, `error[E...]`,
        // are rustc's words).
        for message in text.lines().filter_map(|l| l.strip_prefix("error: ")) {
            if let Some(asl) = asl_words(message) {
                problems.push(format!("{name}: {asl} in: {message}"));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn one_error_per_case() {
    let mut problems = Vec::new();
    for (name, text) in expected_errors() {
        let errors = text.lines().filter(|l| l.starts_with("error")).count();
        if errors != 1 {
            problems.push(format!("{name}: {errors} errors"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
