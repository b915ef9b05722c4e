//! Callbacks (`.waitForTaskToken`): success, failure, heartbeat, token errors, `$$.Task.Token`.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::mpsc;
use workflow_runtime::{
    CallbackError, EventType, ExecutionHandle, RegistryError, Runtime, TaskContext, TaskError,
};

use crate::common::*;

const SQS_WAIT: &str = "arn:aws:states:::sqs:sendMessage.waitForTaskToken";

/// Binds the SQS callback resource: the handler hands its token (and input) to the test and
/// returns the "SendMessage" response.
fn sqs(rt: &Runtime) -> mpsc::UnboundedReceiver<(String, Value)> {
    let (tx, rx) = mpsc::unbounded_channel();
    rt.bind(SQS_WAIT, move |input: Value, ctx: TaskContext| {
        let tx = tx.clone();
        async move {
            let token = ctx
                .task_token()
                .expect("a callback task has a token")
                .to_string();
            tx.send((token, input)).unwrap();
            Ok::<_, TaskError>(json!({"MessageId": "m-1"}))
        }
    });
    rx
}

fn callback_machine(extra: Value) -> Value {
    let mut task = json!({
        "Type": "Task", "Resource": SQS_WAIT,
        "Parameters": {"QueueUrl": "https://sqs/q", "MessageBody": {"token.$": "$$.Task.Token", "job.$": "$.job"}},
        "End": true
    });
    for (k, v) in extra.as_object().unwrap() {
        task[k] = v.clone();
    }
    json!({"StartAt": "Wait", "States": {"Wait": task}})
}

/// An execution whose callback task is waiting for its token.
struct Waiting {
    handle: ExecutionHandle,
    /// The token the SQS handler received.
    token: String,
    /// The input the handler received with it.
    input: Value,
    /// Where the tokens of later attempts arrive.
    tokens: mpsc::UnboundedReceiver<(String, Value)>,
}

/// Binds the SQS callback resource ([`sqs`]), starts `definition` on `input` and waits (at
/// most a minute of tokio time) for the handler to receive its token.
async fn start_waiting(rt: &Runtime, definition: Value, input: Value) -> Waiting {
    let mut tokens = sqs(rt);
    let wf = load(rt, definition);
    let handle = rt.start(&wf, input).await.unwrap();
    let (token, input) = tokio::time::timeout(Duration::from_secs(60), tokens.recv())
        .await
        .expect("the callback handler received no token")
        .unwrap();
    Waiting {
        handle,
        token,
        input,
        tokens,
    }
}

