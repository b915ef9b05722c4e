//! Retry: defaults, back-off, MaxDelaySeconds, jitter, MaxAttempts 0, one counter per
//! retrier, matching, `$$.State.RetryCount`.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use workflow_runtime::{EventType, Runtime, TaskContext, TaskError};

use crate::common::*;

/// Binds `name` to a Lambda that fails with the next error of `script` (`None` = succeed
/// with its input) and counts its calls.
fn scripted(rt: &Runtime, name: &str, script: &[Option<&str>]) -> Arc<AtomicU32> {
    let calls = Arc::new(AtomicU32::new(0));
    let script: Arc<Mutex<VecDeque<Option<String>>>> = Arc::new(Mutex::new(
        script.iter().map(|s| s.map(str::to_string)).collect(),
    ));
    let c = calls.clone();
    rt.bind_lambda(name, move |input: Value, _ctx: TaskContext| {
        c.fetch_add(1, Ordering::SeqCst);
        let next = script.lock().unwrap().pop_front().unwrap_or(None);
        async move {
            match next {
                Some(error) => Err(TaskError::new(error.clone(), format!("{error} happened"))),
                None => Ok(input),
            }
        }
    });
    calls
}

fn task_with_retry(retry: Value) -> Value {
    json!({
        "StartAt": "T",
        "States": {
            "T": {"Type": "Task", "Resource": lambda("f"), "Retry": retry, "End": true}
        }
    })
}

/// The waits between a failed attempt and the next attempt's scheduling.
fn retry_waits(history: &[workflow_runtime::HistoryEvent]) -> Vec<i64> {
    let failed = times_of(history, EventType::LambdaFunctionFailed);
    let scheduled = times_of(history, EventType::LambdaFunctionScheduled);
    scheduled
        .iter()
        .skip(1)
        .zip(&failed)
        .map(|(s, f)| s - f)
        .collect()
}

#[tokio::test(start_paused = true)]
async fn defaults_are_interval_1_backoff_2_max_attempts_3() {
    let rt = runtime();
    let calls = scripted(&rt, "f", &[Some("Boom"); 10]);
    let wf = load(&rt, task_with_retry(json!([{"ErrorEquals": ["Boom"]}])));
    let (status, history) = run(&rt, &wf, json!({})).await;
    // 1 attempt + 3 retries, then the error ends the execution unchanged.
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    assert_eq!(failed(&status), (Some("Boom"), Some("Boom happened")));
    // Waits of 1 s, 2 s and 4 s (IntervalSeconds 1, BackoffRate 2).
    assert_eq!(retry_waits(&history), vec![1000, 2000, 4000]);
    let mut expected = vec!["ExecutionStarted", "TaskStateEntered"];
    for _ in 0..4 {
        expected.extend([
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionFailed",
        ]);
    }
    expected.push("ExecutionFailed");
    assert_eq!(types(&history), expected);
}

