//! Scaled clocks (`TokioClock::scaled`, the CLI's `--time-scale`): waits may be shortened or
//! skipped, but no time limit vanishes. A task handler under way runs in real time against
//! its TimeoutSeconds, HeartbeatSeconds and the execution's limit; a handler that answers at
//! once takes no time; a loop that never waits stops at its execution's limit.
//!
//! Under tokio's paused clock, "real time" is tokio's time: it jumps to the next tokio timer
//! whenever every task is idle, so each test below checks real durations to the millisecond
//! without waiting for them.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::time::Instant;
use workflow_runtime::{
    EventType, LoadOptions, Runtime, TaskContext, TaskError, TokioClock, Workflow,
};

use crate::common::*;

/// The scales below 1 the rule must hold at: skipping, and shortening by 1,000.
const SCALES: [f64; 2] = [0.0, 0.001];

fn runtime_at(scale: f64) -> Runtime {
    Runtime::builder()
        .seed(7)
        .clock(Arc::new(TokioClock::scaled(scale)))
        .build()
}

/// A Lambda task with these extra fields, then the end.
fn one_task(fields: Value) -> Value {
    let mut task = json!({"Type": "Task", "Resource": lambda("work"), "End": true});
    if let (Some(task), Some(fields)) = (task.as_object_mut(), fields.as_object()) {
        task.extend(fields.clone());
    }
    json!({"StartAt": "T", "States": {"T": task}})
}

/// Binds `work` to a handler that answers `{"done": true}` after `took` of (tokio) time.
fn answers_after(rt: &Runtime, took: Duration) {
    rt.bind_lambda("work", move |_: Value, _ctx: TaskContext| async move {
        tokio::time::sleep(took).await;
        Ok::<_, TaskError>(json!({"done": true}))
    });
}

#[tokio::test(start_paused = true)]
async fn a_handler_that_never_answers_is_timed_out_in_real_time() {
    for scale in SCALES {
        let rt = runtime_at(scale);
        let drops = DropCounter::default();
        hanging(&rt, "work", &drops);
        let wf = load(&rt, one_task(json!({"TimeoutSeconds": 2})));
        let real = Instant::now();
        let (status, history) = run(&rt, &wf, json!({})).await;
        // Two seconds of real time, neither cut short nor skipped nor stretched.
        assert_eq!(real.elapsed(), Duration::from_secs(2), "scale {scale}");
        assert_eq!(failed(&status).0, Some("States.Timeout"), "scale {scale}");
        assert_eq!(
            between(
                &history,
                EventType::LambdaFunctionStarted,
                EventType::LambdaFunctionTimedOut
            ),
            2_000,
            "scale {scale}"
        );
        drops.wait_for(1).await;
    }
}

