//! Payload templates (`Parameters`, `ResultSelector`, `ItemSelector`, ...): compile the JSON
//! on the first line (or, when it is not JSON, a template with that text as its one `.$`
//! field), then evaluate it against the document on the following lines.
//!
//! Invariants: compiling fails exactly when it reports an error; a template without `.$`
//! fields evaluates to itself; evaluating twice with the same entropy gives the same result.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};
use workflow_core::Severity;
use workflow_core::template::Template;
use workflow_fuzz::{deterministic, environment, text_and_document, variables_of};

fuzz_target!(|data: &[u8]| {
    let Some((text, document)) = text_and_document(data) else {
        return;
    };
    let template: Value = serde_json::from_str(text).unwrap_or_else(|_| json!({ "value.$": text }));
    let mut diagnostics = Vec::new();
    let compiled = Template::compile(&template, "/Parameters", &mut diagnostics);
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    assert_eq!(compiled.is_none(), errors > 0, "{diagnostics:?}");
    assert!(
        diagnostics
            .iter()
            .all(|d| d.pointer.starts_with("/Parameters")),
        "{diagnostics:?}"
    );
    let Some(compiled) = compiled else {
        return;
    };

    let variables = variables_of(&document);
    let env = environment(&document, &variables);
    let first = deterministic(|entropy| compiled.evaluate(&env, entropy));
    if compiled.is_literal() {
        assert_eq!(first.as_ref(), Ok(&template), "a literal template changed");
    }
});
