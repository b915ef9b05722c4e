//! The validator against what AWS accepts and refuses (see the team's notes on validation):
//! each test pins one decision. Where AWS's behaviour is not known, the validator warns
//! instead of refusing a definition AWS might accept.

use serde_json::{Value, json};
use workflow_core::Severity::{self, Error, Warning};
use workflow_core::definition::Definition;
use workflow_core::diagnostic::{Diagnostic, codes};
use workflow_core::plan::CompileOptions;

/// The errors of a definition, or its warnings when it is valid.
fn diagnostics(definition: &Value) -> Vec<Diagnostic> {
    let text = serde_json::to_string_pretty(definition).unwrap();
    diagnostics_of(&text)
}

fn diagnostics_of(text: &str) -> Vec<Diagnostic> {
    match Definition::from_json_str(text, &CompileOptions::default()) {
        Ok(d) => d.warnings().to_vec(),
        Err(e) => e.0,
    }
}

fn summary(diags: &[Diagnostic]) -> Vec<(&'static str, Severity, String)> {
    let mut out: Vec<_> = diags
        .iter()
        .map(|d| (d.code, d.severity, d.pointer.clone()))
        .collect();
    out.sort();
    out
}

fn assert_gives(definition: Value, expected: &[(&'static str, Severity, &str)]) -> Vec<Diagnostic> {
    let diags = diagnostics(&definition);
    let mut expected: Vec<_> = expected
        .iter()
        .map(|(c, s, p)| (*c, *s, p.to_string()))
        .collect();
    expected.sort();
    assert_eq!(
        summary(&diags),
        expected,
        "\n{}",
        diags
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
    diags
}

/// A one-state machine around `state`.
fn machine(state: Value) -> Value {
    json!({"StartAt": "S", "States": {"S": state}})
}

fn jsonata(state: Value) -> Value {
    json!({"QueryLanguage": "JSONata", "StartAt": "S", "States": {"S": state}})
}

#[test]
fn jsonata_choice_rules_need_condition_and_next_and_no_jsonpath_fields() {
    let diags = assert_gives(
        json!({
            "QueryLanguage": "JSONata",
            "StartAt": "C",
            "States": {
                "C": {
                    "Type": "Choice",
                    "Choices": [
                        {"Variable": "$.x", "StringEquals": "a", "Next": "Done"},
                        {"Condition": "yes", "Next": "Done"},
                        {"Condition": "{% $states.input.ok %}"},
                        {"Condition": true, "Nxt": "Done", "Next": "Done"}
                    ],
                    "Default": "Done"
                },
                "Done": {"Type": "Succeed"}
            }
        }),
        &[
            (codes::UNKNOWN_FIELD, Error, "/States/C/Choices/0/Variable"),
            (
                codes::UNKNOWN_FIELD,
                Error,
                "/States/C/Choices/0/StringEquals",
            ),
            (codes::MISSING_FIELD, Error, "/States/C/Choices/0"),
            (codes::WRONG_TYPE, Error, "/States/C/Choices/1/Condition"),
            (codes::CHOICE_RULE_NEXT, Error, "/States/C/Choices/2"),
            (codes::UNKNOWN_FIELD, Error, "/States/C/Choices/3/Nxt"),
        ],
    );
    assert!(diags[0].message.starts_with(
        "The QueryLanguage is set to 'JSONata', but field 'Variable' is only supported for the 'JSONPath' QueryLanguage"
    ));
    let missing = diags
        .iter()
        .find(|d| d.code == codes::MISSING_FIELD)
        .unwrap();
    assert!(
        missing
            .message
            .starts_with("These fields are required: [Condition]")
    );
}

#[test]
fn jsonata_expressions_are_not_numbers_in_jsonpath_states() {
    let diags = assert_gives(
        json!({
            "StartAt": "T",
            "States": {
                "T": {
                    "Type": "Task",
                    "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
                    "TimeoutSeconds": "{% 30 %}",
                    "Next": "W"
                },
                "W": {"Type": "Wait", "Seconds": "{% 5 %}", "Next": "M"},
                "M": {
                    "Type": "Map",
                    "MaxConcurrency": "{% 1 %}",
                    "ToleratedFailurePercentage": "ten",
                    "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Succeed"}}},
                    "End": true
                }
            }
        }),
        &[
            (codes::WRONG_TYPE, Error, "/States/T/TimeoutSeconds"),
            (codes::WRONG_TYPE, Error, "/States/W/Seconds"),
            (codes::WRONG_TYPE, Error, "/States/M/MaxConcurrency"),
            (
                codes::WRONG_TYPE,
                Error,
                "/States/M/ToleratedFailurePercentage",
            ),
        ],
    );
    assert!(
        diags[0]
            .message
            .contains("only evaluated in a state whose QueryLanguage is JSONata")
    );
}