#[tokio::test(start_paused = true)]
async fn a_handler_that_answers_within_its_timeout_is_not_cut_short() {
    for scale in SCALES {
        let rt = runtime_at(scale);
        answers_after(&rt, Duration::from_millis(1_900));
        let wf = load(
            &rt,
            json!({
                "StartAt": "T",
                "States": {
                    "T": {"Type": "Task", "Resource": lambda("work"), "TimeoutSeconds": 2, "Next": "W"},
                    "W": {"Type": "Wait", "Seconds": 3600, "End": true}
                }
            }),
        );
        let real = Instant::now();
        let (status, history) = run(&rt, &wf, json!({})).await;
        assert_eq!(output(&status), &json!({"done": true}), "scale {scale}");
        // The handler's 1.9 s are real; the hour's Wait is skipped or lasts 3.6 s.
        let waited = Duration::from_secs_f64(3_600.0 * scale);
        assert_eq!(
            real.elapsed(),
            Duration::from_millis(1_900) + waited,
            "scale {scale}"
        );
        assert_eq!(
            between(
                &history,
                EventType::LambdaFunctionStarted,
                EventType::LambdaFunctionSucceeded
            ),
            1_900,
            "scale {scale}"
        );
        assert_eq!(span(&history), 1_900 + 3_600_000, "scale {scale}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_heartbeat_timeout_is_real_time_too() {
    for scale in SCALES {
        let rt = runtime_at(scale);
        let drops = DropCounter::default();
        hanging(&rt, "work", &drops);
        let wf = load(
            &rt,
            one_task(json!({"TimeoutSeconds": 60, "HeartbeatSeconds": 3})),
        );
        let real = Instant::now();
        let (status, history) = run(&rt, &wf, json!({})).await;
        assert_eq!(real.elapsed(), Duration::from_secs(3), "scale {scale}");
        assert_eq!(
            failed(&status).0,
            Some("States.HeartbeatTimeout"),
            "scale {scale}"
        );
        assert_eq!(span(&history), 3_000, "scale {scale}");
        drops.wait_for(1).await;
    }
}

/// AWS stops an EXPRESS execution after five minutes ("Express Workflows ... for a duration
/// of up to five minutes", Developer Guide, Synchronous and Asynchronous Express Workflows):
/// its status is TIMED_OUT (StartSyncExecution's status is SUCCEEDED, FAILED or TIMED_OUT)
/// with the error States.Timeout (the Developer Guide's quotas: an execution that runs past
/// its maximum "will fail with a States.Timeout error"). AWS documents no cause text; ours
/// names the limit.
#[tokio::test(start_paused = true)]
async fn an_express_handler_that_never_answers_stops_at_five_minutes() {
    for scale in SCALES {
        let rt = runtime_at(scale);
        let drops = DropCounter::default();
        hanging(&rt, "work", &drops);
        let wf = load_with(&rt, one_task(json!({})), &LoadOptions::express());
        let real = Instant::now();
        let (status, history) = run(&rt, &wf, json!({})).await;
        assert_eq!(real.elapsed(), Duration::from_secs(300), "scale {scale}");
        assert_eq!(status.as_str(), "TIMED_OUT", "scale {scale}");
        let failure = status.failure().expect("a failure");
        assert_eq!(failure.error.as_deref(), Some("States.Timeout"));
        assert_eq!(
            failure.cause.as_deref(),
            Some("The execution ran longer than its time limit of 300 seconds.")
        );
        assert_eq!(
            history.last().map(|e| e.event_type),
            Some(EventType::ExecutionTimedOut)
        );
        assert_eq!(span(&history), 300_000, "scale {scale}");
        drops.wait_for(1).await;
    }
}

#[tokio::test(start_paused = true)]
async fn a_handler_that_answers_at_once_takes_no_time() {
    for scale in SCALES {
        let rt = runtime_at(scale);
        // What the CLI binds when nothing serves a resource: an error, at once.
        rt.bind_fallback(|_: Value, ctx: TaskContext| {
            std::future::ready(Err::<Value, _>(TaskError::new(
                "States.Runtime",
                format!("Nothing serves {}", ctx.resource()),
            )))
        });
        let wf = load(
            &rt,
            json!({
                "StartAt": "T",
                "States": {"T": {
                    "Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage",
                    "Parameters": {"QueueUrl": "q", "MessageBody": "m"},
                    "TimeoutSeconds": 60, "End": true
                }}
            }),
        );
        let real = Instant::now();
        let (status, history) = run(&rt, &wf, json!({})).await;
        // Failed at once with its own error, as at scale 1: time did not jump to the task's
        // timeout (or the execution's year) before the answer was in.
        assert_eq!(
            failed(&status),
            (
                Some("States.Runtime"),
                Some("Nothing serves arn:aws:states:::sqs:sendMessage")
            ),
            "scale {scale}"
        );
        assert_eq!(real.elapsed(), Duration::ZERO, "scale {scale}");
        assert_eq!(span(&history), 0, "scale {scale}");
    }
}

fn endless_express_loop(rt: &Runtime, timeout_seconds: u64) -> Workflow {
    load_with(
        rt,
        json!({
            "TimeoutSeconds": timeout_seconds,
            "StartAt": "A",
            "States": {
                "A": {"Type": "Pass", "Next": "C"},
                "C": {"Type": "Choice", "Choices": [{"Variable": "$.done", "IsPresent": true, "Next": "D"}], "Default": "A"},
                "D": {"Type": "Succeed"}
            }
        }),
        &LoadOptions::express(),
    )
}

/// A loop of Pass and Choice states never waits and never calls a handler: only the real
/// time it takes can stop it. Tokio's paused clock does not move while it runs, yet it stops
/// at its (one-second) limit, at scale 1 as at the scales below.
#[tokio::test(start_paused = true)]
async fn a_loop_that_never_waits_stops_at_its_limit() {
    for scale in [1.0, 0.0] {
        let rt = runtime_at(scale);
        let wf = endless_express_loop(&rt, 1);
        let wall = std::time::Instant::now();
        let (status, history) = run(&rt, &wf, json!({})).await;
        assert!(
            wall.elapsed() >= Duration::from_secs(1),
            "scale {scale}: {:?}",
            wall.elapsed()
        );
        assert_eq!(status.as_str(), "TIMED_OUT", "scale {scale}");
        let failure = status.failure().expect("a failure");
        assert_eq!(failure.error.as_deref(), Some("States.Timeout"));
        assert_eq!(
            failure.cause.as_deref(),
            Some("The execution ran longer than its time limit of 1 seconds.")
        );
        assert!(span(&history) >= 1_000, "scale {scale}: {}", span(&history));
    }
}

#[tokio::test(start_paused = true)]
async fn a_fractional_scale_shortens_waits_and_retries_but_not_work() {
    let rt = runtime_at(0.01);
    let calls = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let c = calls.clone();
    // Fails twice after 50 ms of work each, then answers after 50 ms.
    rt.bind_lambda("work", move |_: Value, _ctx: TaskContext| {
        let n = c.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            if n < 2 {
                Err(TaskError::new("Busy", "try again"))
            } else {
                Ok(json!("done"))
            }
        }
    });
    let wf = load(
        &rt,
        json!({
            "StartAt": "W",
            "States": {
                "W": {"Type": "Wait", "Seconds": 100, "Next": "T"},
                "T": {
                    "Type": "Task", "Resource": lambda("work"), "TimeoutSeconds": 1,
                    "Retry": [{"ErrorEquals": ["Busy"], "IntervalSeconds": 10, "BackoffRate": 2}],
                    "End": true
                }
            }
        }),
    );
    let real = Instant::now();
    let (status, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(output(&status), &json!("done"));
    // Waited: 100 s + 10 s + 20 s, a hundredth of it in real time (1.3 s); worked: 3 × 50 ms
    // in full (at the old rule, 50 ms of work were 5 s of scaled time, past the 1 s timeout).
    assert_eq!(real.elapsed(), Duration::from_millis(1_300 + 150));
    assert_eq!(span(&history), 130_000 + 150);
}

/// Waits far past any limit, at scales that make their real length overflow-prone: each
/// ends at the execution's year (and a millisecond), exactly.
#[tokio::test(start_paused = true)]
async fn huge_waits_at_tiny_scales_end_at_the_execution_limit() {
    for scale in [0.0, 1e-9, 1e-300, 0.001] {
        let rt = runtime_at(scale);
        for wait in [
            json!({"Seconds": 99_999_999}),
            json!({"Timestamp": "9999-12-31T23:59:59Z"}),
        ] {
            let mut state = json!({"Type": "Wait", "End": true});
            if let (Some(state), Some(wait)) = (state.as_object_mut(), wait.as_object()) {
                state.extend(wait.clone());
            }
            let wf = load(&rt, json!({"StartAt": "W", "States": {"W": state}}));
            let (status, history) = run(&rt, &wf, json!({})).await;
            assert_eq!(status.as_str(), "TIMED_OUT", "scale {scale}, {wait}");
            assert_eq!(
                span(&history),
                365 * 24 * 3600 * 1000 + 1,
                "scale {scale}, {wait}"
            );
        }
    }
}

/// An answer on its way to the driver holds the clock until the driver has it: time is not
/// shortened past it meanwhile. Real time (a blocked thread is invisible to tokio's paused
/// clock): the handler, once under way, answers and leaves behind a task that blocks the
/// thread for 30 ms before the driver gets to run; at a scale of 0.01 those 30 ms would be
/// 3 s of shortened time, past the task's 2 s timeout.
#[tokio::test]
async fn an_answer_on_its_way_holds_the_clock() {
    let rt = runtime_at(0.01);
    rt.bind_lambda("work", |_: Value, _ctx: TaskContext| async move {
        tokio::task::yield_now().await;
        tokio::spawn(async { std::thread::sleep(Duration::from_millis(30)) });
        Ok::<_, TaskError>(json!("answered"))
    });
    let wf = load(&rt, one_task(json!({"TimeoutSeconds": 2})));
    let (status, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(output(&status), &json!("answered"));
    let took = between(
        &history,
        EventType::LambdaFunctionStarted,
        EventType::LambdaFunctionSucceeded,
    );
    // The handler's own real time: well under the 30 ms the thread was blocked afterwards.
    assert!(took < 30, "{took} ms");
}
