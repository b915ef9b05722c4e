//! The 256 KiB payload limit.

use serde_json::{Value, json};
use workflow_runtime::{EventType, LoadOptions, StartError, TaskContext, TaskError};

use crate::common::*;

const LIMIT: usize = 262_144;

/// A JSON string whose serialized form is exactly `bytes` long.
fn string_of_size(bytes: usize) -> Value {
    Value::String("x".repeat(bytes - 2))
}

#[tokio::test(start_paused = true)]
async fn a_task_result_over_the_limit_fails_with_data_limit_exceeded() {
    let rt = runtime();
    rt.bind_lambda("big", |_: Value, _ctx: TaskContext| async {
        Ok::<_, TaskError>(string_of_size(LIMIT + 1))
    });
    let wf = load(
        &rt,
        json!({
            "StartAt": "T",
            "States": {
                "T": {
                    "Type": "Task", "Resource": lambda("big"),
                    // Terminal: neither Retry nor Catch on States.ALL handles it, and the
                    // check comes before ResultPath (an issue reports it with ResultPath null).
                    "ResultPath": null,
                    "Retry": [{"ErrorEquals": ["States.ALL"]}],
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
                    "End": true
                },
                "Caught": {"Type": "Pass", "End": true}
            }
        }),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    let (error, cause) = failed(&status);
    assert_eq!(error, Some("States.DataLimitExceeded"));
    // Real AWS names the Lambda function's ARN for a direct-ARN task (three reports quoting
    // AWS, see facts-execution §1.3).
    assert_eq!(
        cause.unwrap(),
        format!(
            "The state/task '{}' returned a result with a size exceeding the maximum number of bytes service limit.",
            lambda("big")
        )
    );
    assert_eq!(count(&history, EventType::LambdaFunctionScheduled), 1);
    assert_eq!(count(&history, EventType::PassStateEntered), 0);
}

#[tokio::test(start_paused = true)]
async fn a_service_task_result_over_the_limit_names_the_service() {
    // AWS: "The state/task 'aws-sdk:cloudformation' returned a result ..." for an SDK
    // integration (facts-execution §1.3).
    let rt = runtime();
    rt.bind(
        "arn:aws:states:::aws-sdk:s3:getObject",
        |_: Value, _ctx: TaskContext| async { Ok::<_, TaskError>(string_of_size(LIMIT + 1)) },
    );
    let wf = load(
        &rt,
        json!({"StartAt": "Get", "States": {"Get": {
            "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
            "Parameters": {"Bucket": "b", "Key": "k"}, "End": true
        }}}),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(
        failed(&status),
        (
            Some("States.DataLimitExceeded"),
            Some(
                "The state/task 'aws-sdk:s3' returned a result with a size exceeding the maximum number of bytes service limit."
            )
        )
    );
    assert_eq!(types(&history)[4..], ["TaskSucceeded", "ExecutionFailed"]);
}

#[tokio::test(start_paused = true)]
async fn a_task_result_at_the_limit_is_fine() {
    let rt = runtime();
    rt.bind_lambda("big", |_: Value, _ctx: TaskContext| async {
        Ok::<_, TaskError>(string_of_size(LIMIT))
    });
    let wf = load(
        &rt,
        json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": lambda("big"), "End": true}}}),
    );
    let (status, _) = run(&rt, &wf, json!({})).await;
    assert_eq!(output(&status).as_str().unwrap().len(), LIMIT - 2);
}

#[tokio::test(start_paused = true)]
async fn a_state_output_over_the_limit_fails() {
    // Each branch returns its 150 KB input: the Parallel's 300 KB result is over the limit.
    let rt = runtime();
    let pass =
        |name: &str| json!({"StartAt": name, "States": {name: {"Type": "Pass", "End": true}}});
    let wf = load(
        &rt,
        json!({
            "StartAt": "Par",
            "States": {"Par": {"Type": "Parallel", "Branches": [pass("P1"), pass("P2")], "End": true}}
        }),
    );
    let (status, history) = run(&rt, &wf, string_of_size(150_000)).await;
    // A state's own output is reported with the state's name.
    assert_eq!(
        failed(&status),
        (
            Some("States.DataLimitExceeded"),
            Some(
                "The state/task 'Par' returned a result with a size exceeding the maximum number of bytes service limit."
            )
        )
    );
    assert_eq!(count(&history, EventType::ParallelStateExited), 0);
}

#[tokio::test(start_paused = true)]
async fn an_execution_input_over_the_limit_is_refused() {
    let rt = runtime();
    let wf = load(
        &rt,
        json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}),
    );
    match rt.start(&wf, string_of_size(LIMIT + 1)).await {
        Err(StartError::Input(e)) => {
            assert!(e.to_string().contains(&format!("{}", LIMIT + 1)), "{e}");
        }
        other => panic!("expected an input error, got {other:?}"),
    }
    // Exactly at the limit is accepted; the size counts UTF-8 bytes, not characters.
    let (status, _) = run(&rt, &wf, string_of_size(LIMIT)).await;
    assert_eq!(output(&status).as_str().unwrap().len(), LIMIT - 2);
    let multibyte = Value::String("é".repeat((LIMIT - 2) / 2 + 1));
    assert!(matches!(
        rt.start(&wf, multibyte).await,
        Err(StartError::Input(_))
    ));
}

