//! Timeouts: Task TimeoutSeconds(Path), HeartbeatSeconds, execution TimeoutSeconds, EXPRESS's
//! five minutes; the cancelled handlers are dropped.

use std::time::Duration;

use serde_json::{Value, json};
use workflow_runtime::{EventType, ExecutionStatus, LoadOptions, TaskContext, TaskError};

use crate::common::*;

#[tokio::test(start_paused = true)]
async fn task_timeout_fails_with_states_timeout_and_drops_the_handler() {
    let rt = runtime();
    let drops = DropCounter::default();
    hanging(&rt, "slow", &drops);
    let wf = load(
        &rt,
        json!({
            "StartAt": "T",
            "States": {"T": {"Type": "Task", "Resource": lambda("slow"), "TimeoutSeconds": 30, "End": true}}
        }),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(failed(&status).0, Some("States.Timeout"));
    assert_eq!(
        types(&history),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionTimedOut",
            "ExecutionFailed"
        ]
    );
    assert_eq!(
        between(
            &history,
            EventType::LambdaFunctionStarted,
            EventType::LambdaFunctionTimedOut
        ),
        30_000
    );
    let scheduled = history[2].to_aws_json();
    assert_eq!(
        scheduled["lambdaFunctionScheduledEventDetails"]["timeoutInSeconds"],
        json!(30)
    );
    let details = &history[4].to_aws_json()["lambdaFunctionTimedOutEventDetails"];
    assert_eq!(details["error"], json!("States.Timeout"));
    drops.wait_for(1).await;
}

#[tokio::test(start_paused = true)]
async fn service_task_timeout_records_task_timed_out() {
    let rt = runtime();
    let drops = DropCounter::default();
    let d = drops.clone();
    rt.bind(
        "arn:aws:states:::sqs:sendMessage",
        move |_: Value, _ctx: TaskContext| {
            let signal = d.signal();
            async move {
                let _signal = signal;
                forever().await;
                Ok::<_, TaskError>(Value::Null)
            }
        },
    );
    let wf = load(
        &rt,
        json!({
            "StartAt": "Send",
            "States": {"Send": {
                "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                "Parameters": {"QueueUrl": "q", "MessageBody": "m"},
                "TimeoutSeconds": 4, "End": true
            }}
        }),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(failed(&status).0, Some("States.Timeout"));
    assert_eq!(
        types(&history),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskTimedOut",
            "ExecutionFailed"
        ]
    );
    let timed_out = history[4].to_aws_json();
    let details = &timed_out["taskTimedOutEventDetails"];
    assert_eq!(details["resourceType"], json!("sqs"));
    assert_eq!(details["resource"], json!("sendMessage"));
    assert_eq!(details["error"], json!("States.Timeout"));
    assert_eq!(history[4].timestamp - history[3].timestamp, 4_000);
    drops.wait_for(1).await;
}

#[tokio::test(start_paused = true)]
async fn timeout_seconds_path_reads_the_timeout_from_the_input() {
    let rt = runtime();
    let drops = DropCounter::default();
    hanging(&rt, "slow", &drops);
    let wf = load(
        &rt,
        json!({
            "StartAt": "T",
            "States": {"T": {
                "Type": "Task", "Resource": lambda("slow"),
                "TimeoutSecondsPath": "$.limits.timeout", "End": true
            }}
        }),
    );
    let (status, history) = run(&rt, &wf, json!({"limits": {"timeout": 7}})).await;
    assert_eq!(failed(&status).0, Some("States.Timeout"));
    assert_eq!(
        between(
            &history,
            EventType::LambdaFunctionStarted,
            EventType::LambdaFunctionTimedOut
        ),
        7_000
    );
    assert_eq!(
        history[2].to_aws_json()["lambdaFunctionScheduledEventDetails"]["timeoutInSeconds"],
        json!(7)
    );
}

