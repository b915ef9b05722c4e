//! Parallel: concurrency, output order, failure and cancellation, Retry, Catch, nesting.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::Barrier;
use workflow_runtime::{EventType, TaskContext, TaskError};

use crate::common::*;

fn branch(state: &str, resource: &str) -> Value {
    json!({
        "StartAt": state,
        "States": {state: {"Type": "Task", "Resource": resource, "End": true}}
    })
}

#[tokio::test(start_paused = true)]
async fn branches_run_concurrently() {
    // Each handler waits until the other one has started: the execution can only finish if
    // both run at the same time.
    let rt = runtime();
    let barrier = Arc::new(Barrier::new(2));
    for name in ["a", "b"] {
        let barrier = barrier.clone();
        rt.bind_lambda(name, move |_: Value, ctx: TaskContext| {
            let barrier = barrier.clone();
            async move {
                barrier.wait().await;
                Ok::<_, TaskError>(json!(ctx.state_name()))
            }
        });
    }
    let wf = load(
        &rt,
        json!({
            "StartAt": "P",
            "States": {"P": {
                "Type": "Parallel",
                "Branches": [branch("A", &lambda("a")), branch("B", &lambda("b"))],
                "End": true
            }}
        }),
    );
    let handle = rt.start(&wf, json!({})).await.unwrap();
    let status = outcome_within(&handle, Duration::from_secs(60)).await;
    assert_eq!(output(&status), &json!(["A", "B"]));
}

