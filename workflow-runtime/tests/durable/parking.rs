//! Parked executions: a journaled execution that only waits (its next timer a minute or more
//! away) leaves memory, holding no task of its own, and comes back when its timer is due or a
//! message comes.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};
use tokio::sync::mpsc;
use workflow_runtime::{TaskContext, TaskError, Work};

use crate::common::{OpenStore, clock, journaled, lambda, runtime, session, temp_dir};

const NAP: &str = r#"{"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 3600, "Next": "Done"}, "Done": {"Type": "Pass", "End": true}}}"#;

/// The tasks alive on the current tokio runtime, once the others have run as far as they can
/// (each yield lets every task that is ready run once).
async fn alive_tasks_when_settled() -> usize {
    for _ in 0..100 {
        tokio::task::yield_now().await;
    }
    tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks()
}

#[test]
fn parked_executions_hold_no_task_and_wake_at_their_deadlines() {
    let dir = temp_dir("park-no-task");
    let clock = clock();
    session(async {
        let rt = runtime(dir.open(), &clock);
        let wf = rt.load(NAP).unwrap();
        // Time stands still while they start: none of them wakes before all are parked.
        let hold = Work::new(&clock);
        let mut handles = Vec::new();
        for n in 0..200 {
            handles.push(rt.start(&wf, json!({ "n": n })).await.unwrap());
        }
        // One task watches all their deadlines (a driver each would be 200).
        assert_eq!(alive_tasks_when_settled().await, 1);
        drop(hold);
        for (n, handle) in handles.iter().enumerate() {
            assert_eq!(handle.outcome().await.output(), Some(&json!({ "n": n })));
            let history = handle.history().await;
            let waited = history.last().unwrap().timestamp - history[0].timestamp;
            assert_eq!(waited, 3_600_000, "woken at its deadline");
        }
        // Nothing left parked: the watching task has ended too.
        assert_eq!(alive_tasks_when_settled().await, 0);
    });
}

#[test]
fn an_execution_waiting_only_for_its_token_leaves_memory_and_its_answer_brings_it_back() {
    // No HeartbeatSeconds, no TimeoutSeconds: only the token's answer moves it on (or the
    // execution's time limit, a year away).
    let definition = json!({
        "StartAt": "Approve",
        "States": {"Approve": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"QueueUrl": "approvals", "MessageBody": {"token.$": "$$.Task.Token"}},
            "Next": "Ship"
        },
        "Ship": {"Type": "Task", "Resource": lambda("Ship"), "End": true}}
    });
    let dir = temp_dir("park-token");
    let clock = clock();
    session(async {
        let rt = runtime(dir.open(), &clock);
        let (tokens, mut token) = mpsc::unbounded_channel();
        let sent = Arc::new(AtomicUsize::new(0));
        let counted = sent.clone();
        rt.bind(
            "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            move |_: Value, ctx: TaskContext| {
                counted.fetch_add(1, Ordering::SeqCst);
                let _ = tokens.send(ctx.task_token().unwrap_or_default().to_string());
                async { Ok::<_, TaskError>(json!({"MessageId": "m-1"})) }
            },
        );
        rt.bind_lambda("Ship", |input: Value, _: TaskContext| async move {
            Ok::<_, TaskError>(json!({"shipped": input}))
        });
        let wf = rt.load(&definition.to_string()).unwrap();
        // Whoever answers is at work: the clock does not skip to the time limit meanwhile.
        let answering = Work::new(&clock);
        let handle = rt.start(&wf, json!({"order": 7})).await.unwrap();
        let token = token.recv().await.unwrap();
        // The message was sent (TaskSubmitted journaled): then it only waits for the answer.
        journaled(&**rt.store(), handle.execution_arn(), 1).await;
        assert_eq!(
            alive_tasks_when_settled().await,
            1,
            "only the parking's task"
        );
        rt.send_task_success(&token, json!({"approved": true}))
            .await
            .unwrap();
        drop(answering);
        let status = handle.outcome().await;
        assert_eq!(
            status.output(),
            Some(&json!({"shipped": {"approved": true}})),
            "{status:?}"
        );
        assert_eq!(
            sent.load(Ordering::SeqCst),
            1,
            "the message is not sent again"
        );
    });
}

#[test]
fn a_parked_execution_whose_runtime_shuts_down_tells_its_handle() {
    let dir = temp_dir("park-shutdown");
    let clock = clock();
    let handle = session(async {
        let rt = runtime(dir.open(), &clock);
        let wf = rt.load(NAP).unwrap();
        let _hold = Work::new(&clock);
        let handle = rt.start(&wf, json!({})).await.unwrap();
        assert_eq!(alive_tasks_when_settled().await, 1, "parked");
        handle
    });
    // Its tokio runtime is gone: the handle hears it instead of waiting for ever.
    let status = session(async { handle.outcome().await });
    assert_eq!(status.as_str(), "ABORTED");
    let cause = status.failure().and_then(|f| f.cause.clone());
    assert!(
        cause.unwrap_or_default().contains("shut down"),
        "{status:?}"
    );
}
