//! Catch: the Error Output, ResultPath, Assign, what a caught error skips, history, and the
//! errors that cannot be caught.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use serde_json::{Value, json};
use workflow_runtime::{EventType, Runtime, TaskContext, TaskError};

use crate::common::*;

fn failing(rt: &Runtime, name: &str, error: &'static str, cause: &'static str) {
    rt.bind_lambda(name, move |_: Value, _ctx: TaskContext| async move {
        Err::<Value, _>(TaskError::new(error, cause))
    });
}

fn caught(catcher: Value, task_extra: Value) -> Value {
    let mut task = json!({
        "Type": "Task", "Resource": lambda("f"),
        "Catch": [catcher],
        "End": true
    });
    for (k, v) in task_extra.as_object().unwrap() {
        task[k] = v.clone();
    }
    json!({
        "StartAt": "T",
        "States": {
            "T": task,
            "Handler": {"Type": "Pass", "End": true}
        }
    })
}

#[tokio::test(start_paused = true)]
async fn default_result_path_replaces_the_input_with_the_error_output() {
    let rt = runtime();
    failing(&rt, "f", "Boom", "it broke");
    let wf = load(
        &rt,
        caught(
            json!({"ErrorEquals": ["Boom"], "Next": "Handler"}),
            json!({}),
        ),
    );
    let (status, history) = run(&rt, &wf, json!({"keep": "me"})).await;
    let error_output = json!({"Error": "Boom", "Cause": "it broke"});
    assert_eq!(output(&status), &error_output);
    assert_eq!(entered_input(&history, "Handler", 0), error_output);
}

#[tokio::test(start_paused = true)]
async fn result_path_puts_the_error_output_into_the_raw_input() {
    // The raw state input, not the effective input after InputPath and Parameters.
    let rt = runtime();
    failing(&rt, "f", "Boom", "it broke");
    let wf = load(
        &rt,
        caught(
            json!({"ErrorEquals": ["States.ALL"], "ResultPath": "$.err", "Next": "Handler"}),
            json!({"InputPath": "$.inner", "Parameters": {"p.$": "$.x"}}),
        ),
    );
    let (status, _) = run(&rt, &wf, json!({"inner": {"x": 1}, "other": true})).await;
    assert_eq!(
        output(&status),
        &json!({
            "inner": {"x": 1},
            "other": true,
            "err": {"Error": "Boom", "Cause": "it broke"}
        })
    );
}

#[tokio::test(start_paused = true)]
async fn result_path_null_passes_the_input_through() {
    let rt = runtime();
    failing(&rt, "f", "Boom", "it broke");
    let wf = load(
        &rt,
        caught(
            json!({"ErrorEquals": ["States.ALL"], "ResultPath": null, "Next": "Handler"}),
            json!({}),
        ),
    );
    let (status, _) = run(&rt, &wf, json!({"a": [1, 2]})).await;
    assert_eq!(output(&status), &json!({"a": [1, 2]}));
}

#[tokio::test(start_paused = true)]
async fn a_caught_error_skips_result_selector_result_path_and_output_path() {
    // The corpus (raise_exception_catch_output_path_*): the next state receives exactly the
    // Error Output, even with an OutputPath that would match nothing.
    let rt = runtime();
    failing(&rt, "f", "Boom", "it broke");
    let wf = load(
        &rt,
        caught(
            json!({"ErrorEquals": ["States.ALL"], "Next": "Handler"}),
            json!({
                "ResultSelector": {"x.$": "$.no.such.field"},
                "ResultPath": "$.result",
                "OutputPath": "$.no.such.path"
            }),
        ),
    );
    let (status, _) = run(&rt, &wf, json!({"in": 1})).await;
    assert_eq!(
        output(&status),
        &json!({"Error": "Boom", "Cause": "it broke"})
    );
}