#[tokio::test(start_paused = true)]
async fn a_task_input_over_the_limit_after_parameters_fails_before_the_call() {
    // "The state's input is larger than the quota after Parameters processing."
    let rt = runtime();
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let c = calls.clone();
    rt.bind_lambda("f", move |input: Value, _ctx: TaskContext| {
        c.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        async move { Ok::<_, TaskError>(input) }
    });
    let wf = load(
        &rt,
        json!({"StartAt": "T", "States": {"T": {
            "Type": "Task", "Resource": lambda("f"),
            "Parameters": {"a.$": "$", "b.$": "$"},
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
            "End": true
        }, "Caught": {"Type": "Pass", "End": true}}}),
    );
    let (status, history) = run(&rt, &wf, string_of_size(150_000)).await;
    assert_eq!(failed(&status).0, Some("States.DataLimitExceeded"));
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 0);
    assert_eq!(
        types(&history),
        ["ExecutionStarted", "TaskStateEntered", "ExecutionFailed"]
    );
}

/// A Pass state that loops through a Choice until `$.done` is present: forever, unless the
/// input says otherwise.
fn endless_loop() -> Value {
    json!({
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Next": "C"},
            "C": {"Type": "Choice", "Choices": [{"Variable": "$.done", "IsPresent": true, "Next": "D"}], "Default": "A"},
            "D": {"Type": "Succeed"}
        }
    })
}

#[tokio::test(start_paused = true)]
async fn a_standard_history_fails_at_its_25000th_event() {
    let rt = runtime();
    let wf = load(&rt, endless_loop());
    let (status, history) = run(&rt, &wf, json!({})).await;
    let (error, cause) = failed(&status);
    assert_eq!(error, Some("States.Runtime"));
    assert!(
        cause.unwrap_or_default().contains("25000 events"),
        "{cause:?}"
    );
    assert_eq!(history.len(), 25_000);
    let last = history.last().expect("events");
    assert_eq!(last.id, 25_000);
    assert_eq!(last.event_type, EventType::ExecutionFailed);
    assert_eq!(last.previous_event_id, 24_999);
    // Every event before it is the loop's, ids in order.
    assert!(
        history
            .iter()
            .enumerate()
            .all(|(i, e)| e.id == i as u64 + 1)
    );
    assert_eq!(count(&history, EventType::ExecutionFailed), 1);
}

/// A chain of `n` Pass states: 2n + 2 events.
fn pass_chain(n: usize) -> Value {
    let mut states = serde_json::Map::new();
    for i in 0..n {
        let mut state = json!({"Type": "Pass"});
        if i + 1 == n {
            state["End"] = json!(true);
        } else {
            state["Next"] = json!(format!("P{}", i + 1));
        }
        states.insert(format!("P{i}"), state);
    }
    json!({"StartAt": "P0", "States": states})
}