#[tokio::test(start_paused = true)]
async fn a_task_that_finishes_in_time_is_not_timed_out() {
    let rt = runtime();
    rt.bind_lambda("f", |input: Value, _ctx: TaskContext| async move {
        tokio::time::sleep(Duration::from_secs(29)).await;
        Ok::<_, TaskError>(input)
    });
    let wf = load(
        &rt,
        json!({
            "StartAt": "T",
            "States": {"T": {"Type": "Task", "Resource": lambda("f"), "TimeoutSeconds": 30, "End": true}}
        }),
    );
    let (status, history) = run(&rt, &wf, json!("fine")).await;
    assert_eq!(output(&status), &json!("fine"));
    assert_eq!(
        between(
            &history,
            EventType::LambdaFunctionStarted,
            EventType::LambdaFunctionSucceeded
        ),
        29_000
    );
}

#[tokio::test(start_paused = true)]
async fn heartbeats_keep_a_task_alive_past_the_heartbeat_interval() {
    // HeartbeatSeconds 5; the handler works 21 s, heartbeating every 3 s.
    let rt = runtime();
    rt.bind_lambda("worker", |input: Value, ctx: TaskContext| async move {
        for _ in 0..7 {
            tokio::time::sleep(Duration::from_secs(3)).await;
            ctx.heartbeat();
        }
        Ok::<_, TaskError>(input)
    });
    let wf = load(
        &rt,
        json!({
            "StartAt": "T",
            "States": {"T": {
                "Type": "Task", "Resource": lambda("worker"),
                "HeartbeatSeconds": 5, "TimeoutSeconds": 60, "End": true
            }}
        }),
    );
    let (status, history) = run(&rt, &wf, json!({"work": 1})).await;
    assert_eq!(output(&status), &json!({"work": 1}));
    assert_eq!(
        between(
            &history,
            EventType::LambdaFunctionStarted,
            EventType::LambdaFunctionSucceeded
        ),
        21_000
    );
    // SendTaskHeartbeat adds no history event.
    assert_eq!(history.len(), 7);
}