#[test]
fn an_empty_start_at_names_no_state() {
    assert_gives(
        json!({"StartAt": "", "States": {"A": {"Type": "Succeed"}}}),
        &[(codes::UNKNOWN_START_AT, Error, "/StartAt")],
    );
}

#[test]
fn states_result_error_output_and_the_root_only_where_aws_has_them() {
    assert_gives(
        json!({
            "QueryLanguage": "JSONata",
            "StartAt": "P",
            "States": {
                "P": {"Type": "Pass", "Output": "{% $states.result %}", "Next": "T"},
                "T": {
                    "Type": "Task",
                    "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
                    "Arguments": {"previous": "{% $states.result %}", "all": "{% $$.input %}"},
                    "Output": {"error": "{% $states.errorOutput %}", "ok": "{% $states.result %}"},
                    "Catch": [{
                        "ErrorEquals": ["States.ALL"],
                        "Output": "{% $states.result %}",
                        "Assign": {"e": "{% $states.errorOutput %}"},
                        "Next": "Done"
                    }],
                    "Next": "Done"
                },
                "Done": {"Type": "Succeed"}
            }
        }),
        &[
            (codes::UNSUPPORTED_JSONATA, Error, "/States/P/Output"),
            (
                codes::UNSUPPORTED_JSONATA,
                Error,
                "/States/T/Arguments/previous",
            ),
            (codes::UNSUPPORTED_JSONATA, Error, "/States/T/Arguments/all"),
            (codes::UNSUPPORTED_JSONATA, Error, "/States/T/Output/error"),
            (
                codes::UNSUPPORTED_JSONATA,
                Error,
                "/States/T/Catch/0/Output",
            ),
        ],
    );
}

#[test]
fn an_unclosed_expression_is_a_literal_with_a_warning() {
    assert_gives(
        jsonata(json!({
            "Type": "Pass",
            "Output": {"a": "{% $states.input.a", "b": " {% not an expression %} "},
            "End": true
        })),
        &[(codes::INVALID_JSONATA, Warning, "/States/S/Output/a")],
    );
}

