//! Definition text -> `Definition`, by the entry `Runtime::load` and `workflow validate` use
//! (`Definition::from_json_str`), then lint on what validates.
//!
//! Invariants: a refused definition has at least one error; every location agrees with the
//! text (line and byte column match the offset, the span stays inside); a definition that
//! validates has a source map for its root and its `States`, and its serialisation re-parses,
//! validates, and gives the same model (and so the same serialisation).
#![no_main]

use libfuzzer_sys::fuzz_target;
use workflow_core::Severity;
use workflow_core::definition::Definition;
use workflow_core::plan::{CompileOptions, MachineType};
use workflow_fuzz::check_location;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Both types, without spending a byte of the text on choosing.
    let machine_type = if data.len().is_multiple_of(2) {
        MachineType::Standard
    } else {
        MachineType::Express
    };
    let options = CompileOptions { machine_type };
    match Definition::from_json_str(text, &options) {
        Err(problems) => {
            assert!(
                problems.0.iter().any(|d| d.severity == Severity::Error),
                "refused without an error: {problems}"
            );
            for d in &problems.0 {
                if let Some(location) = &d.location {
                    check_location(text, location, d);
                }
            }
        }
        Ok(definition) => {
            for d in definition.warnings() {
                if let Some(location) = &d.location {
                    check_location(text, location, d);
                }
            }
            let source = definition.source().expect("parsed from text");
            assert!(source.span("").is_some(), "no span for the root");
            assert!(source.span("/States").is_some(), "no span for /States");

            let written = definition.machine().to_json_string();
            let again = Definition::from_json_str(&written, &options).unwrap_or_else(|problems| {
                panic!("the serialisation of a valid definition is refused: {problems}\n{written}")
            });
            assert_eq!(
                again.machine(),
                definition.machine(),
                "the serialisation re-parses to another model:\n{written}"
            );
            assert_eq!(again.machine().to_json_string(), written);

            let _ = workflow_core::lint::lint(definition.machine(), &options);
        }
    }
});
