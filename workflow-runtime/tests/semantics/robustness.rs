//! Robustness: panicking handlers, unbound resources, unknown functions, starting outside
//! tokio, stopping, history while running.

use std::future::Future;
use std::time::Duration;

use serde_json::{Value, json};
use workflow_runtime::{
    EventType, ExecutionStatus, LoadOptions, Runtime, StartError, TaskContext, TaskError,
};

use crate::common::*;

#[tokio::test(start_paused = true)]
async fn a_panicking_handler_fails_its_state_and_the_runtime_goes_on() {
    // AWS has no panics; the nearest is a function that crashes. We report a panic as the
    // task's failure, States.TaskFailed (retriable and catchable like any task error), with
    // the panic message as its cause.
    let rt = runtime();
    rt.bind_lambda("panics", |input: Value, _ctx: TaskContext| async move {
        if input["panic"] == json!(true) {
            panic!("handler exploded");
        }
        Ok::<_, TaskError>(json!("calm"))
    });
    let wf = load(
        &rt,
        json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": lambda("panics"), "End": true}}}),
    );
    let (status, history) = run(&rt, &wf, json!({"panic": true})).await;
    let (error, cause) = failed(&status);
    assert_eq!(error, Some("States.TaskFailed"));
    assert!(cause.unwrap().contains("handler exploded"), "{cause:?}");
    assert_eq!(
        types(&history)[4..],
        ["LambdaFunctionFailed", "ExecutionFailed"]
    );
    // The same runtime and handler still work.
    let (status, _) = run(&rt, &wf, json!({"panic": false})).await;
    assert_eq!(output(&status), &json!("calm"));
}

