//! Variables: Assign, visibility across states and scopes, values at state entry.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use workflow_runtime::{EventType, TaskContext, TaskError};

use crate::common::*;

#[tokio::test(start_paused = true)]
async fn assigned_variables_are_visible_to_later_states() {
    let rt = runtime();
    let wf = load(
        &rt,
        json!({
            "StartAt": "A",
            "States": {
                "A": {"Type": "Pass", "Result": {"answer": 42}, "Assign": {"theAnswer.$": "$.answer", "literal": "$.not.a.path", "obj": {"k": [1, 2]}}, "Next": "B"},
                "B": {"Type": "Pass", "Parameters": {"a.$": "$theAnswer", "l.$": "$literal", "k.$": "$obj.k[1]"}, "End": true}
            }
        }),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(
        output(&status),
        &json!({"a": 42, "l": "$.not.a.path", "k": 2})
    );
    let exited = events_of(&history, EventType::PassStateExited)[0].to_aws_json();
    assert_eq!(
        exited["stateExitedEventDetails"]["assignedVariables"],
        json!({"theAnswer": "42", "literal": "\"$.not.a.path\"", "obj": r#"{"k":[1,2]}"#})
    );
}

#[tokio::test(start_paused = true)]
async fn assign_sees_the_values_at_state_entry() {
    // All Assign expressions are evaluated before any assignment: {"x": $y, "y": $x} swaps.
    // And the state's own paths still see the old values.
    let rt = runtime();
    let wf = load(
        &rt,
        json!({
            "StartAt": "Init",
            "States": {
                "Init": {"Type": "Pass", "Assign": {"x": 1, "y": 2}, "Next": "Swap"},
                "Swap": {
                    "Type": "Pass",
                    "Parameters": {"xBefore.$": "$x"},
                    "Assign": {"x.$": "$y", "y.$": "$x"},
                    "OutputPath": "$.xBefore",
                    "Next": "Read"
                },
                "Read": {"Type": "Pass", "Parameters": {"before.$": "$", "x.$": "$x", "y.$": "$y"}, "End": true}
            }
        }),
    );
    let (status, _) = run(&rt, &wf, json!({})).await;
    assert_eq!(output(&status), &json!({"before": 1, "x": 2, "y": 1}));
}

#[tokio::test(start_paused = true)]
async fn task_assign_sees_the_raw_result_and_the_next_state_the_value() {
    let rt = runtime();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    rt.bind_lambda("f", move |input: Value, _ctx: TaskContext| {
        s.lock().unwrap().push(input);
        async { Ok::<_, TaskError>(json!({"count": 3, "extra": true})) }
    });
    let wf = load(
        &rt,
        json!({
            "StartAt": "Init",
            "States": {
                "Init": {"Type": "Pass", "Assign": {"count": 0}, "Next": "T"},
                "T": {
                    "Type": "Task", "Resource": lambda("f"),
                    "Parameters": {"countBefore.$": "$count"},
                    "ResultSelector": {"selected.$": "$.extra"},
                    "Assign": {"count.$": "$.count"},
                    "Next": "Read"
                },
                "Read": {"Type": "Pass", "Parameters": {"count.$": "$count", "out.$": "$"}, "End": true}
            }
        }),
    );
    let (status, _) = run(&rt, &wf, json!({})).await;
    assert_eq!(*seen.lock().unwrap(), vec![json!({"countBefore": 0})]);
    assert_eq!(
        output(&status),
        &json!({"count": 3, "out": {"selected": true}})
    );
}

#[tokio::test(start_paused = true)]
async fn map_iterations_read_outer_variables_and_do_not_leak_theirs() {
    let rt = runtime();
    let wf = load(
        &rt,
        json!({
            "StartAt": "Init",
            "States": {
                "Init": {"Type": "Pass", "Assign": {"factor": 10}, "Next": "M"},
                "M": {
                    "Type": "Map",
                    "ItemProcessor": {
                        "StartAt": "Inner",
                        "States": {
                            "Inner": {"Type": "Pass", "Assign": {"innerOnly.$": "$"}, "Next": "Use"},
                            "Use": {"Type": "Pass", "Parameters": {"item.$": "$innerOnly", "factor.$": "$factor"}, "End": true}
                        }
                    },
                    "Assign": {"mapResult.$": "$"},
                    "Next": "Check"
                },
                "Check": {
                    "Type": "Choice",
                    "Choices": [{"Variable": "$innerOnly", "IsPresent": true, "Next": "Leaked"}],
                    "Default": "After"
                },
                "Leaked": {"Type": "Fail", "Error": "Leaked"},
                "After": {"Type": "Pass", "Parameters": {"factor.$": "$factor", "mapResult.$": "$mapResult"}, "End": true}
            }
        }),
    );
    let (status, _) = run(&rt, &wf, json!([1, 2])).await;
    let results = json!([{"item": 1, "factor": 10}, {"item": 2, "factor": 10}]);
    // Outer variables are still there after the Map, and the Map's own Assign (in the outer
    // scope, `$` = its result) is visible.
    assert_eq!(
        output(&status),
        &json!({"factor": 10, "mapResult": results})
    );
}

#[tokio::test(start_paused = true)]
async fn each_iteration_has_its_own_variables() {
    // Iterations assign the same name concurrently; each sees only its own value.
    let rt = runtime();
    rt.bind_lambda("delay", |input: Value, _ctx: TaskContext| async move {
        let secs = input.as_u64().unwrap();
        tokio::time::sleep(std::time::Duration::from_secs(5 - secs)).await;
        Ok::<_, TaskError>(input)
    });
    let wf = load(
        &rt,
        json!({
            "StartAt": "M",
            "States": {"M": {
                "Type": "Map",
                "ItemProcessor": {
                    "StartAt": "Set",
                    "States": {
                        "Set": {"Type": "Pass", "Assign": {"mine.$": "$"}, "Next": "Delay"},
                        "Delay": {"Type": "Task", "Resource": lambda("delay"), "Next": "Get"},
                        "Get": {"Type": "Pass", "Parameters": {"mine.$": "$mine", "input.$": "$"}, "End": true}
                    }
                },
                "End": true
            }}
        }),
    );
    let (status, _) = run(&rt, &wf, json!([1, 2, 3, 4])).await;
    let expected: Vec<Value> = (1..=4).map(|i| json!({"mine": i, "input": i})).collect();
    assert_eq!(output(&status), &Value::Array(expected));
}

#[tokio::test(start_paused = true)]
async fn parallel_branches_read_outer_variables_but_not_each_others() {
    let rt = runtime();
    let wf = load(
        &rt,
        json!({
            "StartAt": "Init",
            "States": {
                "Init": {"Type": "Pass", "Assign": {"outer": "o"}, "Next": "P"},
                "P": {
                    "Type": "Parallel",
                    "Branches": [
                        {"StartAt": "A", "States": {
                            "A": {"Type": "Pass", "Assign": {"fromA": "a"}, "Next": "A2"},
                            "A2": {"Type": "Wait", "Seconds": 1, "Next": "A3"},
                            "A3": {"Type": "Choice", "Choices": [{"Variable": "$fromB", "IsPresent": true, "Next": "SawB"}], "Default": "A4"},
                            "SawB": {"Type": "Fail", "Error": "SawB"},
                            "A4": {"Type": "Pass", "Parameters": {"outer.$": "$outer", "mine.$": "$fromA"}, "End": true}
                        }},
                        {"StartAt": "B", "States": {
                            "B": {"Type": "Pass", "Assign": {"fromB": "b"}, "End": true}
                        }}
                    ],
                    "Next": "Check"
                },
                "Check": {
                    "Type": "Choice",
                    "Choices": [
                        {"Or": [
                            {"Variable": "$fromA", "IsPresent": true},
                            {"Variable": "$fromB", "IsPresent": true}
                        ], "Next": "Leaked"}
                    ],
                    "Default": "Done"
                },
                "Leaked": {"Type": "Fail", "Error": "Leaked"},
                "Done": {"Type": "Pass", "End": true}
            }
        }),
    );
    let (status, _) = run(&rt, &wf, json!({"in": 1})).await;
    // A branch whose Pass only assigns outputs its input.
    assert_eq!(
        output(&status),
        &json!([{"outer": "o", "mine": "a"}, {"in": 1}])
    );
}

#[tokio::test(start_paused = true)]
async fn choice_rule_assign_runs_instead_of_the_top_level_assign() {
    let rt = runtime();
    let wf = load(
        &rt,
        json!({
            "StartAt": "C",
            "States": {
                "C": {
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.n", "NumericGreaterThan": 5, "Assign": {"size": "big", "n.$": "$.n"}, "Next": "Out"}],
                    "Default": "Out",
                    "Assign": {"size": "small"}
                },
                "Out": {"Type": "Pass", "Parameters": {"size.$": "$size"}, "End": true}
            }
        }),
    );
    let (status, _) = run(&rt, &wf, json!({"n": 9})).await;
    assert_eq!(output(&status), &json!({"size": "big"}));
    let (status, _) = run(&rt, &wf, json!({"n": 1})).await;
    assert_eq!(output(&status), &json!({"size": "small"}));
}

#[tokio::test(start_paused = true)]
async fn variables_feed_wait_and_map_fields() {
    let rt = runtime();
    let wf = load(
        &rt,
        json!({
            "StartAt": "Init",
            "States": {
                "Init": {"Type": "Pass", "Assign": {"delay": 30, "list": ["a", "b"]}, "Next": "W"},
                "W": {"Type": "Wait", "SecondsPath": "$delay", "Next": "M"},
                "M": {
                    "Type": "Map", "ItemsPath": "$list",
                    "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
                    "End": true
                }
            }
        }),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(output(&status), &json!(["a", "b"]));
    assert_eq!(
        between(
            &history,
            EventType::WaitStateEntered,
            EventType::WaitStateExited
        ),
        30_000
    );
}

#[tokio::test(start_paused = true)]
async fn an_unknown_variable_is_a_runtime_error() {
    // AWS's JSONPath behaviour for an undefined variable is not recorded; like a path that
    // matches nothing, it fails the state with States.Runtime.
    let rt = runtime();
    let wf = load(
        &rt,
        json!({
            "StartAt": "P",
            "States": {"P": {"Type": "Pass", "Parameters": {"v.$": "$nope"}, "End": true}}
        }),
    );
    let (status, _) = run(&rt, &wf, json!({})).await;
    assert_eq!(failed(&status).0, Some("States.Runtime"));
}

#[tokio::test(start_paused = true)]
async fn parallel_and_wait_assign_see_their_result_and_input() {
    // Parallel's Assign sees the branches' result array; Wait's the effective input.
    let rt = runtime();
    let wf = load(
        &rt,
        json!({
            "StartAt": "P",
            "States": {
                "P": {
                    "Type": "Parallel",
                    "Branches": [
                        {"StartAt": "One", "States": {"One": {"Type": "Pass", "Result": 1, "End": true}}},
                        {"StartAt": "Two", "States": {"Two": {"Type": "Pass", "Result": 2, "End": true}}}
                    ],
                    "Assign": {"second.$": "$[1]"},
                    "ResultPath": null,
                    "Next": "W"
                },
                "W": {"Type": "Wait", "Seconds": 1, "InputPath": "$.inner", "Assign": {"fromWait.$": "$.v"}, "Next": "R"},
                "R": {"Type": "Pass", "Parameters": {"second.$": "$second", "fromWait.$": "$fromWait", "in.$": "$"}, "End": true}
            }
        }),
    );
    let (status, _) = run(&rt, &wf, json!({"inner": {"v": "w"}})).await;
    assert_eq!(
        output(&status),
        &json!({"second": 2, "fromWait": "w", "in": {"v": "w"}})
    );
}

#[tokio::test(start_paused = true)]
async fn a_loop_driven_by_a_variable() {
    let rt = runtime();
    let wf = load(
        &rt,
        json!({
            "StartAt": "Init",
            "States": {
                "Init": {"Type": "Pass", "Assign": {"i": 0, "seen": []}, "Next": "Body"},
                "Body": {
                    "Type": "Wait", "Seconds": 1,
                    "Assign": {"i.$": "States.MathAdd($i, 1)", "seen.$": "States.Array($i, $$.State.EnteredTime)"},
                    "Next": "Loop"
                },
                "Loop": {"Type": "Choice", "Choices": [{"Variable": "$i", "NumericLessThan": 5, "Next": "Body"}], "Default": "Done"},
                "Done": {"Type": "Pass", "Parameters": {"i.$": "$i", "last.$": "$seen[0]"}, "End": true}
            }
        }),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    // `seen` was assigned from the values at the last entry of Body: i was 4 then.
    assert_eq!(output(&status), &json!({"i": 5, "last": 4}));
    assert_eq!(count(&history, EventType::WaitStateEntered), 5);
    assert_eq!(span(&history), 5_000);
}