#[test]
fn what_aws_might_accept_is_only_warned_about() {
    // Version other than 1.0.
    assert_gives(
        json!({"Version": "2.0", "StartAt": "A", "States": {"A": {"Type": "Succeed"}}}),
        &[(codes::INVALID_VALUE, Warning, "/Version")],
    );
    // Arguments on a JSONata Pass state (the specification gives it to Task and Parallel).
    assert_gives(
        jsonata(json!({"Type": "Pass", "Arguments": {"a": 1}, "End": true})),
        &[(codes::UNKNOWN_FIELD, Warning, "/States/S/Arguments")],
    );
    let processor = json!({"StartAt": "P", "States": {"P": {"Type": "Succeed"}}});
    // Both ItemProcessor and its deprecated name.
    assert_gives(
        machine(json!({
            "Type": "Map", "ItemProcessor": processor, "Iterator": processor, "End": true
        })),
        &[(codes::INVALID_PROCESSOR, Warning, "/States/S/Iterator")],
    );
    // Both ItemSelector and its deprecated name.
    assert_gives(
        machine(json!({
            "Type": "Map", "ItemProcessor": processor,
            "ItemSelector": {"a": 1}, "Parameters": {"a": 2}, "End": true
        })),
        &[(codes::INVALID_VALUE, Warning, "/States/S/Parameters")],
    );
    // A Parallel state without branches.
    assert_gives(
        machine(json!({"Type": "Parallel", "Branches": [], "End": true})),
        &[(codes::INVALID_PROCESSOR, Warning, "/States/S/Branches")],
    );
    // An intrinsic that does not give a string in ErrorPath.
    assert_gives(
        machine(json!({"Type": "Fail", "ErrorPath": "States.ArrayLength($.items)"})),
        &[(codes::INVALID_DYNAMIC_VALUE, Warning, "/States/S/ErrorPath")],
    );
    // A variable name that is not an identifier.
    assert_gives(
        machine(json!({"Type": "Pass", "Assign": {"my var": 1}, "End": true})),
        &[(
            codes::INVALID_VARIABLE_NAME,
            Warning,
            "/States/S/Assign/my var",
        )],
    );
    // A Map processor that assigns a variable of the scope around it.
    assert_gives(
        json!({
            "StartAt": "Count",
            "States": {
                "Count": {"Type": "Pass", "Assign": {"total": 0}, "Next": "Each"},
                "Each": {
                    "Type": "Map",
                    "ItemProcessor": {
                        "StartAt": "Add",
                        "States": {"Add": {"Type": "Pass", "Assign": {"total.$": "$.n", "count": 1}, "End": true}}
                    },
                    "Assign": {"results.$": "$"},
                    "End": true
                }
            }
        }),
        &[(
            codes::INVALID_VARIABLE_NAME,
            Warning,
            "/States/Each/ItemProcessor/States/Add/Assign/total.$",
        )],
    );
    // A branch that can never finish, in a machine that can: AWS checks the machine as a
    // whole.
    assert_gives(
        machine(json!({
            "Type": "Parallel",
            "Branches": [{
                "StartAt": "Loop",
                "States": {"Loop": {"Type": "Wait", "Seconds": 1, "Next": "Loop"}}
            }],
            "End": true
        })),
        &[(
            codes::NO_TERMINAL_STATE,
            Warning,
            "/States/S/Branches/0/States",
        )],
    );
    // A key given twice: JSON parsers keep the last value.
    let diags = diagnostics_of(
        r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": 1, "Result": 2, "End": true}}}"#,
    );
    assert_eq!(
        summary(&diags),
        [(
            codes::DUPLICATE_KEY,
            Warning,
            "/States/A/Result".to_string()
        )]
    );
    assert_eq!(diags[0].location.unwrap().column, 64);
}

#[test]
fn distributed_map_fields_are_checked() {
    let processor = json!({
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "P",
        "States": {"P": {"Type": "Succeed"}}
    });
    assert_gives(
        machine(json!({
            "Type": "Map",
            "ItemReader": {
                "ReaderConfig": {"InputType": "XML", "MaxItems": 0},
                "Parameters": {"Key.$": "key"}
            },
            "ItemBatcher": {"MaxItemsPerBatch": 10, "MaxItemsPerBatchPath": "$.n"},
            "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Bucket": "b"},
            "ItemProcessor": processor,
            "End": true
        })),
        &[
            (codes::MISSING_FIELD, Error, "/States/S/ItemReader"),
            (
                codes::INVALID_VALUE,
                Error,
                "/States/S/ItemReader/ReaderConfig/InputType",
            ),
            (
                codes::OUT_OF_RANGE,
                Error,
                "/States/S/ItemReader/ReaderConfig/MaxItems",
            ),
            (
                codes::INVALID_DYNAMIC_VALUE,
                Error,
                "/States/S/ItemReader/Parameters/Key.$",
            ),
            (
                codes::INVALID_VALUE,
                Error,
                "/States/S/ItemBatcher/MaxItemsPerBatchPath",
            ),
            (codes::UNKNOWN_FIELD, Error, "/States/S/ResultWriter/Bucket"),
        ],
    );
    // AWS adds reader options from time to time: an unknown one is only a warning.
    assert_gives(
        machine(json!({
            "Type": "Map",
            "ItemReader": {
                "Resource": "arn:aws:states:::s3:getObject",
                "ReaderConfig": {"InputType": "JSON", "Shuffle": true},
                "Parameters": {"Bucket": "b", "Key": "k"}
            },
            "ItemProcessor": processor,
            "End": true
        })),
        &[(
            codes::UNKNOWN_FIELD,
            Warning,
            "/States/S/ItemReader/ReaderConfig/Shuffle",
        )],
    );
    assert_gives(
        machine(
            json!({"Type": "Map", "ItemBatcher": {"BatchInput": {}}, "ItemProcessor": processor, "End": true}),
        ),
        &[(codes::MISSING_FIELD, Error, "/States/S/ItemBatcher")],
    );
    assert_gives(
        jsonata(json!({
            "Type": "Map",
            "ItemReader": {
                "Resource": "arn:aws:states:::s3:getObject",
                "Parameters": {"Bucket": "b"},
                "Arguments": {"Key": "{% $states.input.key %}"}
            },
            "ItemProcessor": processor,
            "End": true
        })),
        &[(
            codes::UNKNOWN_FIELD,
            Error,
            "/States/S/ItemReader/Parameters",
        )],
    );
}