#[tokio::test(start_paused = true)]
async fn explicit_interval_and_fractional_backoff() {
    // The Developer Guide's example: IntervalSeconds 3, BackoffRate 1.5, MaxAttempts 4 waits
    // 3, 4.5, 6.75 and 10.125 seconds.
    let rt = runtime();
    let calls = scripted(&rt, "f", &[Some("Boom"); 10]);
    let wf = load(
        &rt,
        task_with_retry(json!([{
            "ErrorEquals": ["Boom"], "IntervalSeconds": 3, "BackoffRate": 1.5, "MaxAttempts": 4
        }])),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(calls.load(Ordering::SeqCst), 5);
    assert_eq!(failed(&status).0, Some("Boom"));
    assert_eq!(retry_waits(&history), vec![3000, 4500, 6750, 10125]);
}

#[tokio::test(start_paused = true)]
async fn succeeds_after_retries_with_the_successful_attempts_output() {
    let rt = runtime();
    let calls = scripted(&rt, "f", &[Some("Boom"), Some("Boom"), None]);
    let wf = load(
        &rt,
        task_with_retry(json!([{"ErrorEquals": ["Boom"], "IntervalSeconds": 2}])),
    );
    let (status, history) = run(&rt, &wf, json!({"v": 1})).await;
    assert_eq!(calls.load(Ordering::SeqCst), 3);
    assert_eq!(output(&status), &json!({"v": 1}));
    assert_eq!(retry_waits(&history), vec![2000, 4000]);
    // No new TaskStateEntered per attempt; one TaskStateExited at the end.
    assert_eq!(count(&history, EventType::TaskStateEntered), 1);
    assert_eq!(count(&history, EventType::TaskStateExited), 1);
    assert_eq!(count(&history, EventType::LambdaFunctionSucceeded), 1);
}

#[tokio::test(start_paused = true)]
async fn max_delay_seconds_caps_every_wait() {
    // 1, 3, 9, 27 capped at 5: 1, 3, 5, 5.
    let rt = runtime();
    scripted(&rt, "f", &[Some("Boom"); 10]);
    let wf = load(
        &rt,
        task_with_retry(json!([{
            "ErrorEquals": ["Boom"], "IntervalSeconds": 1, "BackoffRate": 3,
            "MaxAttempts": 4, "MaxDelaySeconds": 5
        }])),
    );
    let (_, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(retry_waits(&history), vec![1000, 3000, 5000, 5000]);
}

async fn jittered_waits(seed: u64) -> Vec<i64> {
    let rt = Runtime::builder().seed(seed).build();
    scripted(&rt, "f", &[Some("Boom"); 10]);
    let wf = load(
        &rt,
        task_with_retry(json!([{
            "ErrorEquals": ["Boom"], "IntervalSeconds": 2, "BackoffRate": 2,
            "MaxAttempts": 5, "MaxDelaySeconds": 10, "JitterStrategy": "FULL"
        }])),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(failed(&status).0, Some("Boom"));
    retry_waits(&history)
}

#[tokio::test(start_paused = true)]
async fn full_jitter_waits_within_the_capped_backoff_and_is_reproducible() {
    // Without jitter the waits would be 2, 4, 8, 10 (capped), 10 (capped) seconds; FULL
    // jitter picks each uniformly in [0, that].
    let caps = [2000, 4000, 8000, 10000, 10000];
    let a = jittered_waits(1).await;
    assert_eq!(a.len(), 5);
    for (wait, cap) in a.iter().zip(caps) {
        assert!(
            (0..=cap).contains(wait),
            "wait {wait} outside [0, {cap}]: {a:?}"
        );
    }
    // Jitter really applies: the five waits are not the un-jittered ones.
    assert_ne!(a, caps.to_vec());
    // The same seed gives the same waits; another seed gives others.
    assert_eq!(jittered_waits(1).await, a);
    assert_ne!(jittered_waits(2).await, a);
}

#[tokio::test(start_paused = true)]
async fn max_attempts_zero_never_retries_and_does_not_fall_through() {
    // The first matching retrier is used even when it allows no attempt; the later
    // States.ALL retrier is never consulted.
    let rt = runtime();
    let calls = scripted(&rt, "f", &[Some("Boom"); 10]);
    let wf = load(
        &rt,
        task_with_retry(json!([
            {"ErrorEquals": ["Boom"], "MaxAttempts": 0},
            {"ErrorEquals": ["States.ALL"], "MaxAttempts": 5}
        ])),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(failed(&status).0, Some("Boom"));
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
async fn spec_example_separate_counters_per_retrier() {
    // The ASL spec's "complex retry scenario": errors A, B, C, B. Retrier 1 ([A, B], at most
    // 2) handles A (wait 1 s) and B (wait 2 s); retrier 2 ([C], interval 5) handles C (wait
    // 5 s); the second B finds retrier 1 exhausted and goes to Catch, not to retrier 2.
    let rt = runtime();
    let calls = scripted(
        &rt,
        "f",
        &[
            Some("ErrorA"),
            Some("ErrorB"),
            Some("ErrorC"),
            Some("ErrorB"),
            None,
        ],
    );
    let wf = load(
        &rt,
        json!({
            "StartAt": "X",
            "States": {
                "X": {
                    "Type": "Task", "Resource": lambda("f"),
                    "Retry": [
                        {"ErrorEquals": ["ErrorA", "ErrorB"], "IntervalSeconds": 1, "BackoffRate": 2.0, "MaxAttempts": 2},
                        {"ErrorEquals": ["ErrorC"], "IntervalSeconds": 5}
                    ],
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Z"}],
                    "End": true
                },
                "Z": {"Type": "Pass", "End": true}
            }
        }),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    assert_eq!(retry_waits(&history), vec![1000, 2000, 5000]);
    assert_eq!(
        output(&status),
        &json!({"Error": "ErrorB", "Cause": "ErrorB happened"})
    );
    // The catch happens right after the fourth failure: no wait.
    let last_failure = *times_of(&history, EventType::LambdaFunctionFailed)
        .last()
        .unwrap();
    assert_eq!(
        times_of(&history, EventType::PassStateEntered),
        vec![last_failure]
    );
}

#[tokio::test(start_paused = true)]
async fn exhausted_retrier_goes_to_catch_not_to_a_later_retrier() {
    let rt = runtime();
    let calls = scripted(&rt, "f", &[Some("Boom"); 10]);
    let wf = load(
        &rt,
        json!({
            "StartAt": "T",
            "States": {
                "T": {
                    "Type": "Task", "Resource": lambda("f"),
                    "Retry": [
                        {"ErrorEquals": ["Boom"], "MaxAttempts": 1},
                        {"ErrorEquals": ["States.ALL"], "MaxAttempts": 5}
                    ],
                    "Catch": [{"ErrorEquals": ["Boom"], "Next": "Caught"}],
                    "End": true
                },
                "Caught": {"Type": "Pass", "Result": "caught", "End": true}
            }
        }),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(output(&status), &json!("caught"));
    assert_eq!(retry_waits(&history), vec![1000]);
}

#[tokio::test(start_paused = true)]
async fn retriers_are_scanned_in_order_first_match_wins() {
    // Both retriers match Boom; only the first one (interval 7) is used.
    let rt = runtime();
    scripted(&rt, "f", &[Some("Boom"), None]);
    let wf = load(
        &rt,
        task_with_retry(json!([
            {"ErrorEquals": ["Other", "Boom"], "IntervalSeconds": 7},
            {"ErrorEquals": ["Boom"], "IntervalSeconds": 1}
        ])),
    );
    let (status, history) = run(&rt, &wf, json!(1)).await;
    assert_eq!(output(&status), &json!(1));
    assert_eq!(retry_waits(&history), vec![7000]);
}

#[tokio::test(start_paused = true)]
async fn states_all_and_states_task_failed_match_task_errors() {
    for matcher in ["States.ALL", "States.TaskFailed"] {
        let rt = runtime();
        let calls = scripted(
            &rt,
            "f",
            &[Some("CustomError"), Some("Lambda.Unknown"), None],
        );
        let wf = load(
            &rt,
            task_with_retry(json!([{"ErrorEquals": [matcher], "IntervalSeconds": 1}])),
        );
        let (status, _) = run(&rt, &wf, json!("ok")).await;
        assert_eq!(calls.load(Ordering::SeqCst), 3, "{matcher}");
        assert_eq!(output(&status), &json!("ok"), "{matcher}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_name_that_does_not_match_is_not_retried() {
    // Error names are case-sensitive, and "State.ALL" (a typo) is an ordinary name.
    let rt = runtime();
    let calls = scripted(&rt, "f", &[Some("boom"); 3]);
    let wf = load(
        &rt,
        task_with_retry(json!([
            {"ErrorEquals": ["Boom"]},
            {"ErrorEquals": ["State.ALL"]}
        ])),
    );
    let (status, _) = run(&rt, &wf, json!({})).await;
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(failed(&status).0, Some("boom"));
}

#[tokio::test(start_paused = true)]
async fn task_failed_does_not_match_a_timeout_but_states_all_does() {
    for (matcher, attempts, error) in [
        ("States.TaskFailed", 1, "States.Timeout"),
        ("States.ALL", 3, "States.Timeout"),
        ("States.Timeout", 3, "States.Timeout"),
    ] {
        let rt = runtime();
        let calls = Arc::new(AtomicU32::new(0));
        let c = calls.clone();
        rt.bind_lambda("slow", move |_: Value, _ctx: TaskContext| {
            c.fetch_add(1, Ordering::SeqCst);
            async {
                forever().await;
                Ok(Value::Null)
            }
        });
        let wf = load(
            &rt,
            json!({
                "StartAt": "T",
                "States": {"T": {
                    "Type": "Task", "Resource": lambda("slow"), "TimeoutSeconds": 5,
                    "Retry": [{"ErrorEquals": [matcher], "MaxAttempts": 2}],
                    "End": true
                }}
            }),
        );
        let (status, history) = run(&rt, &wf, json!({})).await;
        assert_eq!(calls.load(Ordering::SeqCst), attempts, "{matcher}");
        assert_eq!(failed(&status).0, Some(error), "{matcher}");
        assert_eq!(
            count(&history, EventType::LambdaFunctionTimedOut),
            attempts as usize,
            "{matcher}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn retry_count_in_the_context_object_counts_the_retries() {
    let rt = runtime();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    rt.bind_lambda("f", move |input: Value, ctx: TaskContext| {
        s.lock()
            .unwrap()
            .push((input["attempt"].clone(), ctx.retry_count()));
        async move {
            if ctx.retry_count() < 3 {
                Err(TaskError::new("Boom", "again"))
            } else {
                Ok(input)
            }
        }
    });
    let wf = load(
        &rt,
        json!({
            "StartAt": "T",
            "States": {"T": {
                "Type": "Task", "Resource": lambda("f"),
                "Parameters": {"attempt.$": "$$.State.RetryCount"},
                "ResultSelector": {"attempt.$": "$.attempt", "retryCountAfter.$": "$$.State.RetryCount"},
                "Retry": [{"ErrorEquals": ["Boom"], "MaxAttempts": 5}],
                "End": true
            }}
        }),
    );
    let (status, _) = run(&rt, &wf, json!({})).await;
    assert_eq!(
        *seen.lock().unwrap(),
        vec![(json!(0), 0), (json!(1), 1), (json!(2), 2), (json!(3), 3)]
    );
    assert_eq!(
        output(&status),
        &json!({"attempt": 3, "retryCountAfter": 3})
    );
}

#[tokio::test(start_paused = true)]
async fn retry_counters_reset_when_the_machine_moves_on() {
    // Two consecutive states with the same retrier: each gets its own MaxAttempts and its own
    // back-off sequence starting at IntervalSeconds.
    let rt = runtime();
    let calls = scripted(
        &rt,
        "f",
        &[
            Some("Boom"),
            Some("Boom"),
            None,
            Some("Boom"),
            Some("Boom"),
            None,
        ],
    );
    let retry = json!([{"ErrorEquals": ["Boom"], "MaxAttempts": 2, "IntervalSeconds": 1}]);
    let wf = load(
        &rt,
        json!({
            "StartAt": "A",
            "States": {
                "A": {"Type": "Task", "Resource": lambda("f"), "Retry": retry, "Next": "B"},
                "B": {"Type": "Task", "Resource": lambda("f"), "Retry": retry, "End": true}
            }
        }),
    );
    let (status, history) = run(&rt, &wf, json!({"n": 1})).await;
    assert_eq!(calls.load(Ordering::SeqCst), 6);
    assert_eq!(output(&status), &json!({"n": 1}));
    let failed = times_of(&history, EventType::LambdaFunctionFailed);
    let scheduled = times_of(&history, EventType::LambdaFunctionScheduled);
    // Scheduled: A1 A2 A3 B1 B2 B3; failures: A1 A2 B1 B2.
    assert_eq!(scheduled[1] - failed[0], 1000);
    assert_eq!(scheduled[2] - failed[1], 2000);
    assert_eq!(scheduled[4] - failed[2], 1000);
    assert_eq!(scheduled[5] - failed[3], 2000);
}

#[tokio::test(start_paused = true)]
async fn a_long_exponential_retry_finishes_instantly_in_wall_time() {
    // 5 retries of 10, 20, 40, 80 and 160 seconds: 310 s of execution time.
    let rt = runtime();
    let calls = scripted(&rt, "f", &[Some("Boom"); 5]);
    let wf = load(
        &rt,
        task_with_retry(json!([{
            "ErrorEquals": ["Boom"], "IntervalSeconds": 10, "MaxAttempts": 5
        }])),
    );
    let wall = std::time::Instant::now();
    let (status, history) = run(&rt, &wf, json!("done")).await;
    assert!(
        wall.elapsed() < Duration::from_secs(5),
        "{:?}",
        wall.elapsed()
    );
    assert_eq!(calls.load(Ordering::SeqCst), 6);
    assert_eq!(output(&status), &json!("done"));
    assert_eq!(
        retry_waits(&history),
        vec![10_000, 20_000, 40_000, 80_000, 160_000]
    );
    assert_eq!(span(&history), 310_000);
}

#[tokio::test(start_paused = true)]
async fn a_runtime_error_is_never_retried() {
    // States.Runtime (here a Parameters path that matches nothing) is terminal: a States.ALL
    // retrier does not retry it, and the task never runs.
    let rt = runtime();
    let calls = scripted(&rt, "f", &[]);
    let wf = load(
        &rt,
        json!({
            "StartAt": "T",
            "States": {"T": {
                "Type": "Task", "Resource": lambda("f"),
                "Parameters": {"x.$": "$.missing"},
                "Retry": [{"ErrorEquals": ["States.ALL"]}],
                "End": true
            }}
        }),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    assert_eq!(failed(&status).0, Some("States.Runtime"));
    assert_eq!(
        types(&history),
        ["ExecutionStarted", "TaskStateEntered", "ExecutionFailed"]
    );
}

#[tokio::test(start_paused = true)]
async fn re_entering_a_state_resets_its_retry_counters() {
    // Attempt 1 fails, is retried; attempt 2 fails, retrier exhausted, caught; the catch
    // handler loops back, so the state is entered anew with a fresh retrier: attempt 3 fails
    // and is retried (not caught), attempt 4 succeeds. The handler runs once.
    let rt = runtime();
    let calls = scripted(&rt, "f", &[Some("E"), Some("E"), Some("E"), None]);
    let wf = load(
        &rt,
        json!({
            "StartAt": "T",
            "States": {
                "T": {
                    "Type": "Task", "Resource": lambda("f"),
                    "Parameters": {"retry.$": "$$.State.RetryCount"},
                    "Retry": [{"ErrorEquals": ["E"], "MaxAttempts": 1}],
                    "Catch": [{"ErrorEquals": ["E"], "ResultPath": null, "Next": "Again"}],
                    "End": true
                },
                "Again": {"Type": "Pass", "Next": "T"}
            }
        }),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(calls.load(Ordering::SeqCst), 4);
    // The last attempt is the first retry of the second entry.
    assert_eq!(output(&status), &json!({"retry": 1}));
    assert_eq!(count(&history, EventType::PassStateEntered), 1);
    assert_eq!(count(&history, EventType::TaskStateEntered), 2);
}

#[tokio::test(start_paused = true)]
async fn retry_count_is_visible_to_a_retried_map() {
    let rt = runtime();
    let wf = load(
        &rt,
        json!({
            "StartAt": "M",
            "States": {"M": {
                "Type": "Map",
                "ItemSelector": {"attempt.$": "$$.State.RetryCount", "v.$": "$$.Map.Item.Value"},
                "ItemProcessor": {"StartAt": "C", "States": {
                    "C": {"Type": "Choice", "Choices": [{"Variable": "$.attempt", "NumericLessThan": 2, "Next": "F"}], "Default": "P"},
                    "F": {"Type": "Fail", "Error": "TooEarly"},
                    "P": {"Type": "Pass", "End": true}
                }},
                "Retry": [{"ErrorEquals": ["TooEarly"], "MaxAttempts": 3}],
                "End": true
            }}
        }),
    );
    let (status, history) = run(&rt, &wf, json!(["x"])).await;
    assert_eq!(output(&status), &json!([{"attempt": 2, "v": "x"}]));
    assert_eq!(count(&history, EventType::MapStateStarted), 3);
}

#[tokio::test(start_paused = true)]
async fn an_injected_random_source_drives_the_jitter() {
    /// Always the middle of the range: every FULL-jitter wait is half its back-off.
    struct Half;
    impl workflow_core::entropy::Entropy for Half {
        fn next_u64(&mut self) -> u64 {
            1 << 63
        }
    }
    let rt = Runtime::builder().entropy(|_seed| Box::new(Half)).build();
    scripted(&rt, "f", &[Some("Boom"); 10]);
    let wf = load(
        &rt,
        task_with_retry(json!([{
            "ErrorEquals": ["Boom"], "IntervalSeconds": 2, "BackoffRate": 2,
            "MaxAttempts": 4, "MaxDelaySeconds": 10, "JitterStrategy": "FULL"
        }])),
    );
    let (_, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(retry_waits(&history), vec![1000, 2000, 4000, 5000]);
}
