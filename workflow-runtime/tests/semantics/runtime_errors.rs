//! `States.Runtime` and `States.DataLimitExceeded` against Retry and Catch.
//!
//! AWS, "Error handling in Step Functions" (docs.aws.amazon.com/step-functions/latest/dg/
//! concepts-error-handling.html): a `States.Runtime` error "isn't retriable, and will always
//! cause the execution to fail"; `States.ALL` "cannot catch the States.DataLimitExceeded
//! terminal error or Runtime error types". The rules follow the error's name, whatever raised
//! it (AWS documents them by name only): a path that matches nothing, an intrinsic's path, a
//! Fail state or a task handler that reports `States.Runtime`, an error that reaches a
//! Parallel or Map state from a branch or an iteration.
//!
//! The same page says `States.IntrinsicFailure`, `States.NoChoiceMatched` and
//! `States.ParameterPathFailure` are "reserved for future use": an intrinsic function that
//! fails, a Choice state that matches nothing and a parameter path that matches nothing are
//! reported as `States.Runtime`, so they too are neither retried nor caught, whatever the
//! handlers name.

use std::sync::atomic::Ordering;

use serde_json::{Value, json};
use workflow_runtime::{EventType, StartOptions, TaskError};

use crate::common::*;

/// Every way a retrier or catcher could name an error: explicitly, then by the wildcards.
fn every_handler() -> (Value, Value) {
    (
        json!([
            {"ErrorEquals": ["States.Runtime"], "MaxAttempts": 5},
            {"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 5},
            {"ErrorEquals": ["States.ALL"], "MaxAttempts": 5}
        ]),
        json!([
            {"ErrorEquals": ["States.Runtime"], "Next": "Caught"},
            {"ErrorEquals": ["States.TaskFailed"], "Next": "Caught"},
            {"ErrorEquals": ["States.ALL"], "Next": "Caught"}
        ]),
    )
}

/// A one-Task machine whose Task has `fields` and every retrier and catcher.
fn guarded_task(fields: Value) -> Value {
    let (retry, catch) = every_handler();
    let mut task = json!({
        "Type": "Task", "Resource": lambda("f"),
        "Retry": retry, "Catch": catch, "End": true
    });
    for (k, v) in fields.as_object().expect("fields") {
        task[k] = v.clone();
    }
    json!({
        "StartAt": "T",
        "States": {"T": task, "Caught": {"Type": "Pass", "End": true}}
    })
}

/// A machine whose only state is `kind` (a Parallel or Map) with every retrier and catcher.
fn guarded(mut state: Value) -> Value {
    let (retry, catch) = every_handler();
    state["Retry"] = retry;
    state["Catch"] = catch;
    state["End"] = json!(true);
    json!({
        "StartAt": "S",
        "States": {"S": state, "Caught": {"Type": "Pass", "End": true}}
    })
}

#[tokio::test(start_paused = true)]
async fn a_path_before_the_task_is_neither_retried_nor_caught() {
    // InputPath and Parameters fail before the task runs: no retrier, not even one that names
    // States.Runtime, runs it again, and no catcher takes it.
    for (fields, cause_end) in [
        (
            json!({"InputPath": "$.missing"}),
            "Invalid path '$.missing' : No results for path: $['missing']",
        ),
        (
            json!({"Parameters": {"x.$": "$.missing"}}),
            "The JSONPath '$.missing' specified for the field 'x.$' could not be found in the input '{\"present\":1}'",
        ),
        (
            // An intrinsic's path argument that matches nothing is a States.Runtime error too.
            json!({"Parameters": {"x.$": "States.Format('{}', $.missing)"}}),
            "$.missing",
        ),
    ] {
        let rt = runtime();
        let calls = counted(&rt, "f", Ok);
        let wf = load(&rt, guarded_task(fields.clone()));
        let (status, history) = run(&rt, &wf, json!({"present": 1})).await;
        let (error, cause) = failed(&status);
        assert_eq!(error, Some("States.Runtime"), "{fields}");
        assert!(
            cause.is_some_and(|c| c.starts_with(
                "An error occurred while executing the state 'T' (entered at the event id #2)."
            ) && c.contains(cause_end)),
            "{fields}: {cause:?}"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 0, "{fields}");
        assert_eq!(
            types(&history),
            ["ExecutionStarted", "TaskStateEntered", "ExecutionFailed"],
            "{fields}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_path_after_the_task_is_neither_retried_nor_caught() {
    // The task succeeds once; ResultSelector, ResultPath or OutputPath then fails with
    // States.Runtime: the task is not run again and nothing catches the error.
    for fields in [
        json!({"ResultSelector": {"x.$": "$.missing"}}),
        json!({"ResultPath": "$.text.inner"}),
        json!({"OutputPath": "$.missing"}),
    ] {
        let rt = runtime();
        let calls = counted(&rt, "f", |_| Ok(json!({"a": 1})));
        let wf = load(&rt, guarded_task(fields.clone()));
        let (status, history) = run(&rt, &wf, json!({"text": "not an object"})).await;
        assert_eq!(failed(&status).0, Some("States.Runtime"), "{fields}");
        assert_eq!(calls.load(Ordering::SeqCst), 1, "{fields}");
        assert_eq!(
            types(&history),
            [
                "ExecutionStarted",
                "TaskStateEntered",
                "LambdaFunctionScheduled",
                "LambdaFunctionStarted",
                "LambdaFunctionSucceeded",
                "ExecutionFailed"
            ],
            "{fields}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_task_error_named_states_runtime_is_neither_retried_nor_caught() {
    // AWS documents the rule by the error's name; a handler that reports States.Runtime
    // (which AWS asks states not to do: their own names must not start with "States.") gets
    // the predefined error's treatment.
    let rt = runtime();
    let calls = counted(&rt, "f", |_| {
        Err(TaskError::new("States.Runtime", "reported by the handler"))
    });
    let wf = load(&rt, guarded_task(json!({})));
    let (status, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(
        failed(&status),
        (Some("States.Runtime"), Some("reported by the handler"))
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(count(&history, EventType::LambdaFunctionFailed), 1);
    assert_eq!(count(&history, EventType::PassStateEntered), 0);
}

#[tokio::test(start_paused = true)]
async fn a_runtime_error_in_a_branch_fails_the_parallel_state_for_good() {
    // Raised by a Choice whose Variable matches nothing, by a Fail state whose ErrorPath
    // matches nothing, and by a Fail state whose Error is States.Runtime: the Parallel state
    // fails with it, and neither its Retry nor its Catch handles it.
    for (branch, cause) in [
        (
            json!({"StartAt": "C", "States": {
                "C": {"Type": "Choice", "Choices": [{"Variable": "$.missing", "BooleanEquals": true, "Next": "D"}], "Default": "D"},
                "D": {"Type": "Succeed"}
            }}),
            None,
        ),
        (
            json!({"StartAt": "F", "States": {"F": {"Type": "Fail", "ErrorPath": "$.missing"}}}),
            None,
        ),
        (
            json!({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "States.Runtime", "Cause": "by hand"}}}),
            Some("by hand"),
        ),
    ] {
        let rt = runtime();
        let wf = load(
            &rt,
            guarded(json!({"Type": "Parallel", "Branches": [branch.clone()]})),
        );
        let (status, history) = run(&rt, &wf, json!({})).await;
        let (error, actual_cause) = failed(&status);
        assert_eq!(error, Some("States.Runtime"), "{branch}");
        if cause.is_some() {
            assert_eq!(actual_cause, cause, "{branch}");
        }
        // Started once (a retry starts the branches again), and not caught.
        assert_eq!(
            count(&history, EventType::ParallelStateStarted),
            1,
            "{branch}"
        );
        assert_eq!(count(&history, EventType::PassStateEntered), 0, "{branch}");
    }
}

/// Retriers and catchers naming `reserved`, then `States.Runtime` and the wildcards.
fn handlers_naming(reserved: &str) -> (Value, Value) {
    let (retry, catch) = every_handler();
    let mut retriers = vec![json!({"ErrorEquals": [reserved], "MaxAttempts": 5})];
    retriers.extend(retry.as_array().expect("retriers").iter().cloned());
    let mut catchers = vec![json!({"ErrorEquals": [reserved], "Next": "Caught"})];
    catchers.extend(catch.as_array().expect("catchers").iter().cloned());
    (Value::Array(retriers), Value::Array(catchers))
}

#[tokio::test(start_paused = true)]
async fn an_intrinsic_or_parameter_failure_is_not_caught_even_under_its_reserved_name() {
    // Parameters fail before the task runs, with States.Runtime (AWS reserves
    // States.IntrinsicFailure and States.ParameterPathFailure for future use): the task never
    // runs, and no retrier or catcher takes the error, not even one naming the reserved name.
    for (reserved, parameters, input, cause_has) in [
        (
            "States.IntrinsicFailure",
            json!({"x.$": "States.ArrayGetItem($.list, 5)"}),
            json!({"list": [1, 2, 3]}),
            "States.ArrayGetItem:",
        ),
        (
            "States.IntrinsicFailure",
            json!({"x.$": "States.StringToJson($.text)"}),
            json!({"text": "{not json"}),
            "States.StringToJson:",
        ),
        (
            "States.IntrinsicFailure",
            json!({"x.$": "States.MathAdd($.n, 1)"}),
            json!({"n": "1"}),
            "States.MathAdd:",
        ),
        (
            "States.ParameterPathFailure",
            json!({"x.$": "$.missing"}),
            json!({}),
            "The JSONPath '$.missing' specified for the field 'x.$' could not be found",
        ),
    ] {
        let (retry, catch) = handlers_naming(reserved);
        let rt = runtime();
        let calls = counted(&rt, "f", Ok);
        let wf = load(
            &rt,
            guarded_task(json!({"Parameters": parameters, "Retry": retry, "Catch": catch})),
        );
        let (status, history) = run(&rt, &wf, input).await;
        let (error, cause) = failed(&status);
        assert_eq!(error, Some("States.Runtime"), "{parameters}");
        assert!(
            cause.is_some_and(|c| c.starts_with(
                "An error occurred while executing the state 'T' (entered at the event id #2). "
            ) && c.contains(cause_has)),
            "{parameters}: {cause:?}"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 0, "{parameters}");
        assert_eq!(
            types(&history),
            ["ExecutionStarted", "TaskStateEntered", "ExecutionFailed"],
            "{parameters}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_choice_that_matches_nothing_in_a_branch_is_not_caught_even_by_states_all() {
    // AWS reserves States.NoChoiceMatched for future use and reports a Choice that matches
    // no rule (and has no Default) as States.Runtime: the Parallel state fails with it, and
    // neither a retrier nor a catcher handles it, whether it names States.NoChoiceMatched,
    // States.Runtime, States.TaskFailed or States.ALL.
    let (retry, catch) = handlers_naming("States.NoChoiceMatched");
    let rt = runtime();
    let wf = load(
        &rt,
        json!({
            "StartAt": "S",
            "States": {
                "S": {
                    "Type": "Parallel",
                    "Branches": [{"StartAt": "C", "States": {
                        "C": {"Type": "Choice", "Choices": [{"Variable": "$.go", "BooleanEquals": true, "Next": "D"}]},
                        "D": {"Type": "Succeed"}
                    }}],
                    "Retry": retry, "Catch": catch, "End": true
                },
                "Caught": {"Type": "Pass", "End": true}
            }
        }),
    );
    let (status, history) = run(&rt, &wf, json!({"go": false})).await;
    // Events: #1 ExecutionStarted, #2 ParallelStateEntered, #3 ParallelStateStarted, #4 the
    // branch's ChoiceStateEntered; the branch's error reaches the execution unchanged.
    assert_eq!(
        failed(&status),
        (
            Some("States.Runtime"),
            Some(
                "An error occurred while executing the state 'C' (entered at the event id #4). \
                 No Choice rule matched the input and the Choice state has no Default."
            )
        )
    );
    assert_eq!(count(&history, EventType::ParallelStateStarted), 1);
    assert_eq!(count(&history, EventType::PassStateEntered), 0);
}

#[tokio::test(start_paused = true)]
async fn a_reserved_name_reported_by_a_fail_state_is_caught_by_name() {
    // Error names are matched by name (AWS documents each rule by name only): a Fail state
    // that reports States.NoChoiceMatched itself raises an ordinary error of that name, which
    // a catcher naming it, and States.ALL, take.
    for catch in ["States.NoChoiceMatched", "States.ALL"] {
        let rt = runtime();
        let wf = load(
            &rt,
            fail_in_a_branch_caught_by("States.NoChoiceMatched", catch),
        );
        let (status, _) = run(&rt, &wf, json!({})).await;
        assert_eq!(
            output(&status),
            &json!({"Error": "States.NoChoiceMatched", "Cause": "by hand"}),
            "{catch}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_runtime_error_in_an_inline_iteration_is_not_tolerated() {
    // An inline iteration runs inside the execution, which a States.Runtime error "will
    // always" fail: ToleratedFailureCount does not absorb it (it does absorb other errors,
    // see the second run), and neither the Map's Retry nor its Catch handles it.
    let definition = |error_path: &str| {
        guarded(json!({
            "Type": "Map",
            "ToleratedFailureCount": 5,
            "MaxConcurrency": 1,
            "ItemProcessor": {"StartAt": "Check", "States": {
                "Check": {"Type": "Choice", "Choices": [{"Variable": "$.bad", "BooleanEquals": true, "Next": "F"}], "Default": "Ok"},
                "F": {"Type": "Fail", "ErrorPath": error_path},
                "Ok": {"Type": "Pass", "End": true}
            }}
        }))
    };
    let input = json!([{"bad": false}, {"bad": true, "e": "Custom"}, {"bad": false}]);
    let rt = runtime();
    let wf = load(&rt, definition("$.missing"));
    let (status, history) = run(&rt, &wf, input.clone()).await;
    assert_eq!(failed(&status).0, Some("States.Runtime"));
    assert_eq!(count(&history, EventType::MapStateEntered), 1);
    assert_eq!(count(&history, EventType::MapIterationFailed), 1);
    // The third item never starts (MaxConcurrency 1): the Map failed at the second.
    assert_eq!(count(&history, EventType::MapIterationStarted), 2);

    let wf = load(&rt, definition("$.e"));
    let (status, _) = run(&rt, &wf, input).await;
    assert_eq!(output(&status).as_array().map(Vec::len), Some(3));
}

#[tokio::test(start_paused = true)]
async fn a_runtime_error_in_a_distributed_iteration_is_a_failed_item() {
    // A distributed iteration is a child execution: the error fails that execution, and the
    // Map Run counts one failed item, which ToleratedFailureCount allows.
    let rt = runtime();
    let wf = load(
        &rt,
        json!({
            "StartAt": "M",
            "States": {"M": {
                "Type": "Map",
                "ToleratedFailureCount": 1,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "P", "States": {"P": {"Type": "Pass", "InputPath": "$.value", "End": true}}
                },
                "End": true
            }}
        }),
    );
    let (status, history) = run(&rt, &wf, json!([{"value": 1}, {}])).await;
    assert_eq!(output(&status).as_array().map(Vec::len), Some(2));
    assert_eq!(count(&history, EventType::MapRunSucceeded), 1);
}

#[tokio::test(start_paused = true)]
async fn the_history_quota_is_not_caught() {
    // A STANDARD execution that reaches its history quota fails with States.Runtime; the
    // Parallel state under way does not catch it.
    let rt = runtime();
    let wf = load(
        &rt,
        guarded(
            json!({"Type": "Parallel", "Branches": [{"StartAt": "A", "States": {
                "A": {"Type": "Pass", "Next": "B"},
                "B": {"Type": "Pass", "Next": "A"}
            }}]}),
        ),
    );
    let options = StartOptions::default().with_history_limit(50);
    let handle = rt
        .start_with(&wf, json!({}), &options)
        .await
        .expect("start");
    let status = outcome(&handle).await;
    let history = handle.history().await;
    assert_eq!(failed(&status).0, Some("States.Runtime"));
    assert_eq!(history.len(), 50);
    assert_eq!(count(&history, EventType::ParallelStateEntered), 1);
}

/// A JSON string of `bytes` bytes once serialized: over AWS's 256 KiB payload limit when
/// `bytes` is 262,145.
fn too_big() -> Value {
    Value::String("x".repeat(262_145 - 2))
}

#[tokio::test(start_paused = true)]
async fn data_limit_exceeded_is_handled_only_where_it_is_named() {
    // "A terminal error that can't be caught by the States.ALL error type": neither
    // States.ALL nor States.TaskFailed handles it; a retrier or catcher that names it does.
    let definition = |retry: Value, catch: Value| {
        json!({
            "StartAt": "T",
            "States": {
                "T": {"Type": "Task", "Resource": lambda("big"), "Retry": retry, "Catch": catch, "End": true},
                "Caught": {"Type": "Pass", "End": true}
            }
        })
    };
    // Wildcards only: one call, the execution fails.
    let rt = runtime();
    let calls = counted(&rt, "big", |_| Ok(too_big()));
    let wf = load(
        &rt,
        definition(
            json!([{"ErrorEquals": ["States.TaskFailed"]}, {"ErrorEquals": ["States.ALL"]}]),
            json!([{"ErrorEquals": ["States.TaskFailed"], "Next": "Caught"}, {"ErrorEquals": ["States.ALL"], "Next": "Caught"}]),
        ),
    );
    let (status, _) = run(&rt, &wf, json!({})).await;
    assert_eq!(failed(&status).0, Some("States.DataLimitExceeded"));
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    // Named: retried once (MaxAttempts 1), then caught.
    let rt = runtime();
    let calls = counted(&rt, "big", |_| Ok(too_big()));
    let wf = load(
        &rt,
        definition(
            json!([{"ErrorEquals": ["States.DataLimitExceeded"], "MaxAttempts": 1}]),
            json!([{"ErrorEquals": ["States.DataLimitExceeded"], "ResultPath": "$.error", "Next": "Caught"}]),
        ),
    );
    let (status, _) = run(&rt, &wf, json!({})).await;
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(
        output(&status)["error"]["Error"],
        json!("States.DataLimitExceeded")
    );
}

/// A Parallel state whose only branch is a Fail state reporting `error` (cause "by hand"),
/// with one catcher, naming `catch`.
fn fail_in_a_branch_caught_by(error: &str, catch: &str) -> Value {
    json!({
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [{"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": error, "Cause": "by hand"}}}],
                "Catch": [{"ErrorEquals": [catch], "Next": "Caught"}],
                "End": true
            },
            "Caught": {"Type": "Pass", "End": true}
        }
    })
}

#[tokio::test(start_paused = true)]
async fn a_fail_state_named_data_limit_exceeded_in_a_branch_is_caught_only_by_name() {
    let definition = |catch: &str| fail_in_a_branch_caught_by("States.DataLimitExceeded", catch);
    let rt = runtime();
    let (status, _) = run(&rt, &load(&rt, definition("States.ALL")), json!({})).await;
    assert_eq!(
        failed(&status),
        (Some("States.DataLimitExceeded"), Some("by hand"))
    );
    let (status, _) = run(
        &rt,
        &load(&rt, definition("States.DataLimitExceeded")),
        json!({}),
    )
    .await;
    assert_eq!(
        output(&status),
        &json!({"Error": "States.DataLimitExceeded", "Cause": "by hand"})
    );
}
