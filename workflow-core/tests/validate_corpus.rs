//! The validator against the conformance corpus: AWS accepted every definition outside
//! `invalid_definition`, and rejected every one inside it.

use std::path::PathBuf;

use workflow_core::definition::Definition;
use workflow_core::plan::{CompileOptions, MachineType};

fn cases() -> Vec<(String, serde_json::Value)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance/cases");
    assert!(
        dir.is_dir(),
        "the conformance corpus (tests/conformance/cases) is missing from the repository"
    );
    let mut out = Vec::new();
    for category in std::fs::read_dir(&dir).unwrap() {
        for case in std::fs::read_dir(category.unwrap().path()).unwrap() {
            let path = case.unwrap().path();
            let value: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            out.push((value["name"].as_str().unwrap().to_string(), value));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn options(case: &serde_json::Value) -> CompileOptions {
    let notes = case["notes"].as_str().unwrap_or_default();
    CompileOptions {
        machine_type: if notes.contains("EXPRESS") {
            MachineType::Express
        } else {
            MachineType::Standard
        },
    }
}

fn text(case: &serde_json::Value) -> String {
    match &case["definition"] {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[test]
fn every_accepted_definition_is_valid() {
    let mut failures = Vec::new();
    for (name, case) in cases() {
        if name.starts_with("invalid_definition/") {
            continue;
        }
        if let Err(d) = Definition::from_json_str(&text(&case), &options(&case)) {
            failures.push(format!("{name}: {d}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rejected_definition_is_invalid() {
    let mut failures = Vec::new();
    for (name, case) in cases() {
        if !name.starts_with("invalid_definition/") {
            continue;
        }
        match Definition::from_json_str(&text(&case), &options(&case)) {
            Ok(_) => failures.push(format!("{name}: accepted")),
            Err(d) => {
                let expected = case["expected"]["message"].as_str().unwrap_or_default();
                let matched =
                    d.0.iter()
                        .any(|x| expected.contains(&x.message) || x.message.contains(expected));
                println!(
                    "{name}: {} (AWS: {expected}){}",
                    d.0[0],
                    if matched { "" } else { "  [message differs]" }
                );
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