#[tokio::test(start_paused = true)]
async fn send_task_success_completes_the_task() {
    let rt = runtime();
    let Waiting {
        handle,
        token,
        input,
        ..
    } = start_waiting(
        &rt,
        callback_machine(json!({"ResultPath": "$.reply"})),
        json!({"job": 7}),
    )
    .await;
    // `$$.Task.Token` in Parameters is the token the handler sees.
    assert_eq!(
        input,
        json!({"QueueUrl": "https://sqs/q", "MessageBody": {"token": token, "job": 7}})
    );
    // The task waits for its token, however long it takes.
    tokio::time::sleep(Duration::from_secs(3600)).await;
    assert!(handle.try_outcome().is_none());
    rt.send_task_success(&token, json!({"approved": true}))
        .await
        .unwrap();
    let status = outcome(&handle).await;
    assert_eq!(
        output(&status),
        &json!({"job": 7, "reply": {"approved": true}})
    );
    let history = handle.history().await;
    assert_eq!(
        types(&history),
        [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskSubmitted",
            "TaskSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
    let scheduled = history[2].to_aws_json();
    let details = &scheduled["taskScheduledEventDetails"];
    assert_eq!(details["resourceType"], json!("sqs"));
    assert_eq!(details["resource"], json!("sendMessage.waitForTaskToken"));
    // The submitted event carries the integration's response; the succeeded one the token's
    // output.
    let submitted = history[4].to_aws_json();
    assert_eq!(
        submitted["taskSubmittedEventDetails"]["output"],
        json!(r#"{"MessageId":"m-1"}"#)
    );
    let succeeded = history[5].to_aws_json();
    assert_eq!(
        succeeded["taskSucceededEventDetails"]["output"],
        json!(r#"{"approved":true}"#)
    );
    assert_eq!(history[5].timestamp - history[4].timestamp, 3_600_000);
    // The token has been used.
    assert_eq!(
        rt.send_task_success(&token, json!(1)).await,
        Err(CallbackError::TaskDoesNotExist)
    );
}

#[tokio::test(start_paused = true)]
async fn send_task_failure_fails_the_task_with_its_error_and_cause() {
    let rt = runtime();
    let definition = json!({
        "StartAt": "Wait",
        "States": {
            "Wait": {
                "Type": "Task", "Resource": SQS_WAIT,
                "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}},
                "Catch": [{"ErrorEquals": ["Rejected"], "ResultPath": "$.error", "Next": "Handled"}],
                "End": true
            },
            "Handled": {"Type": "Pass", "End": true}
        }
    });
    let Waiting { handle, token, .. } = start_waiting(&rt, definition, json!({"job": 1})).await;
    rt.send_task_failure(&token, Some("Rejected".into()), Some("not approved".into()))
        .await
        .unwrap();
    let status = outcome(&handle).await;
    assert_eq!(
        output(&status),
        &json!({"job": 1, "error": {"Error": "Rejected", "Cause": "not approved"}})
    );
    let history = handle.history().await;
    let failed_event = events_of(&history, EventType::TaskFailed)[0].to_aws_json();
    assert_eq!(
        failed_event["taskFailedEventDetails"],
        json!({"resourceType": "sqs", "resource": "sendMessage.waitForTaskToken", "error": "Rejected", "cause": "not approved"})
    );
    assert_eq!(
        rt.send_task_failure(&token, None, None).await,
        Err(CallbackError::TaskDoesNotExist)
    );
}

#[tokio::test(start_paused = true)]
async fn uncaught_send_task_failure_fails_the_execution() {
    let rt = runtime();
    let Waiting { handle, token, .. } =
        start_waiting(&rt, callback_machine(json!({})), json!({"job": 1})).await;
    // Out of AWS's bounds: refused, and the task still waits.
    let too_long = |n: usize| Some("x".repeat(n));
    assert!(matches!(
        rt.send_task_failure(&token, too_long(257), None).await,
        Err(CallbackError::Invalid(m)) if m.contains("at most 256")
    ));
    assert!(matches!(
        rt.send_task_failure(&token, None, too_long(32_769)).await,
        Err(CallbackError::Invalid(m)) if m.contains("at most 32768")
    ));
    rt.send_task_failure(&token, Some("Nope".into()), None)
        .await
        .unwrap();
    let status = outcome(&handle).await;
    assert_eq!(failed(&status), (Some("Nope"), None));
}

#[tokio::test(start_paused = true)]
async fn unknown_tokens_are_refused() {
    let rt = runtime();
    assert_eq!(
        rt.send_task_success("no-such-token", json!({})).await,
        Err(CallbackError::TaskDoesNotExist)
    );
    assert_eq!(
        rt.send_task_failure("no-such-token", None, None).await,
        Err(CallbackError::TaskDoesNotExist)
    );
    assert_eq!(
        rt.send_task_heartbeat("no-such-token").await,
        Err(CallbackError::TaskDoesNotExist)
    );
}

#[tokio::test(start_paused = true)]
async fn send_task_heartbeat_keeps_a_callback_alive() {
    let rt = runtime();
    let Waiting { handle, token, .. } = start_waiting(
        &rt,
        callback_machine(json!({"HeartbeatSeconds": 10})),
        json!({"job": 1}),
    )
    .await;
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_secs(8)).await;
        rt.send_task_heartbeat(&token).await.unwrap();
    }
    // 40 s in, well past HeartbeatSeconds, and still running.
    assert!(handle.try_outcome().is_none());
    rt.send_task_success(&token, json!("done")).await.unwrap();
    let status = outcome(&handle).await;
    assert_eq!(output(&status), &json!("done"));
    // Heartbeats add no history events.
    let history = handle.history().await;
    assert_eq!(history.len(), 8);
}

#[tokio::test(start_paused = true)]
async fn the_execution_handle_heartbeats_its_tasks() {
    // A callback waiting for its token, kept alive from the handle.
    let rt = runtime();
    let Waiting { handle, token, .. } = start_waiting(
        &rt,
        callback_machine(json!({"HeartbeatSeconds": 10})),
        json!({"job": 1}),
    )
    .await;
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_secs(8)).await;
        handle.heartbeat();
    }
    assert!(handle.try_outcome().is_none());
    rt.send_task_success(&token, json!("done")).await.unwrap();
    assert_eq!(output(&outcome(&handle).await), &json!("done"));

    // A handler that works for 30 s and sends no heartbeat of its own.
    let rt = runtime();
    rt.bind_lambda("slow", |_: Value, _ctx: TaskContext| async move {
        tokio::time::sleep(Duration::from_secs(30)).await;
        Ok::<_, TaskError>(json!("worked"))
    });
    let machine = json!({
        "StartAt": "Work",
        "States": {"Work": {"Type": "Task", "Resource": lambda("slow"), "HeartbeatSeconds": 10, "End": true}}
    });
    let wf = load(&rt, machine.clone());
    let handle = rt.start(&wf, json!({})).await.unwrap();
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_secs(8)).await;
        handle.heartbeat();
    }
    assert_eq!(output(&outcome(&handle).await), &json!("worked"));
    // Without them, the same task times out.
    let wf = load(&rt, machine);
    let handle = rt.start(&wf, json!({})).await.unwrap();
    assert_eq!(
        failed(&outcome(&handle).await).0,
        Some("States.HeartbeatTimeout")
    );
}