#[tokio::test(start_paused = true)]
async fn a_standard_execution_whose_25000th_event_is_its_success_succeeds() {
    let rt = runtime();
    // 12,499 states: 1 + 2 × 12,499 + 1 = 25,000 events, the last ExecutionSucceeded.
    let wf = load(&rt, pass_chain(12_499));
    let (status, history) = run(&rt, &wf, json!({"n": 1})).await;
    assert_eq!(output(&status), &json!({"n": 1}));
    assert_eq!(history.len(), 25_000);
    assert_eq!(
        history.last().map(|e| e.event_type),
        Some(EventType::ExecutionSucceeded)
    );

    // One state more: the 25,000th event would be a PassStateEntered.
    let wf = load(&rt, pass_chain(12_500));
    let (status, history) = run(&rt, &wf, json!({"n": 1})).await;
    assert_eq!(failed(&status).0, Some("States.Runtime"));
    assert_eq!(history.len(), 25_000);
    assert_eq!(count(&history, EventType::PassStateEntered), 12_499);
}

#[tokio::test(start_paused = true)]
async fn an_express_history_keeps_its_first_25000_events_and_its_last() {
    let rt = runtime();
    let wf = load_with(&rt, pass_chain(20_000), &LoadOptions::express());
    let (status, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(output(&status), &json!({}));
    // 40,002 events happened; the first 25,000 and the ExecutionSucceeded are kept.
    assert_eq!(history.len(), 25_001);
    assert_eq!(history[24_999].id, 25_000);
    let last = history.last().expect("events");
    assert_eq!(last.event_type, EventType::ExecutionSucceeded);
    assert_eq!(last.id, 40_002);
    assert_eq!(last.previous_event_id, 40_001);
}

#[tokio::test(start_paused = true)]
async fn an_endless_express_loop_can_be_stopped() {
    let rt = runtime();
    let wf = load_with(&rt, endless_loop(), &LoadOptions::express());
    let handle = rt.start(&wf, json!({})).await.expect("starts");
    // The loop runs in slices: the stop gets in between two of them.
    tokio::task::yield_now().await;
    handle
        .stop(Some("Enough".into()), Some("stopped by the test".into()))
        .await
        .unwrap();
    let status = outcome_within(&handle, std::time::Duration::from_secs(60)).await;
    assert_eq!(status.as_str(), "ABORTED");
    let history = handle.history().await;
    assert!(history.len() <= 25_001, "{} events kept", history.len());
    assert_eq!(
        history.last().map(|e| e.event_type),
        Some(EventType::ExecutionAborted)
    );
}

/// A clock whose every reading is a second later than the one before: time passes while
/// a loop runs, as on a real clock, but deterministically.
struct TickingClock(std::sync::atomic::AtomicI64);

impl workflow_runtime::Clock for TickingClock {
    fn now_millis(&self) -> i64 {
        self.0.fetch_add(1000, std::sync::atomic::Ordering::Relaxed)
    }

    fn sleep_until(&self, deadline: i64) -> workflow_runtime::BoxFuture<()> {
        self.0
            .fetch_max(deadline, std::sync::atomic::Ordering::Relaxed);
        Box::pin(async {})
    }
}

#[tokio::test(start_paused = true)]
async fn an_endless_express_loop_times_out_after_five_minutes() {
    let rt = workflow_runtime::Runtime::builder()
        .seed(7)
        .clock(std::sync::Arc::new(TickingClock(
            std::sync::atomic::AtomicI64::new(1_700_000_000_000),
        )))
        .build();
    let wf = load_with(&rt, endless_loop(), &LoadOptions::express());
    let handle = rt.start(&wf, json!({})).await.expect("starts");
    let status = outcome_within(&handle, std::time::Duration::from_secs(60)).await;
    assert_eq!(status.as_str(), "TIMED_OUT");
    assert_eq!(
        status.failure().and_then(|f| f.error.as_deref()),
        Some("States.Timeout")
    );
    // The limit that ran out, although the loop is only seen past it at a handback, with
    // some seconds of this clock more gone.
    assert_eq!(
        status.failure().and_then(|f| f.cause.as_deref()),
        Some("The execution ran longer than its time limit of 300 seconds.")
    );
    let history = handle.history().await;
    assert_eq!(
        history.last().map(|e| e.event_type),
        Some(EventType::ExecutionTimedOut)
    );
    assert!(span(&history) > 300_000, "{}", span(&history));
}

#[tokio::test(start_paused = true)]
async fn a_handler_error_is_cut_to_aws_bounds() {
    // A failure event holds an error of at most 256 characters and a cause of at most 32,768
    // (the API reference's length constraints). SendTaskFailure is refused past them; a
    // handler's own failure, like a Lambda function's, is cut, on character boundaries.
    let rt = runtime();
    rt.bind_lambda("loud", |_: Value, _ctx: TaskContext| async {
        Err::<Value, _>(TaskError::new("É".repeat(300), "ü".repeat(40_000)))
    });
    let wf = load(
        &rt,
        json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": lambda("loud"), "End": true}}}),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    let (error, cause) = failed(&status);
    assert_eq!(error, Some("É".repeat(256).as_str()));
    assert_eq!(cause, Some("ü".repeat(32_768).as_str()));
    let event = events_of(&history, EventType::LambdaFunctionFailed)[0].to_aws_json();
    let details = &event["lambdaFunctionFailedEventDetails"];
    assert_eq!(details["error"].as_str().unwrap().chars().count(), 256);
    assert_eq!(details["cause"].as_str().unwrap().chars().count(), 32_768);
}

#[tokio::test(start_paused = true)]
async fn a_result_too_large_for_a_handler_to_build_is_worded_as_the_execution_words_it() {
    // A handler that stops reading a result past the limit (a command's output) fails with
    // the same error and cause as a result the execution measures itself.
    for resource in [
        lambda("big"),
        "arn:aws:states:::aws-sdk:s3:getObject".to_string(),
    ] {
        let measured = {
            let rt = runtime();
            rt.bind(resource.clone(), |_: Value, _ctx: TaskContext| async {
                Ok::<_, TaskError>(string_of_size(LIMIT + 1))
            });
            let wf = load(
                &rt,
                json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": resource, "End": true}}}),
            );
            let (status, _) = run(&rt, &wf, json!({})).await;
            let (error, cause) = failed(&status);
            (error.map(str::to_string), cause.map(str::to_string))
        };
        let refused = workflow_core::execution::task_result_too_large(&resource);
        assert_eq!(measured, (Some(refused.error), refused.cause), "{resource}");
    }
}

/// `{"a": {"a": ... 1}}`, `levels` deep, built without recursion.
fn nested(levels: usize) -> Value {
    let mut v = json!(1);
    for _ in 0..levels {
        let mut map = serde_json::Map::new();
        map.insert("a".to_string(), v);
        v = Value::Object(map);
    }
    v
}

/// The most levels a JSON value may nest (`workflow_core::nesting::MAX_JSON_DEPTH`).
const MAX_DEPTH: usize = 127;

#[tokio::test(start_paused = true)]
async fn an_input_nested_too_deep_is_refused() {
    let rt = runtime();
    let wf = load(
        &rt,
        json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}),
    );
    let Err(refused) = rt.start(&wf, nested(10_000)).await else {
        panic!("an input nested 10,000 levels deep started");
    };
    assert!(
        matches!(
            refused,
            StartError::Input(workflow_core::execution::StartError::InputTooDeep)
        ),
        "{refused:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_handler_result_nested_too_deep_fails_the_task() {
    let rt = runtime();
    rt.bind_lambda("deep", |_: Value, _ctx: TaskContext| async {
        Ok::<_, TaskError>(nested(10_000))
    });
    let wf = load(
        &rt,
        json!({"StartAt": "T", "States": {"T": {
            "Type": "Task", "Resource": lambda("deep"), "End": true}}}),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(
        failed(&status),
        (
            Some("States.DataLimitExceeded"),
            Some(
                format!(
                    "The state/task '{}' returned a result nested deeper than the maximum of 127 levels.",
                    lambda("deep")
                )
                .as_str()
            )
        )
    );
    assert_eq!(count(&history, EventType::LambdaFunctionFailed), 1);
}

/// A value as deep as values may be goes through a handler, a template, the history and its
/// rendering on tokio's worker threads (2 MiB stacks); one level more fails the state.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deepest_values_run_on_worker_threads() {
    let rt = runtime();
    rt.bind_lambda("echo", |input: Value, _ctx: TaskContext| async move {
        Ok::<_, TaskError>(input)
    });
    let wf = load(
        &rt,
        json!({"StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": lambda("echo"), "Next": "Wrap"},
            "Wrap": {"Type": "Pass", "Parameters": {"x.$": "$.a"}, "End": true}}}),
    );
    let (status, history) = run(&rt, &wf, nested(MAX_DEPTH)).await;
    assert_eq!(status.as_str(), "SUCCEEDED");
    let rendered: Vec<Value> = history.iter().map(|e| e.to_aws_json()).collect();
    assert_eq!(rendered.len(), history.len());
    let wf = load(
        &rt,
        json!({"StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": lambda("echo"), "Next": "Wrap"},
            "Wrap": {"Type": "Pass", "Parameters": {"x.$": "$"}, "End": true}}}),
    );
    let (status, _) = run(&rt, &wf, nested(MAX_DEPTH)).await;
    assert_eq!(
        failed(&status).0,
        Some("States.DataLimitExceeded"),
        "{status:?}"
    );
}