#[tokio::test(start_paused = true)]
async fn a_panic_can_be_retried_and_caught_like_any_task_failure() {
    let rt = runtime();
    rt.bind_lambda("panics", |_: Value, _ctx: TaskContext| async move {
        if true {
            panic!("always");
        }
        Ok::<_, TaskError>(Value::Null)
    });
    let wf = load(
        &rt,
        json!({
            "StartAt": "T",
            "States": {
                "T": {
                    "Type": "Task", "Resource": lambda("panics"),
                    "Retry": [{"ErrorEquals": ["States.TaskFailed"], "MaxAttempts": 1}],
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
                    "End": true
                },
                "Caught": {"Type": "Pass", "OutputPath": "$.Error", "End": true}
            }
        }),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(output(&status), &json!("States.TaskFailed"));
    assert_eq!(count(&history, EventType::LambdaFunctionFailed), 2);
}

#[tokio::test(start_paused = true)]
async fn a_handler_panicking_before_returning_its_future_is_contained() {
    // The panic happens in the closure itself, not inside the future it returns.
    let rt = runtime();
    rt.bind_lambda("eager", |_: Value, _ctx: TaskContext| {
        if true {
            panic!("eager panic");
        }
        async { Ok::<_, TaskError>(Value::Null) }
    });
    let wf = load(
        &rt,
        json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": lambda("eager"), "End": true}}}),
    );
    let handle = rt.start(&wf, json!({})).await;
    let handle = match handle {
        Ok(h) => h,
        Err(e) => panic!("start failed: {e}"),
    };
    let status = outcome_within(&handle, Duration::from_secs(60)).await;
    let (error, cause) = failed(&status);
    assert_eq!(error, Some("States.TaskFailed"));
    assert!(cause.unwrap().contains("eager panic"), "{cause:?}");
}

#[tokio::test(start_paused = true)]
async fn an_unbound_resource_fails_with_a_clear_cause() {
    // A mistake in this process's set-up, not in the workflow: States.Runtime, which no
    // Retry or Catch handles (like AWS's own runtime errors), with a cause naming the
    // resource and the state.
    let rt = runtime();
    let wf = load(
        &rt,
        json!({
            "StartAt": "Send",
            "States": {"Send": {
                "Type": "Task", "Resource": "arn:aws:states:::sns:publish",
                "Parameters": {"TopicArn": "t", "Message": "m"}, "End": true
            }}
        }),
    );
    let (status, _) = run(&rt, &wf, json!({})).await;
    let (error, cause) = failed(&status);
    assert_eq!(error, Some("States.Runtime"));
    let cause = cause.unwrap();
    assert!(cause.contains("arn:aws:states:::sns:publish"), "{cause}");
    assert!(cause.contains("'Send'"), "{cause}");
}

#[tokio::test(start_paused = true)]
async fn the_fallback_handler_serves_unbound_resources() {
    let rt = runtime();
    rt.bind_fallback(|input: Value, ctx: TaskContext| async move {
        Ok::<_, TaskError>(json!({"resource": ctx.resource(), "input": input}))
    });
    let wf = load(
        &rt,
        json!({
            "StartAt": "Send",
            "States": {"Send": {
                "Type": "Task", "Resource": "arn:aws:states:::sns:publish",
                "Parameters": {"TopicArn": "t", "Message": "m"}, "End": true
            }}
        }),
    );
    let (status, _) = run(&rt, &wf, json!({})).await;
    assert_eq!(
        output(&status),
        &json!({"resource": "arn:aws:states:::sns:publish", "input": {"TopicArn": "t", "Message": "m"}})
    );
}

#[tokio::test(start_paused = true)]
async fn lambda_invoke_of_an_unknown_function_is_resource_not_found() {
    let rt = runtime();
    rt.bind_lambda("known", |input: Value, _ctx: TaskContext| async move {
        Ok::<_, TaskError>(input)
    });
    let wf = load(
        &rt,
        json!({
            "StartAt": "Call",
            "States": {"Call": {
                "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "nope", "Payload.$": "$"},
                "Catch": [{"ErrorEquals": ["Lambda.ResourceNotFoundException"], "Next": "Missing"}],
                "End": true
            }, "Missing": {"Type": "Pass", "End": true}}
        }),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    let out = output(&status);
    assert_eq!(out["Error"], json!("Lambda.ResourceNotFoundException"));
    let cause = out["Cause"].as_str().unwrap();
    assert!(
        cause
            .starts_with("Function not found: arn:aws:lambda:us-east-1:123456789012:function:nope"),
        "{cause}"
    );
    assert_eq!(count(&history, EventType::TaskFailed), 1);

    // A direct Lambda ARN of a function nobody bound: the same error.
    let wf = load(
        &rt,
        json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": lambda("missing"), "End": true}}}),
    );
    let (status, _) = run(&rt, &wf, json!({})).await;
    let (error, cause) = failed(&status);
    assert_eq!(error, Some("Lambda.ResourceNotFoundException"));
    assert!(cause.unwrap().contains(&lambda("missing")), "{cause:?}");

    // The known function, through lambda:invoke, gets the Payload and its result is wrapped.
    let wf = load(
        &rt,
        json!({
            "StartAt": "Call",
            "States": {"Call": {
                "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": lambda("known"), "Payload": {"p": 1}},
                "OutputPath": "$.Payload",
                "End": true
            }}
        }),
    );
    let (status, _) = run(&rt, &wf, json!({})).await;
    assert_eq!(output(&status), &json!({"p": 1}));
}

#[test]
fn start_outside_a_tokio_runtime_is_an_error_not_a_panic() {
    let rt = Runtime::builder().seed(1).build();
    let wf = load(
        &rt,
        json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}),
    );
    // Polled outside any tokio runtime, the start is refused at its first poll.
    let mut start = std::pin::pin!(rt.start(&wf, json!({})));
    let polled = start
        .as_mut()
        .poll(&mut std::task::Context::from_waker(std::task::Waker::noop()));
    assert!(matches!(
        polled,
        std::task::Poll::Ready(Err(StartError::NoTokioRuntime))
    ));
}

#[tokio::test(start_paused = true)]
async fn stop_aborts_the_execution_and_cancels_its_tasks() {
    let rt = runtime();
    let drops = DropCounter::default();
    hanging(&rt, "slow", &drops);
    let wf = load(
        &rt,
        json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": lambda("slow"), "End": true}}}),
    );
    let handle = rt.start(&wf, json!({})).await.unwrap();
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(handle.try_outcome().is_none());
    handle
        .stop(Some("Operator".into()), Some("stopped by hand".into()))
        .await
        .unwrap();
    let status = outcome(&handle).await;
    assert_eq!(
        status,
        ExecutionStatus::Aborted(workflow_runtime::Failure::new(
            "Operator",
            "stopped by hand"
        ))
    );
    assert_eq!(status.as_str(), "ABORTED");
    drops.wait_for(1).await;
    let history = handle.history().await;
    assert_eq!(
        types(&history),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "TaskStateAborted",
            "ExecutionAborted"
        ]
    );
    let aborted = history.last().unwrap();
    assert_eq!(span(&history), 5_000);
    assert_eq!(
        aborted.to_aws_json()["executionAbortedEventDetails"],
        json!({"error": "Operator", "cause": "stopped by hand"})
    );
    // Stopping again, or after the end, changes nothing.
    handle.stop(None, None).await.unwrap();
    assert_eq!(outcome(&handle).await.as_str(), "ABORTED");
}