#[tokio::test(start_paused = true)]
async fn a_callback_without_heartbeats_times_out_and_its_token_dies() {
    let rt = runtime();
    let Waiting { handle, token, .. } = start_waiting(
        &rt,
        callback_machine(json!({"HeartbeatSeconds": 10})),
        json!({"job": 1}),
    )
    .await;
    let status = outcome(&handle).await;
    assert_eq!(failed(&status).0, Some("States.HeartbeatTimeout"));
    let history = handle.history().await;
    let t = types(&history);
    assert_eq!(t[t.len() - 2..], ["TaskTimedOut", "ExecutionFailed"]);
    assert_eq!(
        rt.send_task_success(&token, json!(1)).await,
        Err(CallbackError::TaskDoesNotExist)
    );
    assert_eq!(
        rt.send_task_heartbeat(&token).await,
        Err(CallbackError::TaskDoesNotExist)
    );
}

#[tokio::test(start_paused = true)]
async fn a_callback_timeout_seconds_applies() {
    let rt = runtime();
    let Waiting { handle, token, .. } = start_waiting(
        &rt,
        callback_machine(json!({"TimeoutSeconds": 300})),
        json!({"job": 1}),
    )
    .await;
    let status = outcome(&handle).await;
    assert_eq!(failed(&status).0, Some("States.Timeout"));
    let history = handle.history().await;
    assert_eq!(
        between(&history, EventType::TaskStarted, EventType::TaskTimedOut),
        300_000
    );
    assert_eq!(
        rt.send_task_success(&token, json!(1)).await,
        Err(CallbackError::TaskDoesNotExist)
    );
}

#[tokio::test(start_paused = true)]
async fn tokens_die_with_their_execution() {
    let rt = runtime();
    let Waiting { handle, token, .. } =
        start_waiting(&rt, callback_machine(json!({})), json!({"job": 1})).await;
    handle
        .stop(Some("Stopped".into()), Some("by the test".into()))
        .await
        .unwrap();
    let status = outcome(&handle).await;
    assert_eq!(status.as_str(), "ABORTED");
    assert_eq!(
        rt.send_task_success(&token, json!(1)).await,
        Err(CallbackError::TaskDoesNotExist)
    );
}