#[tokio::test(start_paused = true)]
async fn output_is_in_branch_order_whatever_the_completion_order() {
    // Branch 0 finishes last, branch 2 first.
    let rt = runtime();
    rt.bind_lambda("sleep", |input: Value, _ctx: TaskContext| async move {
        let secs = input["sleep"].as_u64().unwrap();
        tokio::time::sleep(Duration::from_secs(secs)).await;
        Ok::<_, TaskError>(json!({"slept": secs}))
    });
    let sleeper = |secs: u64| {
        let name = format!("Sleep{secs}");
        json!({
            "StartAt": name,
            "States": {name: {"Type": "Task", "Resource": lambda("sleep"),
                             "Parameters": {"sleep": secs}, "End": true}}
        })
    };
    let wf = load(
        &rt,
        json!({
            "StartAt": "P",
            "States": {"P": {
                "Type": "Parallel",
                "Branches": [sleeper(3), sleeper(2), sleeper(1)],
                "End": true
            }}
        }),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(
        output(&status),
        &json!([{"slept": 3}, {"slept": 2}, {"slept": 1}])
    );
    // They ran side by side: the state took 3 s, not 6.
    assert_eq!(
        between(
            &history,
            EventType::ParallelStateEntered,
            EventType::ParallelStateExited
        ),
        3_000
    );
    // AWS records no ParallelStateSucceeded (corpus parallel/*).
    assert_eq!(
        types(&history)[..3],
        [
            "ExecutionStarted",
            "ParallelStateEntered",
            "ParallelStateStarted"
        ]
    );
    assert_eq!(
        types(&history)[history.len() - 2..],
        ["ParallelStateExited", "ExecutionSucceeded"]
    );
}

#[tokio::test(start_paused = true)]
async fn every_branch_gets_the_effective_input_and_the_result_goes_through_result_path() {
    let rt = runtime();
    let wf = load(
        &rt,
        json!({
            "StartAt": "P",
            "States": {"P": {
                "Type": "Parallel",
                "InputPath": "$.in",
                "Parameters": {"v.$": "$.value"},
                "Branches": [
                    {"StartAt": "X", "States": {"X": {"Type": "Pass", "End": true}}},
                    {"StartAt": "Y", "States": {"Y": {"Type": "Pass", "Parameters": {"doubled.$": "States.MathAdd($.v, $.v)"}, "End": true}}}
                ],
                "ResultSelector": {"first.$": "$[0]", "second.$": "$[1].doubled"},
                "ResultPath": "$.out",
                "End": true
            }}
        }),
    );
    let (status, _) = run(&rt, &wf, json!({"in": {"value": 21}})).await;
    assert_eq!(
        output(&status),
        &json!({"in": {"value": 21}, "out": {"first": {"v": 21}, "second": 42}})
    );
}

#[tokio::test(start_paused = true)]
async fn a_failing_branch_fails_the_state_and_cancels_the_others() {
    let rt = runtime();
    let drops = DropCounter::default();
    hanging(&rt, "slow", &drops);
    rt.bind_lambda("fail", |_: Value, _ctx: TaskContext| async {
        tokio::time::sleep(Duration::from_secs(1)).await;
        Err::<Value, _>(TaskError::new("BranchError", "branch 1 broke"))
    });
    let wf = load(
        &rt,
        json!({
            "StartAt": "P",
            "States": {"P": {
                "Type": "Parallel",
                "Branches": [branch("Slow", &lambda("slow")), branch("Fail", &lambda("fail"))],
                "End": true
            }}
        }),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    // The branch's error, unchanged (not States.BranchFailed).
    assert_eq!(
        failed(&status),
        (Some("BranchError"), Some("branch 1 broke"))
    );
    drops.wait_for(1).await;
    // Both tasks are aborted: the failed one ended its branch, the other was cancelled.
    assert_eq!(count(&history, EventType::TaskStateAborted), 2);
    assert_eq!(count(&history, EventType::TaskStateExited), 0);
    assert_eq!(count(&history, EventType::ParallelStateExited), 0);
    let t = types(&history);
    assert_eq!(t.last(), Some(&"ExecutionFailed"));
    let fail_at = t.iter().position(|e| *e == "LambdaFunctionFailed").unwrap();
    assert!(
        t[fail_at..]
            .iter()
            .filter(|e| **e == "TaskStateAborted")
            .count()
            == 2
    );
}

#[tokio::test(start_paused = true)]
async fn a_caught_branch_failure_exits_the_parallel_state() {
    let rt = runtime();
    rt.bind_lambda("fail", |_: Value, _ctx: TaskContext| async {
        Err::<Value, _>(TaskError::new("Exception", "nope"))
    });
    let wf = load(
        &rt,
        json!({
            "StartAt": "P",
            "States": {
                "P": {
                    "Type": "Parallel",
                    "Branches": [branch("F", &lambda("fail"))],
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handled"}],
                    "End": true
                },
                "Handled": {"Type": "Pass", "End": true}
            }
        }),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(
        output(&status),
        &json!({"Error": "Exception", "Cause": "nope"})
    );
    // The corpus (parallel_catch_error_parallel_catch_error_output).
    assert_eq!(
        types(&history),
        [
            "ExecutionStarted",
            "ParallelStateEntered",
            "ParallelStateStarted",
            "TaskStateEntered",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionFailed",
            "TaskStateAborted",
            "ParallelStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn retry_on_parallel_reruns_every_branch() {
    let rt = runtime();
    let calls = Arc::new(AtomicU32::new(0));
    let c = calls.clone();
    rt.bind_lambda("flaky", move |_: Value, _ctx: TaskContext| {
        let n = c.fetch_add(1, Ordering::SeqCst);
        async move {
            if n == 0 {
                Err(TaskError::new("Flaky", "first time"))
            } else {
                Ok(json!(n))
            }
        }
    });
    let wf = load(
        &rt,
        json!({
            "StartAt": "P",
            "States": {"P": {
                "Type": "Parallel",
                "Branches": [
                    branch("F", &lambda("flaky")),
                    {"StartAt": "Const", "States": {"Const": {"Type": "Pass", "Result": "c", "End": true}}}
                ],
                "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 2}],
                "End": true
            }}
        }),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(output(&status), &json!([1, "c"]));
    // A new ParallelStateStarted per attempt, no new ParallelStateEntered.
    assert_eq!(count(&history, EventType::ParallelStateEntered), 1);
    let started = times_of(&history, EventType::ParallelStateStarted);
    assert_eq!(started.len(), 2);
    let failed_at = times_of(&history, EventType::LambdaFunctionFailed)[0];
    assert_eq!(started[1] - failed_at, 2_000);
    // The constant branch ran twice.
    assert_eq!(count(&history, EventType::PassStateEntered), 2);
}

#[tokio::test(start_paused = true)]
async fn nested_parallel_wraps_the_result_again() {
    let rt = runtime();
    let inner = json!({
        "StartAt": "Inner",
        "States": {"Inner": {
            "Type": "Parallel",
            "Branches": [{"StartAt": "Leaf", "States": {"Leaf": {"Type": "Pass", "End": true}}}],
            "End": true
        }}
    });
    let wf = load(
        &rt,
        json!({
            "StartAt": "Outer",
            "States": {"Outer": {"Type": "Parallel", "Branches": [inner], "End": true}}
        }),
    );
    let (status, history) = run(&rt, &wf, json!({"x": 1})).await;
    assert_eq!(output(&status), &json!([[{"x": 1}]]));
    assert_eq!(
        types(&history),
        [
            "ExecutionStarted",
            "ParallelStateEntered",
            "ParallelStateStarted",
            "ParallelStateEntered",
            "ParallelStateStarted",
            "PassStateEntered",
            "PassStateExited",
            "ParallelStateExited",
            "ParallelStateExited",
            "ExecutionSucceeded"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_failure_deep_inside_nested_parallels_aborts_every_level() {
    let rt = runtime();
    let drops = DropCounter::default();
    hanging(&rt, "slow", &drops);
    let inner = json!({
        "StartAt": "Inner",
        "States": {"Inner": {
            "Type": "Parallel",
            "Branches": [
                branch("Slow1", &lambda("slow")),
                {"StartAt": "Later", "States": {
                    "Later": {"Type": "Wait", "Seconds": 1, "Next": "Boom"},
                    "Boom": {"Type": "Fail", "Error": "Deep", "Cause": "inner"}
                }}
            ],
            "End": true
        }}
    });
    let wf = load(
        &rt,
        json!({
            "StartAt": "Outer",
            "States": {"Outer": {
                "Type": "Parallel",
                "Branches": [inner, branch("Slow2", &lambda("slow"))],
                "End": true
            }}
        }),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(failed(&status), (Some("Deep"), Some("inner")));
    drops.wait_for(2).await;
    assert_eq!(count(&history, EventType::TaskStateAborted), 2);
    assert_eq!(span(&history), 1_000);
    // The inner Parallel state ended its branch by failing: it is aborted too.
    assert_eq!(count(&history, EventType::ParallelStateAborted), 1);
}

#[tokio::test(start_paused = true)]
async fn a_succeed_state_ends_only_its_branch() {
    let rt = runtime();
    let wf = load(
        &rt,
        json!({
            "StartAt": "P",
            "States": {
                "P": {
                    "Type": "Parallel",
                    "Branches": [
                        {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}},
                        {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 5, "Next": "R"}, "R": {"Type": "Pass", "Result": "late", "End": true}}}
                    ],
                    "Next": "After"
                },
                "After": {"Type": "Pass", "End": true}
            }
        }),
    );
    let (status, _) = run(&rt, &wf, json!("in")).await;
    assert_eq!(output(&status), &json!(["in", "late"]));
}