/// A catcher's own output over the payload limit: the catcher cannot keep it, so the state
/// fails with `States.DataLimitExceeded`, whatever its catchers name. (A catcher that named
/// that error caught its own failure again and again, until the stack overflowed.)
#[tokio::test(start_paused = true)]
async fn a_catcher_output_over_the_limit_is_not_caught_again() {
    let rt = runtime();
    rt.bind_lambda("fails", |_: Value, _ctx: TaskContext| async {
        Err::<Value, _>(TaskError::new("MyError", "failed"))
    });
    let wf = load(
        &rt,
        json!({"StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": lambda("fails"), "End": true,
                  "Catch": [{"ErrorEquals": ["MyError", "States.DataLimitExceeded"],
                             "ResultPath": "$.error", "Next": "Caught"}]},
            "Caught": {"Type": "Pass", "End": true}}}),
    );
    // The input fits; with the error output written into it, it does not.
    let input = json!({"pad": string_of_size(LIMIT - 20)});
    let (status, history) = run(&rt, &wf, input).await;
    assert_eq!(
        failed(&status),
        (
            Some("States.DataLimitExceeded"),
            Some(
                "The state/task 'T' returned a result with a size exceeding the maximum number of bytes service limit."
            )
        )
    );
    assert_eq!(count(&history, EventType::PassStateEntered), 0);
}

/// The same for depth: a catcher's ResultPath as deep as paths go puts the error output one
/// level past the nesting bound.
#[tokio::test(start_paused = true)]
async fn a_catcher_output_nested_too_deep_is_not_caught_again() {
    let rt = runtime();
    rt.bind_lambda("fails", |_: Value, _ctx: TaskContext| async {
        Err::<Value, _>(TaskError::new("MyError", "failed"))
    });
    let deepest = format!("${}", ".a".repeat(MAX_DEPTH));
    let wf = load(
        &rt,
        json!({"StartAt": "T", "States": {
            "T": {"Type": "Task", "Resource": lambda("fails"), "End": true,
                  "Catch": [{"ErrorEquals": ["MyError", "States.DataLimitExceeded"],
                             "ResultPath": deepest, "Next": "Caught"}]},
            "Caught": {"Type": "Pass", "End": true}}}),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(
        failed(&status),
        (
            Some("States.DataLimitExceeded"),
            Some(
                "The state/task 'T' returned a result nested deeper than the maximum of 127 levels."
            )
        )
    );
    assert_eq!(count(&history, EventType::PassStateEntered), 0);
}
