//! What `Runtime::load` refuses, and names with quotes and backslashes in every path field.

use std::collections::BTreeSet;

use serde_json::json;
use workflow_runtime::LoadError;

use crate::common::*;

#[test]
fn load_refuses_unknown_and_malformed_intrinsic_calls() {
    // AWS refuses these when the state machine is created ("The value for the field '...'
    // must be a valid JSONPath or a valid intrinsic function call"): a name in the wrong case,
    // a misspelled name inside Assign, a wrong number of arguments in ItemSelector, a trailing
    // comma in ResultSelector.
    let rt = runtime();
    let definition = json!({
        "StartAt": "P",
        "States": {
            "P": {"Type": "Pass", "Parameters": {"x.$": "States.format('{}', $.a)"},
                  "Assign": {"v.$": "States.JsonToStrng($)"}, "Next": "M"},
            "M": {"Type": "Map", "ItemSelector": {"i.$": "States.ArrayGetItem($$.Map.Item.Value)"},
                  "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Succeed"}}},
                  "ResultSelector": {"r.$": "States.Array($,)"}, "End": true}
        }
    });
    let Err(LoadError::Invalid(problems)) = rt.load(&definition.to_string()) else {
        panic!("the definition should be refused");
    };
    let found: BTreeSet<(&str, &str)> = problems
        .0
        .iter()
        .map(|d| (d.code, d.pointer.as_str()))
        .collect();
    assert_eq!(
        found,
        BTreeSet::from([
            ("unknown-intrinsic", "/States/P/Parameters/x.$"),
            ("unknown-intrinsic", "/States/P/Assign/v.$"),
            ("intrinsic-arity", "/States/M/ItemSelector/i.$"),
            ("invalid-intrinsic", "/States/M/ResultSelector/r.$"),
        ]),
        "{problems}"
    );
    assert!(problems.0.iter().all(|d| {
        d.message.starts_with("The value for the field '")
            && d.message
                .contains("' must be a valid JSONPath or a valid intrinsic function call: ")
    }));
}

#[tokio::test(start_paused = true)]
async fn escaped_names_read_and_write_the_same_members_in_every_path_field() {
    // Bracket names unescape as in Jayway (`\'`, `\"`, `\\`), in InputPath, Parameters `.$`,
    // intrinsic arguments, ResultPath, a Choice Variable and OutputPath alike; ResultPath
    // writes the member that the next paths read.
    let rt = runtime();
    let wf = load(
        &rt,
        json!({
            "StartAt": "Read",
            "States": {
                "Read": {
                    "Type": "Pass",
                    "InputPath": "$['in\\'put']",
                    "Parameters": {
                        "q.$": "$['a\\'b']",
                        "d.$": "$[\"a\\\"b\"]",
                        "b.$": "States.Format('{} and {}', $['a\\\\b'], $.['a.b'])",
                        "u.$": "$['\\u00e9t\\u00e9']"
                    },
                    "ResultPath": "$['res\\'ult']['x \"y\"']",
                    "Next": "Choose"
                },
                "Choose": {
                    "Type": "Choice",
                    "Choices": [{
                        "Variable": "$['res\\'ult'][\"x \\\"y\\\"\"].q",
                        "StringEqualsPath": "$['in\\'put']['a\\'b']",
                        "Next": "Out"
                    }],
                    "Default": "Wrong"
                },
                "Wrong": {"Type": "Fail", "Error": "WrongBranch"},
                "Out": {"Type": "Pass", "OutputPath": "$['res\\'ult']['x \"y\"']", "End": true}
            }
        }),
    );
    let input = json!({
        "in'put": {"a'b": "quote", "a\"b": "double", "a\\b": "backslash", "a.b": "dot", "été": "summer"},
        "keep": 1
    });
    let (status, _) = run(&rt, &wf, input).await;
    assert_eq!(
        output(&status),
        &json!({"q": "quote", "d": "double", "b": "backslash and dot", "u": "summer"})
    );
}

#[tokio::test(start_paused = true)]
async fn a_missing_escaped_name_is_quoted_like_jayway_in_the_cause() {
    // Recorded (invalid_jsonpath_st_invalid_jsonpath_in_inputpath): "Invalid path '<path>' :
    // No results for path: <normalized>". Jayway's normalized form keeps a name's quote and
    // escapes its `\` and `'`.
    let rt = runtime();
    let wf = load(
        &rt,
        json!({
            "StartAt": "P",
            "States": {"P": {"Type": "Pass", "InputPath": "$.x[\"it's\"]['a\\\\b']", "End": true}}
        }),
    );
    let (status, _) = run(&rt, &wf, json!({"x": {}})).await;
    assert_eq!(
        failed(&status),
        (
            Some("States.Runtime"),
            Some(
                "An error occurred while executing the state 'P' (entered at the event id #2). Invalid path '$.x[\"it's\"]['a\\\\b']' : No results for path: $['x'][\"it\\'s\"]['a\\\\b']"
            )
        )
    );
}