#[tokio::test(start_paused = true)]
async fn a_task_without_heartbeats_fails_with_heartbeat_timeout() {
    let rt = runtime();
    let drops = DropCounter::default();
    hanging(&rt, "silent", &drops);
    let wf = load(
        &rt,
        json!({
            "StartAt": "T",
            "States": {"T": {
                "Type": "Task", "Resource": lambda("silent"),
                "HeartbeatSeconds": 5, "TimeoutSeconds": 60, "End": true
            }}
        }),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    // AWS documents both names for a missed heartbeat; States.HeartbeatTimeout is the
    // specific one (the spec lists it for exactly this), so we report it.
    assert_eq!(failed(&status).0, Some("States.HeartbeatTimeout"));
    assert_eq!(
        between(
            &history,
            EventType::LambdaFunctionStarted,
            EventType::LambdaFunctionTimedOut
        ),
        5_000
    );
    drops.wait_for(1).await;
}

#[tokio::test(start_paused = true)]
async fn heartbeats_do_not_extend_timeout_seconds() {
    let rt = runtime();
    rt.bind_lambda("chatty", |_: Value, ctx: TaskContext| async move {
        loop {
            tokio::time::sleep(Duration::from_secs(2)).await;
            ctx.heartbeat();
        }
    });
    let wf = load(
        &rt,
        json!({
            "StartAt": "T",
            "States": {"T": {
                "Type": "Task", "Resource": lambda("chatty"),
                "HeartbeatSeconds": 5, "TimeoutSeconds": 12, "End": true
            }}
        }),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(failed(&status).0, Some("States.Timeout"));
    assert_eq!(
        between(
            &history,
            EventType::LambdaFunctionStarted,
            EventType::LambdaFunctionTimedOut
        ),
        12_000
    );
}

#[tokio::test(start_paused = true)]
async fn a_timeout_can_be_caught() {
    let rt = runtime();
    let drops = DropCounter::default();
    hanging(&rt, "slow", &drops);
    let wf = load(
        &rt,
        json!({
            "StartAt": "T",
            "States": {
                "T": {
                    "Type": "Task", "Resource": lambda("slow"), "TimeoutSeconds": 3,
                    "Catch": [
                        {"ErrorEquals": ["States.TaskFailed"], "Next": "Wrong"},
                        {"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": "Handled"}
                    ],
                    "End": true
                },
                "Wrong": {"Type": "Fail", "Error": "Wrong"},
                "Handled": {"Type": "Pass", "End": true}
            }
        }),
    );
    let (status, history) = run(&rt, &wf, json!({"job": 1})).await;
    let out = output(&status);
    assert_eq!(out["job"], json!(1));
    assert_eq!(out["error"]["Error"], json!("States.Timeout"));
    assert_eq!(
        types(&history)[4..7],
        [
            "LambdaFunctionTimedOut",
            "TaskStateExited",
            "PassStateEntered"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn execution_timeout_times_out_the_execution_and_cancels_its_tasks() {
    let rt = runtime();
    let drops = DropCounter::default();
    hanging(&rt, "slow", &drops);
    let wf = load(
        &rt,
        json!({
            "TimeoutSeconds": 10,
            "StartAt": "Warmup",
            "States": {
                "Warmup": {"Type": "Wait", "Seconds": 4, "Next": "T"},
                "T": {"Type": "Task", "Resource": lambda("slow"), "End": true}
            }
        }),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    match &status {
        ExecutionStatus::TimedOut(f) => assert_eq!(f.error.as_deref(), Some("States.Timeout")),
        other => panic!("expected TIMED_OUT, got {other:?}"),
    }
    assert_eq!(status.as_str(), "TIMED_OUT");
    let last = history.last().unwrap();
    assert_eq!(last.event_type, EventType::ExecutionTimedOut);
    assert_eq!(span(&history), 10_000);
    assert_eq!(
        last.to_aws_json()["executionTimedOutEventDetails"]["error"],
        json!("States.Timeout")
    );
    assert_eq!(count(&history, EventType::TaskStateExited), 0);
    drops.wait_for(1).await;
}

#[tokio::test(start_paused = true)]
async fn execution_timeout_during_a_wait() {
    let rt = runtime();
    let wf = load(
        &rt,
        json!({
            "TimeoutSeconds": 60,
            "StartAt": "W",
            "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": true}}
        }),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(status.as_str(), "TIMED_OUT");
    let last = history.last().unwrap();
    assert_eq!(last.event_type, EventType::ExecutionTimedOut);
    assert_eq!(span(&history), 60_000);
    assert_eq!(count(&history, EventType::WaitStateExited), 0);
}

#[tokio::test(start_paused = true)]
async fn an_execution_that_ends_in_time_is_not_timed_out() {
    let rt = runtime();
    let wf = load(
        &rt,
        json!({
            "TimeoutSeconds": 60,
            "StartAt": "W",
            "States": {"W": {"Type": "Wait", "Seconds": 59, "End": true}}
        }),
    );
    let (status, _) = run(&rt, &wf, json!("in time")).await;
    assert_eq!(output(&status), &json!("in time"));
}

#[tokio::test(start_paused = true)]
async fn express_executions_stop_at_five_minutes() {
    let rt = runtime();
    let wf = load_with(
        &rt,
        json!({
            "StartAt": "W",
            "States": {"W": {"Type": "Wait", "Seconds": 600, "End": true}}
        }),
        &LoadOptions::express(),
    );
    let handle = rt.start(&wf, json!({})).await.unwrap();
    assert!(handle.execution_arn().contains(":express:"));
    let status = outcome(&handle).await;
    assert_eq!(status.as_str(), "TIMED_OUT");
    let history = handle.history().await;
    let last = history.last().unwrap();
    assert_eq!(last.event_type, EventType::ExecutionTimedOut);
    assert_eq!(span(&history), 300_000);

    // A shorter TimeoutSeconds applies; a longer one is capped at five minutes.
    for (timeout, expected) in [(60, 60_000), (3600, 300_000)] {
        let wf = load_with(
            &rt,
            json!({
                "TimeoutSeconds": timeout,
                "StartAt": "W",
                "States": {"W": {"Type": "Wait", "Seconds": 600, "End": true}}
            }),
            &LoadOptions::express(),
        );
        let status = rt.start_sync(&wf, json!({})).await.unwrap();
        assert_eq!(status.as_str(), "TIMED_OUT", "TimeoutSeconds {timeout}");
        let (_, history) = run(&rt, &wf, json!({})).await;
        assert_eq!(span(&history), expected);
    }
}

#[tokio::test(start_paused = true)]
async fn execution_timeout_aborts_running_map_iterations() {
    let rt = runtime();
    let drops = DropCounter::default();
    hanging(&rt, "slow", &drops);
    let wf = load(
        &rt,
        json!({
            "TimeoutSeconds": 5,
            "StartAt": "M",
            "States": {"M": {
                "Type": "Map",
                "ItemProcessor": {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": lambda("slow"), "End": true}}},
                "End": true
            }}
        }),
    );
    let (status, history) = run(&rt, &wf, json!([1, 2, 3, 4])).await;
    assert_eq!(status.as_str(), "TIMED_OUT");
    drops.wait_for(4).await;
    assert_eq!(count(&history, EventType::MapIterationAborted), 4);
    assert_eq!(count(&history, EventType::TaskStateAborted), 4);
    assert_eq!(count(&history, EventType::MapStateAborted), 1);
    assert_eq!(
        history.last().unwrap().event_type,
        EventType::ExecutionTimedOut
    );
}

#[tokio::test(start_paused = true)]
async fn each_attempt_gets_its_own_timeout() {
    // TimeoutSeconds 10 per attempt, IntervalSeconds 5: timeouts at 10, 25 (5 + 10 after the
    // first), 45 (10 + 10 after the second's end)...
    let rt = runtime();
    let drops = DropCounter::default();
    hanging(&rt, "slow", &drops);
    let wf = load(
        &rt,
        json!({
            "StartAt": "T",
            "States": {"T": {
                "Type": "Task", "Resource": lambda("slow"), "TimeoutSeconds": 10,
                "Retry": [{"ErrorEquals": ["States.Timeout"], "IntervalSeconds": 5, "MaxAttempts": 2}],
                "End": true
            }}
        }),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(failed(&status).0, Some("States.Timeout"));
    let t0 = history[0].timestamp;
    let timed_out: Vec<i64> = times_of(&history, EventType::LambdaFunctionTimedOut)
        .iter()
        .map(|t| t - t0)
        .collect();
    assert_eq!(timed_out, vec![10_000, 25_000, 45_000]);
    drops.wait_for(3).await;
}

#[tokio::test(start_paused = true)]
async fn heartbeat_seconds_path() {
    // The path reads the state input ("a path in the state input", AWS's documentation),
    // not the Parameters output sent to the function, which has no such field.
    let rt = runtime();
    let drops = DropCounter::default();
    hanging(&rt, "silent", &drops);
    let wf = load(
        &rt,
        json!({
            "StartAt": "T",
            "States": {"T": {
                "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "silent", "Payload": {}},
                "HeartbeatSecondsPath": "$.hb", "TimeoutSeconds": 100, "End": true
            }}
        }),
    );
    let (status, history) = run(&rt, &wf, json!({"hb": 3})).await;
    assert_eq!(failed(&status).0, Some("States.HeartbeatTimeout"));
    assert_eq!(
        between(&history, EventType::TaskStarted, EventType::TaskTimedOut),
        3_000
    );
    assert_eq!(
        history[2].to_aws_json()["taskScheduledEventDetails"]["heartbeatInSeconds"],
        json!(3)
    );
}

#[tokio::test(start_paused = true)]
async fn an_invalid_timeout_seconds_path_is_a_runtime_error() {
    let rt = runtime();
    let drops = DropCounter::default();
    hanging(&rt, "slow", &drops);
    let wf = load(
        &rt,
        json!({
            "StartAt": "T",
            "States": {"T": {"Type": "Task", "Resource": lambda("slow"), "TimeoutSecondsPath": "$.t", "End": true}}
        }),
    );
    for input in [
        json!({"t": "ten"}),
        json!({"t": 0}),
        json!({"t": -1}),
        json!({}),
    ] {
        let (status, history) = run(&rt, &wf, input.clone()).await;
        assert_eq!(failed(&status).0, Some("States.Runtime"), "{input}");
        assert_eq!(
            types(&history),
            ["ExecutionStarted", "TaskStateEntered", "ExecutionFailed"],
            "{input}"
        );
    }
    assert_eq!(drops.count(), 0);
}

#[tokio::test(start_paused = true)]
async fn states_timeout_also_handles_a_heartbeat_timeout() {
    // AWS: a Catch or Retry on States.Timeout covers both the task timeout and the
    // heartbeat timeout; States.HeartbeatTimeout (added later) covers only the latter
    // (aws-cdk issue 16084, by the Step Functions team; the Developer Guide's error list).
    let definition = |matcher: &str, heartbeat: bool| {
        let mut task = json!({
            "Type": "Task", "Resource": lambda("slow"), "TimeoutSeconds": 20,
            "Retry": [{"ErrorEquals": [matcher], "MaxAttempts": 1, "IntervalSeconds": 1}],
            "Catch": [{"ErrorEquals": [matcher], "Next": "Caught"}],
            "End": true
        });
        if heartbeat {
            task["HeartbeatSeconds"] = json!(5);
        }
        json!({"StartAt": "T", "States": {"T": task, "Caught": {"Type": "Pass", "End": true}}})
    };
    for (matcher, heartbeat, caught) in [
        ("States.Timeout", true, Some("States.HeartbeatTimeout")),
        ("States.Timeout", false, Some("States.Timeout")),
        (
            "States.HeartbeatTimeout",
            true,
            Some("States.HeartbeatTimeout"),
        ),
        ("States.HeartbeatTimeout", false, None),
    ] {
        let rt = runtime();
        let drops = DropCounter::default();
        hanging(&rt, "slow", &drops);
        let wf = load(&rt, definition(matcher, heartbeat));
        let (status, history) = run(&rt, &wf, json!({})).await;
        let timeouts = count(&history, EventType::LambdaFunctionTimedOut);
        match caught {
            Some(error) => {
                assert_eq!(
                    output(&status)["Error"],
                    json!(error),
                    "{matcher} {heartbeat}"
                );
                assert_eq!(timeouts, 2, "retried once: {matcher} {heartbeat}");
            }
            None => {
                assert_eq!(failed(&status).0, Some("States.Timeout"));
                assert_eq!(timeouts, 1, "not retried: {matcher} {heartbeat}");
            }
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_timeout_seconds_beyond_a_year_is_capped_at_the_year() {
    let rt = runtime();
    let mut ran = Vec::new();
    for timeout in [99_999_999u64, 365 * 24 * 3600] {
        let wf = load(
            &rt,
            json!({
                "TimeoutSeconds": timeout,
                "StartAt": "W",
                "States": {"W": {"Type": "Wait", "Seconds": 99_999_999, "End": true}}
            }),
        );
        let (status, history) = run(&rt, &wf, json!({})).await;
        assert_eq!(status.as_str(), "TIMED_OUT");
        ran.push(span(&history));
    }
    // Capped: a year and a millisecond. Exactly a year: the user's own limit.
    assert_eq!(
        ran,
        vec![365 * 24 * 3600 * 1000 + 1, 365 * 24 * 3600 * 1000]
    );
}

/// On a clock scaled to 0, time jumps to the next timer only once the execution's handlers
/// have finished: a handler still at work is not overtaken by the execution's timeout.
#[tokio::test]
async fn an_instant_clock_does_not_time_out_work_under_way() {
    let rt = workflow_runtime::Runtime::builder()
        .seed(3)
        .clock(std::sync::Arc::new(workflow_runtime::TokioClock::scaled(
            0.0,
        )))
        .build();
    rt.bind_lambda(
        "slow",
        |input: serde_json::Value, _ctx: workflow_runtime::TaskContext| async move {
            // Work that takes a while without sleeping: many turns of the scheduler.
            for _ in 0..200 {
                tokio::task::yield_now().await;
            }
            Ok::<_, workflow_runtime::TaskError>(input)
        },
    );
    let wf = load(
        &rt,
        serde_json::json!({
            "TimeoutSeconds": 1,
            "StartAt": "Slow",
            "States": {
                "Slow": {"Type": "Task", "Resource": lambda("slow"), "Next": "Pause"},
                "Pause": {"Type": "Wait", "Seconds": 3600, "End": true}
            }
        }),
    );
    // The Wait outlasts the execution's TimeoutSeconds, and that is the only timeout seen.
    let (status, history) = run(&rt, &wf, serde_json::json!({"n": 1})).await;
    assert_eq!(status.as_str(), "TIMED_OUT");
    let t = types(&history);
    assert!(t.contains(&"LambdaFunctionSucceeded"), "{t:?}");
    assert!(t.contains(&"WaitStateEntered"), "{t:?}");
}
