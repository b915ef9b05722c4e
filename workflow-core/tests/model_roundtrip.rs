//! Every definition of the conformance corpus that parses must serialize back to the same
//! JSON text, field order included.

use std::path::PathBuf;

use workflow_core::model::StateMachine;

fn corpus() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance/cases");
    assert!(
        dir.is_dir(),
        "the conformance corpus (tests/conformance/cases) is missing from the repository"
    );
    dir
}

#[test]
fn corpus_definitions_round_trip() {
    let dir = corpus();
    let mut checked = 0;
    for category in std::fs::read_dir(&dir).unwrap() {
        let category = category.unwrap().path();
        for case in std::fs::read_dir(&category).unwrap() {
            let case = case.unwrap().path();
            let text = std::fs::read_to_string(&case).unwrap();
            let value: serde_json::Value = serde_json::from_str(&text).unwrap();
            let definition = &value["definition"];
            if !definition.is_object() {
                continue;
            }
            let source = definition.to_string();
            let Ok(machine) = StateMachine::from_json_str(&source) else {
                continue;
            };
            assert_eq!(machine.to_json_string(), source, "{}", case.display());
            checked += 1;
        }
    }
    assert!(checked > 600, "only {checked} definitions parsed");
}