#[tokio::test(start_paused = true)]
async fn catchers_are_scanned_in_order_and_task_failed_is_a_wildcard() {
    // The corpus case raise_exception_catch: catchers [Lambda.Unknown], [States.TaskFailed],
    // [States.ALL] with a function error "Exception" pick the States.TaskFailed one.
    let rt = runtime();
    failing(&rt, "f", "Exception", "bad");
    let wf = load(
        &rt,
        json!({
            "StartAt": "T",
            "States": {
                "T": {
                    "Type": "Task", "Resource": lambda("f"),
                    "Catch": [
                        {"ErrorEquals": ["Lambda.Unknown"], "Next": "Unknown"},
                        {"ErrorEquals": ["States.TaskFailed"], "Next": "TaskFailed"},
                        {"ErrorEquals": ["States.ALL"], "Next": "All"}
                    ],
                    "End": true
                },
                "Unknown": {"Type": "Pass", "Result": "unknown", "End": true},
                "TaskFailed": {"Type": "Pass", "Result": "task_failed", "End": true},
                "All": {"Type": "Pass", "Result": "all", "End": true}
            }
        }),
    );
    let (status, _) = run(&rt, &wf, json!({})).await;
    assert_eq!(output(&status), &json!("task_failed"));
}

#[tokio::test(start_paused = true)]
async fn catcher_assign_runs_instead_of_the_states_assign() {
    // In a catcher's Assign, `$` is the Error Output; the state's own Assign is not evaluated.
    let rt = runtime();
    failing(&rt, "f", "Boom", "it broke");
    let wf = load(
        &rt,
        json!({
            "StartAt": "Init",
            "States": {
                "Init": {"Type": "Pass", "Assign": {"flag": "initial"}, "Next": "T"},
                "T": {
                    "Type": "Task", "Resource": lambda("f"),
                    "Assign": {"flag": "from the state"},
                    "Catch": [{
                        "ErrorEquals": ["States.ALL"],
                        "Assign": {"errorName.$": "$.Error", "errorCause.$": "$.Cause", "constant": 5},
                        "ResultPath": null,
                        "Next": "Report"
                    }],
                    "End": true
                },
                "Report": {
                    "Type": "Pass",
                    "Parameters": {
                        "flag.$": "$flag", "errorName.$": "$errorName",
                        "errorCause.$": "$errorCause", "constant.$": "$constant"
                    },
                    "End": true
                }
            }
        }),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(
        output(&status),
        &json!({"flag": "initial", "errorName": "Boom", "errorCause": "it broke", "constant": 5})
    );
    // The assignment is recorded on the Task's exit.
    let exited = events_of(&history, EventType::TaskStateExited)[0].to_aws_json();
    let assigned = &exited["stateExitedEventDetails"]["assignedVariables"];
    assert_eq!(assigned["errorName"], json!("\"Boom\""));
    assert_eq!(assigned["constant"], json!("5"));
    assert!(assigned.get("flag").is_none());
}

#[tokio::test(start_paused = true)]
async fn history_of_a_caught_failure_exits_the_task() {
    let rt = runtime();
    failing(&rt, "f", "Boom", "it broke");
    let wf = load(
        &rt,
        caught(
            json!({"ErrorEquals": ["States.ALL"], "Next": "Handler"}),
            json!({}),
        ),
    );
    let (_, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(
        types(&history),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionFailed",
            "TaskStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded"
        ]
    );
    let failed_event = history[4].to_aws_json();
    assert_eq!(
        failed_event["lambdaFunctionFailedEventDetails"],
        json!({"error": "Boom", "cause": "it broke"})
    );
    let exited = history[5].to_aws_json();
    assert_eq!(
        exited["stateExitedEventDetails"]["output"],
        json!(r#"{"Error":"Boom","Cause":"it broke"}"#)
    );
    // An uncaught failure, by contrast, has no TaskStateExited and no TaskStateAborted.
    let wf = load(
        &rt,
        json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": lambda("f"), "End": true}}}),
    );
    let (_, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(
        types(&history),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionFailed",
            "ExecutionFailed"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn runtime_errors_are_not_caught_by_states_all() {
    let rt = runtime();
    let calls = Arc::new(AtomicU32::new(0));
    let c = calls.clone();
    rt.bind_lambda("f", move |input: Value, _ctx: TaskContext| {
        c.fetch_add(1, Ordering::SeqCst);
        async move { Ok(input) }
    });
    let wf = load(
        &rt,
        caught(
            json!({"ErrorEquals": ["States.ALL"], "Next": "Handler"}),
            json!({"Parameters": {"x.$": "$.missing"}}),
        ),
    );
    let (status, history) = run(&rt, &wf, json!({"present": 1})).await;
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    assert_eq!(
        failed(&status),
        (
            Some("States.Runtime"),
            Some(
                "An error occurred while executing the state 'T' (entered at the event id #2). \
                 The JSONPath '$.missing' specified for the field 'x.$' could not be found in the input '{\"present\":1}'"
            )
        )
    );
    assert_eq!(
        types(&history),
        ["ExecutionStarted", "TaskStateEntered", "ExecutionFailed"]
    );
}

#[tokio::test(start_paused = true)]
async fn an_output_path_error_after_a_successful_task_is_not_caught() {
    // The task succeeds, then OutputPath fails: States.Runtime, not caught by States.ALL.
    let rt = runtime();
    rt.bind_lambda("f", |_: Value, _ctx: TaskContext| async {
        Ok::<_, TaskError>(json!({"a": 1}))
    });
    let wf = load(
        &rt,
        caught(
            json!({"ErrorEquals": ["States.ALL"], "Next": "Handler"}),
            json!({"OutputPath": "$.b"}),
        ),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    let (error, cause) = failed(&status);
    assert_eq!(error, Some("States.Runtime"));
    assert!(
        cause
            .unwrap()
            .ends_with("Invalid path '$.b' : No results for path: $['b']"),
        "{cause:?}"
    );
    assert_eq!(*types(&history).last().unwrap(), "ExecutionFailed");
    assert_eq!(count(&history, EventType::PassStateEntered), 0);
}

#[tokio::test(start_paused = true)]
async fn a_catch_can_lead_to_a_state_that_fails_the_execution() {
    // A Fail state after a catch: the execution fails with the Fail state's error, and the
    // Error Output is that state's input.
    let rt = runtime();
    failing(&rt, "f", "Boom", "it broke");
    let wf = load(
        &rt,
        json!({
            "StartAt": "T",
            "States": {
                "T": {"Type": "Task", "Resource": lambda("f"),
                      "Catch": [{"ErrorEquals": ["Boom"], "Next": "Fail"}], "End": true},
                "Fail": {"Type": "Fail", "ErrorPath": "$.Error", "Cause": "handled"}
            }
        }),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(failed(&status), (Some("Boom"), Some("handled")));
    assert_eq!(
        entered_input(&history, "Fail", 0),
        json!({"Error": "Boom", "Cause": "it broke"})
    );
}

#[tokio::test(start_paused = true)]
async fn an_error_without_a_cause_gives_an_error_output_without_cause() {
    // AWS's shape for an error without a cause is not documented (the spec says Cause
    // "SHOULD" be present). We leave "Cause" out rather than inventing one, as AWS does for
    // the execution's own error and cause.
    let rt = runtime();
    rt.bind_lambda("f", |_: Value, _ctx: TaskContext| async {
        Err::<Value, _>(TaskError {
            error: "NoCause".into(),
            cause: None,
        })
    });
    let wf = load(
        &rt,
        caught(
            json!({"ErrorEquals": ["States.ALL"], "Next": "Handler"}),
            json!({}),
        ),
    );
    let (status, _) = run(&rt, &wf, json!({})).await;
    assert_eq!(output(&status), &json!({"Error": "NoCause"}));
}