#[tokio::test(start_paused = true)]
async fn lambda_invoke_wait_for_task_token() {
    // The function receives the Payload (with the token); the task's result is what
    // SendTaskSuccess sends, not the invoke response.
    let rt = runtime();
    let (tx, mut rx) = mpsc::unbounded_channel();
    rt.bind_lambda("approver", move |payload: Value, ctx: TaskContext| {
        let tx = tx.clone();
        async move {
            tx.send((ctx.task_token().unwrap().to_string(), payload))
                .unwrap();
            Ok::<_, TaskError>(json!("queued"))
        }
    });
    let wf = load(
        &rt,
        json!({
            "StartAt": "Ask",
            "States": {"Ask": {
                "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {"FunctionName": "approver", "Payload": {"token.$": "$$.Task.Token", "amount.$": "$.amount"}},
                "End": true
            }}
        }),
    );
    let handle = rt.start(&wf, json!({"amount": 12})).await.unwrap();
    let (token, payload) = rx.recv().await.unwrap();
    assert_eq!(payload, json!({"token": token, "amount": 12}));
    rt.send_task_success(&token, json!({"approved": 12}))
        .await
        .unwrap();
    let status = outcome(&handle).await;
    assert_eq!(output(&status), &json!({"approved": 12}));
    let history = handle.history().await;
    let scheduled = history[2].to_aws_json();
    assert_eq!(
        scheduled["taskScheduledEventDetails"]["resource"],
        json!("invoke.waitForTaskToken")
    );
    assert_eq!(count(&history, EventType::TaskSubmitted), 1);
}

#[tokio::test(start_paused = true)]
async fn a_callback_answered_before_its_handler_returns_still_succeeds() {
    // A worker may answer the token before the integration call itself has returned.
    let rt = runtime();
    let rt2 = rt.clone();
    rt.bind(SQS_WAIT, move |_: Value, ctx: TaskContext| {
        let rt = rt2.clone();
        async move {
            rt.send_task_success(ctx.task_token().unwrap(), json!("early"))
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_secs(1)).await;
            Ok::<_, TaskError>(json!({"MessageId": "m"}))
        }
    });
    let wf = load(&rt, callback_machine(json!({})));
    let (status, history) = run(&rt, &wf, json!({"job": 1})).await;
    assert_eq!(output(&status), &json!("early"));
    assert_eq!(count(&history, EventType::TaskSucceeded), 1);
}

#[tokio::test(start_paused = true)]
async fn a_failing_callback_integration_fails_the_task() {
    // If the message cannot be sent, the task fails without waiting for a token.
    let rt = runtime();
    rt.bind(SQS_WAIT, |_: Value, _ctx: TaskContext| async {
        Err::<Value, _>(TaskError::new("SQS.QueueDoesNotExistException", "no queue"))
    });
    let wf = load(&rt, callback_machine(json!({})));
    let (status, history) = run(&rt, &wf, json!({"job": 1})).await;
    assert_eq!(
        failed(&status),
        (Some("SQS.QueueDoesNotExistException"), Some("no queue"))
    );
    assert_eq!(count(&history, EventType::TaskSubmitted), 0);
}

#[tokio::test(start_paused = true)]
async fn every_attempt_gets_a_fresh_token() {
    let rt = runtime();
    let retried =
        callback_machine(json!({"Retry": [{"ErrorEquals": ["Retry"], "IntervalSeconds": 1}]}));
    let Waiting {
        handle,
        token: first,
        mut tokens,
        ..
    } = start_waiting(&rt, retried, json!({"job": 1})).await;
    rt.send_task_failure(&first, Some("Retry".into()), None)
        .await
        .unwrap();
    let (second, _) = tokens.recv().await.unwrap();
    assert_ne!(first, second);
    assert_eq!(
        rt.send_task_success(&first, json!(1)).await,
        Err(CallbackError::TaskDoesNotExist)
    );
    rt.send_task_success(&second, json!(2)).await.unwrap();
    assert_eq!(output(&outcome(&handle).await), &json!(2));
}