#[tokio::test(start_paused = true)]
async fn stop_inside_a_map_aborts_every_iteration() {
    let rt = runtime();
    let drops = DropCounter::default();
    hanging(&rt, "slow", &drops);
    let wf = load(
        &rt,
        json!({
            "StartAt": "M",
            "States": {"M": {
                "Type": "Map",
                "ItemProcessor": {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": lambda("slow"), "End": true}}},
                "End": true
            }}
        }),
    );
    let handle = rt.start(&wf, json!([1, 2, 3])).await.unwrap();
    tokio::time::sleep(Duration::from_secs(1)).await;
    handle.stop(None, None).await.unwrap();
    let status = outcome(&handle).await;
    assert_eq!(status, ExecutionStatus::Aborted(Default::default()));
    drops.wait_for(3).await;
    let history = handle.history().await;
    assert_eq!(count(&history, EventType::TaskStateAborted), 3);
    assert_eq!(count(&history, EventType::MapIterationAborted), 3);
    assert_eq!(count(&history, EventType::MapStateAborted), 1);
    // With neither error nor cause, the details have neither.
    assert_eq!(
        history.last().unwrap().to_aws_json()["executionAbortedEventDetails"],
        json!({})
    );
}

#[tokio::test(start_paused = true)]
async fn history_while_running_returns_the_events_so_far() {
    let rt = runtime();
    rt.bind_lambda("slow", |input: Value, _ctx: TaskContext| async move {
        tokio::time::sleep(Duration::from_secs(60)).await;
        Ok::<_, TaskError>(input)
    });
    let wf = load(
        &rt,
        json!({
            "StartAt": "W",
            "States": {
                "W": {"Type": "Wait", "Seconds": 10, "Next": "T"},
                "T": {"Type": "Task", "Resource": lambda("slow"), "End": true}
            }
        }),
    );
    let handle = rt.start(&wf, json!({"x": 1})).await.unwrap();
    assert_eq!(
        types(&handle.history().await),
        ["ExecutionStarted", "WaitStateEntered"]
    );
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert!(handle.try_outcome().is_none());
    assert_eq!(
        types(&handle.history().await),
        [
            "ExecutionStarted",
            "WaitStateEntered",
            "WaitStateExited",
            "TaskStateEntered",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted"
        ]
    );
    let status = outcome(&handle).await;
    assert_eq!(output(&status), &json!({"x": 1}));
    assert_eq!(handle.history().await.len(), 9);
}

#[tokio::test(start_paused = true)]
async fn start_sync_is_for_express_machines() {
    let rt = runtime();
    let definition =
        json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": 1, "End": true}}});
    let standard = load(&rt, definition.clone());
    assert!(matches!(
        rt.start_sync(&standard, json!({})).await,
        Err(StartError::NotExpress)
    ));
    let express = load_with(&rt, definition, &LoadOptions::express());
    let status = rt.start_sync(&express, json!({})).await.unwrap();
    assert_eq!(output(&status), &json!(1));
}

#[tokio::test(start_paused = true)]
async fn handles_can_be_cloned_and_awaited_many_times() {
    let rt = runtime();
    rt.bind_lambda("f", |input: Value, _ctx: TaskContext| async move {
        tokio::time::sleep(Duration::from_secs(1)).await;
        Ok::<_, TaskError>(input)
    });
    let wf = load(
        &rt,
        json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": lambda("f"), "End": true}}}),
    );
    let handle = rt.start(&wf, json!(5)).await.unwrap();
    let other = handle.clone();
    let (a, b) = tokio::join!(outcome(&handle), outcome(&other));
    assert_eq!(a, b);
    assert_eq!(output(&a), &json!(5));
    assert_eq!(output(&outcome(&handle).await), &json!(5));
    assert_eq!(handle.try_outcome(), Some(a));
}

#[tokio::test(start_paused = true)]
async fn many_executions_run_side_by_side() {
    let rt = runtime();
    rt.bind_lambda("f", |input: Value, _ctx: TaskContext| async move {
        tokio::time::sleep(Duration::from_secs(10)).await;
        Ok::<_, TaskError>(input)
    });
    let wf = load(
        &rt,
        json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": lambda("f"), "End": true}}}),
    );
    let mut handles = Vec::new();
    for i in 0..100 {
        handles.push(rt.start(&wf, json!(i)).await.unwrap());
    }
    let start = tokio::time::Instant::now();
    for (i, h) in handles.iter().enumerate() {
        assert_eq!(output(&outcome(h).await), &json!(i));
    }
    // All ran at the same time.
    let elapsed = start.elapsed();
    assert!(
        elapsed >= Duration::from_secs(10) && elapsed < Duration::from_secs(11),
        "{elapsed:?}"
    );
    // Execution names (and ARNs) are unique.
    let mut arns: Vec<&str> = handles.iter().map(|h| h.execution_arn()).collect();
    arns.sort();
    arns.dedup();
    assert_eq!(arns.len(), 100);
}

#[tokio::test(start_paused = true)]
async fn stop_during_a_wait_or_a_retry_back_off() {
    let rt = runtime();
    let wf = load(
        &rt,
        json!({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": true}}}),
    );
    let handle = rt.start(&wf, json!({})).await.unwrap();
    tokio::time::sleep(Duration::from_secs(60)).await;
    handle.stop(None, Some("enough".into())).await.unwrap();
    assert_eq!(outcome(&handle).await.as_str(), "ABORTED");
    let history = handle.history().await;
    assert_eq!(
        types(&history),
        [
            "ExecutionStarted",
            "WaitStateEntered",
            "WaitStateAborted",
            "ExecutionAborted"
        ]
    );
    assert_eq!(span(&history), 60_000);

    rt.bind_lambda("fail", |_: Value, _ctx: TaskContext| async {
        Err::<Value, _>(TaskError::new("E", "c"))
    });
    let wf = load(
        &rt,
        json!({"StartAt": "T", "States": {"T": {
            "Type": "Task", "Resource": lambda("fail"),
            "Retry": [{"ErrorEquals": ["E"], "IntervalSeconds": 600}], "End": true
        }}}),
    );
    let handle = rt.start(&wf, json!({})).await.unwrap();
    tokio::time::sleep(Duration::from_secs(60)).await;
    handle.stop(None, None).await.unwrap();
    assert_eq!(outcome(&handle).await.as_str(), "ABORTED");
    let history = handle.history().await;
    assert_eq!(
        types(&history)[4..],
        [
            "LambdaFunctionFailed",
            "TaskStateAborted",
            "ExecutionAborted"
        ]
    );
    // No second attempt was made, even after the back-off would have ended.
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert_eq!(handle.history().await.len(), history.len());
}

#[tokio::test(start_paused = true)]
async fn a_panic_in_one_branch_fails_the_parallel_and_cancels_the_other() {
    let rt = runtime();
    let drops = DropCounter::default();
    hanging(&rt, "slow", &drops);
    rt.bind_lambda("panics", |_: Value, _ctx: TaskContext| async {
        tokio::time::sleep(Duration::from_secs(1)).await;
        panic!("branch panic");
        #[allow(unreachable_code)]
        Ok::<_, TaskError>(Value::Null)
    });
    let wf = load(
        &rt,
        json!({
            "StartAt": "P",
            "States": {"P": {
                "Type": "Parallel",
                "Branches": [
                    {"StartAt": "S", "States": {"S": {"Type": "Task", "Resource": lambda("slow"), "End": true}}},
                    {"StartAt": "X", "States": {"X": {"Type": "Task", "Resource": lambda("panics"), "End": true}}}
                ],
                "End": true
            }}
        }),
    );
    let (status, _) = run(&rt, &wf, json!({})).await;
    let (error, cause) = failed(&status);
    assert_eq!(error, Some("States.TaskFailed"));
    assert!(cause.unwrap().contains("branch panic"));
    drops.wait_for(1).await;
}

#[tokio::test(start_paused = true)]
async fn the_same_seed_gives_the_same_names_tokens_and_jitter() {
    async fn record(seed: u64) -> (String, String, Value) {
        let rt = Runtime::builder().seed(seed).build();
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        rt.bind(
            "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            move |_: Value, ctx: TaskContext| {
                let tx = tx.clone();
                async move {
                    tx.send(ctx.task_token().unwrap().to_string()).unwrap();
                    Ok::<_, TaskError>(json!({}))
                }
            },
        );
        let wf = load(
            &rt,
            json!({
                "StartAt": "R",
                "States": {
                    "R": {"Type": "Pass", "Parameters": {"uuid.$": "States.UUID()", "n.$": "States.MathRandom(0, 1000000)"}, "Next": "W"},
                    "W": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                          "Parameters": {"QueueUrl": "q", "MessageBody": "m"}, "ResultPath": null, "End": true}
                }
            }),
        );
        let handle = rt.start(&wf, json!({})).await.unwrap();
        let token = rx.recv().await.unwrap();
        rt.send_task_success(&token, json!({})).await.unwrap();
        let status = outcome(&handle).await;
        (
            handle.execution_arn().to_string(),
            token,
            output(&status).clone(),
        )
    }
    let a = record(42).await;
    assert_eq!(record(42).await, a);
    let b = record(43).await;
    assert_ne!(a.0, b.0);
    assert_ne!(a.1, b.1);
    assert_ne!(a.2, b.2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_on_a_multi_threaded_runtime() {
    // No timers here, only real concurrency: branches and iterations meet at barriers.
    let rt = runtime();
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(8));
    let b = barrier.clone();
    rt.bind_lambda("meet", move |input: Value, ctx: TaskContext| {
        let b = b.clone();
        async move {
            b.wait().await;
            assert!(
                ctx.execution_arn()
                    .starts_with("arn:aws:states:us-east-1:123456789012:execution:")
            );
            Ok::<_, TaskError>(input)
        }
    });
    let wf = load(
        &rt,
        json!({
            "StartAt": "M",
            "States": {"M": {
                "Type": "Map",
                "ItemProcessor": {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": lambda("meet"), "End": true}}},
                "End": true
            }}
        }),
    );
    let mut handles = Vec::new();
    for i in 0..2 {
        handles.push(rt.start(&wf, json!([i, i, i, i])).await.unwrap());
    }
    for (i, h) in handles.iter().enumerate() {
        let status = tokio::time::timeout(Duration::from_secs(30), h.outcome())
            .await
            .expect("finished");
        assert_eq!(output(&status), &json!([i, i, i, i]));
    }
}

#[test]
fn an_execution_whose_tokio_runtime_shuts_down_reports_it() {
    let rt = Runtime::builder().seed(3).build();
    rt.bind_lambda("slow", |_: Value, _ctx: TaskContext| async {
        forever().await;
        Ok::<_, TaskError>(Value::Null)
    });
    let wf = load(
        &rt,
        json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": lambda("slow"), "End": true}}}),
    );
    let tokio_rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let handle = tokio_rt.block_on(async {
        let handle = rt.start(&wf, json!({})).await.unwrap();
        tokio::task::yield_now().await;
        handle
    });
    drop(tokio_rt);
    let other = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let status = other.block_on(outcome_within(&handle, Duration::from_secs(60)));
    assert_eq!(status.as_str(), "ABORTED");
    assert!(
        status
            .failure()
            .unwrap()
            .cause
            .as_deref()
            .unwrap()
            .contains("shut down"),
        "{status:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn substitution_resources_are_bound_by_name() {
    let rt = runtime();
    rt.bind("Worker", |input: Value, ctx: TaskContext| async move {
        Ok::<_, TaskError>(
            json!({"resource": ctx.resource(), "state": ctx.state_name(), "in": input}),
        )
    });
    let wf = load(
        &rt,
        json!({"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": "${Worker}", "End": true}}}),
    );
    let (status, _) = run(&rt, &wf, json!(1)).await;
    assert_eq!(
        output(&status),
        &json!({"resource": "${Worker}", "state": "Work", "in": 1})
    );
}