#[test]
fn a_bad_resource_does_not_hide_the_other_problems_of_its_task() {
    assert_gives(
        machine(json!({
            "Type": "Task",
            "Resource": "arn:aws:states:::dynamodb:query",
            "TimeoutSeconds": 10,
            "HeartbeatSeconds": 10,
            "End": true
        })),
        &[
            (codes::INVALID_RESOURCE, Error, "/States/S/Resource"),
            (
                codes::HEARTBEAT_NOT_BELOW_TIMEOUT,
                Error,
                "/States/S/HeartbeatSeconds",
            ),
        ],
    );
    // Nor does a bad Error hide a bad Cause.
    assert_gives(
        machine(json!({
            "Type": "Fail",
            "Error": "E",
            "ErrorPath": "$.e",
            "CausePath": "cause"
        })),
        &[
            (codes::INVALID_VALUE, Error, "/States/S"),
            (codes::INVALID_DYNAMIC_VALUE, Error, "/States/S/CausePath"),
        ],
    );
}

#[test]
fn messages_start_with_the_words_aws_uses() {
    let first = |definition: Value| diagnostics(&definition).remove(0).message;
    assert!(
        diagnostics_of("{}")[0]
            .message
            .starts_with("These fields are required: [States, StartAt]")
    );
    assert!(
        diagnostics_of("[]")[0]
            .message
            .starts_with("Definition must be a valid JSON object")
    );
    assert!(
        first(machine(json!({"Type": "Choice", "Default": "S"})))
            .starts_with("These fields are required: [Choices]")
    );
    let processor = json!({"StartAt": "P", "States": {"P": {"Type": "Succeed"}}});
    assert!(
        first(machine(json!({
            "Type": "Map", "ItemProcessor": processor, "TimeoutSeconds": 5, "End": true
        })))
        .starts_with("Field 'TimeoutSeconds' is not supported")
    );
    assert!(
        first(machine(json!({
            "Type": "Map",
            "ItemProcessor": {"QueryLanguage": "JSONata", "StartAt": "P", "States": {"P": {"Type": "Succeed"}}},
            "End": true
        })))
        .starts_with("Field 'QueryLanguage' is not supported")
    );
    assert!(
        first(machine(
            json!({"Type": "Wait", "Seconds": 1, "ResultPath": "$.x", "End": true})
        ))
        .starts_with("Field 'ResultPath' is not supported")
    );
    assert!(
        first(machine(json!({
            "Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:f",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Nope"}],
            "End": true
        })))
        .starts_with("Missing 'Next' target: Nope")
    );
    assert!(
        first(machine(json!({"Type": "Pass", "Output": {"a": 1}, "End": true}))).starts_with(
            "The QueryLanguage is set to 'JSONPath', but field 'Output' is only supported for the 'JSONata' QueryLanguage"
        )
    );
    assert!(
        first(jsonata(
            json!({"Type": "Pass", "Output": "{% phone %}", "End": true})
        ))
        .starts_with("Reference to 'phone' at the top level is not supported.")
    );
}

#[test]
fn names_are_located_at_their_key() {
    let text = "{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": {\"Type\": \"Pass\", \"Nxt\": \"B\", \"End\": true}\n  }\n}";
    let diags = diagnostics_of(text);
    assert_eq!(diags.len(), 1, "{diags:?}");
    let loc = diags[0].location.unwrap();
    // At `"Nxt"`, not at its value.
    assert_eq!((loc.line, loc.column), (4, 27));
    // A whole state: at its name.
    let text = "{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": {\"Type\": \"Pass\", \"End\": true},\n    \"B\": {\"Type\": \"Succeed\"}\n  }\n}";
    let diags = diagnostics_of(text);
    assert_eq!(diags[0].code, codes::UNREACHABLE_STATE);
    let loc = diags[0].location.unwrap();
    assert_eq!((loc.line, loc.column), (5, 5));
}