#[tokio::test(start_paused = true)]
async fn a_handler_still_running_when_its_token_is_answered_is_cancelled() {
    // The integration call is still in flight when the token comes back: the task is done,
    // so the call no longer matters and must not outlive the execution.
    let rt = runtime();
    let drops = DropCounter::default();
    let (d, rt2) = (drops.clone(), rt.clone());
    rt.bind(SQS_WAIT, move |_: Value, ctx: TaskContext| {
        let signal = d.signal();
        let rt = rt2.clone();
        async move {
            let _signal = signal;
            rt.send_task_success(ctx.task_token().unwrap(), json!("answered"))
                .await
                .unwrap();
            forever().await;
            Ok::<_, TaskError>(Value::Null)
        }
    });
    let wf = load(&rt, callback_machine(json!({})));
    let (status, _) = run(&rt, &wf, json!({"job": 1})).await;
    assert_eq!(output(&status), &json!("answered"));
    drops.wait_for(1).await;
}

#[tokio::test(start_paused = true)]
async fn an_execution_timeout_kills_a_waiting_callback() {
    let rt = runtime();
    let mut definition = callback_machine(json!({}));
    definition["TimeoutSeconds"] = json!(120);
    let Waiting { handle, token, .. } = start_waiting(&rt, definition, json!({"job": 1})).await;
    let status = outcome(&handle).await;
    assert_eq!(status.as_str(), "TIMED_OUT");
    assert_eq!(
        rt.send_task_success(&token, json!(1)).await,
        Err(CallbackError::TaskDoesNotExist)
    );
    let history = handle.history().await;
    assert_eq!(span(&history), 120_000);
}

#[tokio::test(start_paused = true)]
async fn callbacks_inside_a_map_are_answered_independently() {
    let rt = runtime();
    let mut tokens = sqs(&rt);
    let wf = load(
        &rt,
        json!({
            "StartAt": "M",
            "States": {"M": {
                "Type": "Map",
                "ItemSelector": {"job.$": "$$.Map.Item.Value"},
                "ItemProcessor": {"StartAt": "Wait", "States": {"Wait": {
                    "Type": "Task", "Resource": SQS_WAIT,
                    "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token", "job.$": "$.job"}},
                    "End": true
                }}},
                "End": true
            }}
        }),
    );
    let handle = rt.start(&wf, json!(["a", "b", "c"])).await.unwrap();
    let mut received = Vec::new();
    for _ in 0..3 {
        received.push(tokens.recv().await.unwrap());
    }
    // Answer in reverse order, each with its own job name.
    for (token, input) in received.iter().rev() {
        let job = input["MessageBody"]["job"].clone();
        assert_eq!(input["MessageBody"]["token"], json!(token));
        rt.send_task_success(token, json!({"done": job}))
            .await
            .unwrap();
    }
    let status = outcome(&handle).await;
    assert_eq!(
        output(&status),
        &json!([{"done": "a"}, {"done": "b"}, {"done": "c"}])
    );
}

#[tokio::test(start_paused = true)]
async fn the_heartbeat_clock_starts_when_the_integration_call_returns() {
    // AWS (lambda:invoke.waitForTaskToken): "the heartbeat clock starts only after the
    // Lambda invocation finishes". A slow call (8 s) followed by an 8 s wait for the token
    // is within HeartbeatSeconds 10.
    let rt = runtime();
    let (tx, mut rx) = mpsc::unbounded_channel();
    rt.bind(SQS_WAIT, move |_: Value, ctx: TaskContext| {
        let tx = tx.clone();
        async move {
            tokio::time::sleep(Duration::from_secs(8)).await;
            tx.send(ctx.task_token().unwrap().to_string()).unwrap();
            Ok::<_, TaskError>(json!({"MessageId": "m"}))
        }
    });
    let wf = load(&rt, callback_machine(json!({"HeartbeatSeconds": 10})));
    let handle = rt.start(&wf, json!({"job": 1})).await.unwrap();
    let token = rx.recv().await.unwrap();
    tokio::time::sleep(Duration::from_secs(8)).await;
    rt.send_task_success(&token, json!("in time"))
        .await
        .unwrap();
    let status = outcome(&handle).await;
    assert_eq!(output(&status), &json!("in time"));
    // Without an answer, it times out HeartbeatSeconds after the submission.
    let handle = rt.start(&wf, json!({"job": 2})).await.unwrap();
    let _token = rx.recv().await.unwrap();
    let status = outcome(&handle).await;
    assert_eq!(failed(&status).0, Some("States.HeartbeatTimeout"));
    let history = handle.history().await;
    assert_eq!(
        between(&history, EventType::TaskSubmitted, EventType::TaskTimedOut),
        10_000
    );
}

