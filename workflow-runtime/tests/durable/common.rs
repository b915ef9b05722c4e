//! What the durability tests share: stores in folders of their own, sessions that end as a
//! crash does, and definitions.
#![allow(dead_code)] // each test module uses a part

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};
use tokio::sync::mpsc;
use workflow_runtime::store::{StateMachineRecord, Store};
use workflow_runtime::{
    Clock, ExecutionHandle, ExecutionStatus, HistoryEvent, Runtime, StartOptions, TaskContext,
    TaskError, TokioClock, Work,
};
use workflow_sqlite::SqliteStore;

pub use workflow_runtime::store::testing::TempDir;

/// A folder of this test's own under cargo's temporary target folder, removed on drop.
pub fn temp_dir(label: &str) -> TempDir {
    TempDir::new_in(env!("CARGO_TARGET_TMPDIR"), &format!("durable-{label}"))
}

/// Opening the store of a test folder.
pub trait OpenStore {
    /// Opens (or creates) the store in it.
    fn open(&self) -> SqliteStore;
}

impl OpenStore for TempDir {
    fn open(&self) -> SqliteStore {
        SqliteStore::open(self.store_path()).expect("open the store")
    }
}

/// A clock whose waits take no time, shared by the sessions of a test so that time goes on
/// across a crash: a timer of the first session is due at the same time in the second.
pub fn clock() -> Arc<dyn Clock> {
    Arc::new(TokioClock::scaled(0.0))
}

/// Runs `body` in a tokio runtime of its own, which is dropped when `body` returns: every
/// task it still ran (drivers, handlers) is dropped as a crashed process's would be, and with
/// them the runtime's store once nothing else holds it.
pub fn session<T>(body: impl Future<Output = T>) -> T {
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a tokio runtime");
    let out = tokio.block_on(body);
    drop(tokio);
    out
}

/// A runtime on `store` with `clock` and a fixed seed.
pub fn runtime(store: impl Store, clock: &Arc<dyn Clock>) -> Runtime {
    Runtime::builder()
        .seed(7)
        .clock(clock.clone())
        .store(store)
        .build()
}

/// Start options that name the execution `name`.
pub fn named(name: &str) -> StartOptions {
    StartOptions::default().name(name)
}

/// The one execution a resume finds.
pub async fn resumed(rt: &Runtime) -> ExecutionHandle {
    let mut handles = rt.resume().await.unwrap();
    assert_eq!(handles.len(), 1, "one execution was left unfinished");
    handles.pop().unwrap()
}

/// The newest revision of the state machine `name` in the runtime's store (`None`: there is
/// none).
pub async fn newest(rt: &Runtime, name: &str) -> Option<StateMachineRecord> {
    rt.store().state_machine(name, None).await.unwrap()
}

/// The ARN of a Lambda function of the default account and region.
pub fn lambda(name: &str) -> String {
    format!("arn:aws:lambda:us-east-1:123456789012:function:{name}")
}

/// A Wait of `seconds`, then a Pass: an execution that waits that long, then succeeds.
pub fn nap(seconds: u64) -> String {
    json!({
        "StartAt": "Nap",
        "States": {
            "Nap": {"Type": "Wait", "Seconds": seconds, "Next": "Done"},
            "Done": {"Type": "Pass", "End": true}
        }
    })
    .to_string()
}

/// A Pass state alone: an execution that succeeds as it starts, with the output `"done"`.
pub const QUICK: &str =
    r#"{"StartAt": "Done", "States": {"Done": {"Type": "Pass", "Result": "done", "End": true}}}"#;

/// A chain of Lambda tasks `names`, each passing its result on.
pub fn tasks(names: &[&str]) -> Value {
    let mut states = serde_json::Map::new();
    for (i, name) in names.iter().enumerate() {
        let mut state = json!({"Type": "Task", "Resource": lambda(name)});
        match names.get(i + 1) {
            Some(next) => state["Next"] = json!(next),
            None => state["End"] = json!(true),
        }
        states.insert(name.to_string(), state);
    }
    json!({"StartAt": names[0], "States": states})
}

/// The resource of a callback task: an SQS message that carries the task token.
const SEND_WITH_TOKEN: &str = "arn:aws:states:::sqs:sendMessage.waitForTaskToken";

/// A state machine that starts at `Approve`, a callback task (an SQS message with the token)
/// with `fields` (its deadlines, its `Next` or `End`), and holds the states `others` besides.
pub fn callback_machine(fields: Value, others: Value) -> Value {
    let mut approve = json!({
        "Type": "Task",
        "Resource": SEND_WITH_TOKEN,
        "Parameters": {"QueueUrl": "approvals", "MessageBody": {"token.$": "$$.Task.Token"}},
    });
    let mut states = json!({});
    for (object, more) in [(&mut approve, fields), (&mut states, others)] {
        if let (Some(object), Value::Object(more)) = (object.as_object_mut(), more) {
            object.extend(more);
        }
    }
    states["Approve"] = approve;
    json!({"StartAt": "Approve", "States": states})
}

/// Binds the callback task's integration: it hands each token over, with work that holds the
/// clock (so that time does not skip to a deadline before the test answers), and answers as
/// SQS does. Returns how many messages it sent.
pub fn bind_callback(
    rt: &Runtime,
    tokens: mpsc::UnboundedSender<(String, Work)>,
) -> Arc<AtomicUsize> {
    let clock = rt.clock().clone();
    let sent = Arc::new(AtomicUsize::new(0));
    let counted = sent.clone();
    rt.bind(SEND_WITH_TOKEN, move |_: Value, ctx: TaskContext| {
        counted.fetch_add(1, Ordering::SeqCst);
        let hold = Work::new(&clock);
        let _ = tokens.send((ctx.task_token().unwrap_or_default().to_string(), hold));
        async { Ok::<_, TaskError>(json!({"MessageId": "m-1"})) }
    });
    sent
}

/// A history's events as `(id, previous id, type, details)` with each timestamp counted from
/// the execution's start: what two runs that started at different times share.
pub fn relative(history: &[HistoryEvent]) -> Vec<Value> {
    let start = history.first().map_or(0, |e| e.timestamp);
    history
        .iter()
        .map(|e| {
            let mut event = e.to_aws_json();
            event["timestamp"] = json!(e.timestamp - start);
            event
        })
        .collect()
}

/// The same outcome and the same history, timestamps counted from the start.
pub fn assert_same_run(
    recovered: (ExecutionStatus, Vec<HistoryEvent>),
    expected: (ExecutionStatus, Vec<HistoryEvent>),
) {
    assert_eq!(recovered.0, expected.0);
    assert_eq!(relative(&recovered.1), relative(&expected.1));
}

/// A history's event types, in order.
pub fn types(history: &[HistoryEvent]) -> Vec<&'static str> {
    history.iter().map(|e| e.event_type.as_str()).collect()
}

/// Waits (yielding) until the store has journaled `entries` events of the execution `arn`.
pub async fn journaled(store: &dyn Store, arn: &str, entries: usize) {
    while store
        .journal(arn)
        .await
        .unwrap()
        .map_or(0, |(_, e)| e.len())
        < entries
    {
        tokio::task::yield_now().await;
    }
}