#[tokio::test(start_paused = true)]
async fn express_machines_refuse_callbacks() {
    let rt = runtime();
    let err = rt
        .load_with(
            &callback_machine(json!({})).to_string(),
            &workflow_runtime::LoadOptions::express(),
        )
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("Express state machine does not support '.waitForTaskToken'"),
        "{err}"
    );
}

/// Two branches, each with a callback task of its own (an SQS message with the token).
fn two_approvals() -> Value {
    let ask = |next: &str| {
        json!({"StartAt": next, "States": {next: {
            "Type": "Task", "Resource": SQS_WAIT,
            "Parameters": {"QueueUrl": "https://sqs/q", "MessageBody": {"token.$": "$$.Task.Token"}},
            "End": true
        }}})
    };
    json!({"StartAt": "Both", "States": {"Both": {
        "Type": "Parallel", "Branches": [ask("AskManager"), ask("AskFinance")], "End": true
    }}})
}

#[tokio::test(start_paused = true)]
async fn the_pending_callbacks_are_listed_with_their_states_until_answered() {
    let rt = runtime();
    let mut tokens = sqs(&rt);
    let wf = load(&rt, two_approvals());
    let handle = rt.start(&wf, json!({})).await.unwrap();
    let mut handed = Vec::new();
    for _ in 0..2 {
        handed.push(tokens.recv().await.unwrap().0);
    }
    let pending = handle.pending_callbacks().await;
    // In the order they were invoked: the first branch's task first.
    let states: Vec<&str> = pending.iter().map(|p| p.state_name.as_str()).collect();
    assert_eq!(states, ["AskManager", "AskFinance"]);
    let listed: Vec<&String> = pending.iter().map(|p| &p.token).collect();
    assert_eq!(listed, handed.iter().collect::<Vec<_>>());
    // By ARN, from the registry: the same.
    assert_eq!(
        rt.pending_callbacks(handle.execution_arn()).await.unwrap(),
        pending
    );

    rt.send_task_success(&pending[0].token, json!("yes"))
        .await
        .unwrap();
    let left = handle.pending_callbacks().await;
    assert_eq!(left, [pending[1].clone()]);
    rt.send_task_success(&left[0].token, json!("also yes"))
        .await
        .unwrap();
    assert_eq!(output(&outcome(&handle).await), &json!(["yes", "also yes"]));
    // Ended: nothing waits, by handle or by ARN.
    assert!(handle.pending_callbacks().await.is_empty());
    assert!(
        rt.pending_callbacks(handle.execution_arn())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test(start_paused = true)]
async fn a_callback_that_timed_out_is_no_longer_pending() {
    let rt = runtime();
    let Waiting { handle, token, .. } = start_waiting(
        &rt,
        callback_machine(json!({"TimeoutSeconds": 60})),
        json!({"job": 1}),
    )
    .await;
    assert_eq!(handle.pending_callbacks().await.len(), 1);
    let status = outcome(&handle).await;
    assert_eq!(failed(&status).0, Some("States.Timeout"));
    assert!(handle.pending_callbacks().await.is_empty());
    assert_eq!(
        rt.send_task_success(&token, json!(1)).await,
        Err(CallbackError::TaskDoesNotExist)
    );
}

#[tokio::test(start_paused = true)]
async fn the_pending_callbacks_of_an_unknown_execution_are_refused() {
    let rt = runtime();
    let arn = "arn:aws:states:us-east-1:123456789012:execution:Nothing:here";
    match rt.pending_callbacks(arn).await {
        Err(RegistryError::ExecutionDoesNotExist { arn: asked }) => assert_eq!(asked, arn),
        other => panic!("{other:?}"),
    }
}
