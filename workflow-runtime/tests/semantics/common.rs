//! Helpers shared by the semantics tests.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::Notify;
use workflow_runtime::{
    EventType, ExecutionHandle, ExecutionStatus, HistoryEvent, LoadOptions, Runtime, TaskContext,
    TaskError, Workflow,
};

/// A runtime with a fixed seed, so that jitter, names and tokens are reproducible.
pub fn runtime() -> Runtime {
    Runtime::builder().seed(7).build()
}

/// The ARN of a Lambda function of the default account and region.
pub fn lambda(name: &str) -> String {
    format!("arn:aws:lambda:us-east-1:123456789012:function:{name}")
}

/// Loads a STANDARD definition, failing the test with the diagnostics if it is refused.
pub fn load(rt: &Runtime, definition: Value) -> Workflow {
    match rt.load(&definition.to_string()) {
        Ok(w) => w,
        Err(e) => panic!("definition refused: {e}\n{definition:#}"),
    }
}

/// Loads a definition with options.
pub fn load_with(rt: &Runtime, definition: Value, options: &LoadOptions) -> Workflow {
    match rt.load_with(&definition.to_string(), options) {
        Ok(w) => w,
        Err(e) => panic!("definition refused: {e}\n{definition:#}"),
    }
}

/// Waits for an execution's end, failing the test (instead of hanging) if it has not ended
/// after `limit` of tokio time. Under a paused clock, tokio jumps to the limit as soon as
/// every task is idle, so a deadlocked execution fails the test at once.
pub async fn outcome_within(handle: &ExecutionHandle, limit: Duration) -> ExecutionStatus {
    match tokio::time::timeout(limit, handle.outcome()).await {
        Ok(status) => status,
        Err(_) => panic!(
            "the execution did not end within {limit:?}; history so far: {:?}",
            types(&handle.history().await)
        ),
    }
}

/// How long [`run`] and [`outcome`] wait for an execution's end: five years of tokio time,
/// past any execution's limit.
const LONG: Duration = Duration::from_secs(5 * 366 * 24 * 3600);

/// Waits (at most five years of tokio time) for an execution's end.
pub async fn outcome(handle: &ExecutionHandle) -> ExecutionStatus {
    outcome_within(handle, LONG).await
}

/// Starts an execution and waits (at most five years of tokio time) for its end.
pub async fn run(
    rt: &Runtime,
    workflow: &Workflow,
    input: Value,
) -> (ExecutionStatus, Vec<HistoryEvent>) {
    let handle = rt.start(workflow, input).await.expect("start");
    let status = outcome(&handle).await;
    let history = handle.history().await;
    (status, history)
}

/// The event types of a history, as AWS names them.
pub fn types(history: &[HistoryEvent]) -> Vec<&'static str> {
    history.iter().map(|e| e.event_type.as_str()).collect()
}

/// The events of one type, in order.
pub fn events_of(history: &[HistoryEvent], t: EventType) -> Vec<&HistoryEvent> {
    history.iter().filter(|e| e.event_type == t).collect()
}

/// The timestamps of the events of one type, in order.
pub fn times_of(history: &[HistoryEvent], t: EventType) -> Vec<i64> {
    events_of(history, t).iter().map(|e| e.timestamp).collect()
}

/// The milliseconds from the first event of type `from` to the first of type `to`.
#[track_caller]
pub fn between(history: &[HistoryEvent], from: EventType, to: EventType) -> i64 {
    let first = |t: EventType| match times_of(history, t).first() {
        Some(&at) => at,
        None => panic!("no {t} event in {:?}", types(history)),
    };
    first(to) - first(from)
}

/// The milliseconds from the history's first event to its last.
#[track_caller]
pub fn span(history: &[HistoryEvent]) -> i64 {
    match (history.first(), history.last()) {
        (Some(first), Some(last)) => last.timestamp - first.timestamp,
        _ => panic!("an empty history"),
    }
}

/// How many events of a type the history has.
pub fn count(history: &[HistoryEvent], t: EventType) -> usize {
    events_of(history, t).len()
}

/// The execution's output, failing the test when it did not succeed.
#[track_caller]
pub fn output(status: &ExecutionStatus) -> &Value {
    match status {
        ExecutionStatus::Succeeded(v) => v,
        other => panic!("expected SUCCEEDED, got {other:?}"),
    }
}

/// The error and cause of a FAILED execution, failing the test otherwise.
#[track_caller]
pub fn failed(status: &ExecutionStatus) -> (Option<&str>, Option<&str>) {
    match status {
        ExecutionStatus::Failed(f) => (f.error.as_deref(), f.cause.as_deref()),
        other => panic!("expected FAILED, got {other:?}"),
    }
}

/// The details of the `*StateEntered` event of `state` (its `n`-th entry), as AWS shows them.
pub fn entered_input(history: &[HistoryEvent], state: &str, n: usize) -> Value {
    let entered: Vec<&HistoryEvent> = history
        .iter()
        .filter(|e| e.event_type.as_str().ends_with("StateEntered"))
        .filter(|e| e.to_aws_json()["stateEnteredEventDetails"]["name"] == state)
        .collect();
    let e = entered
        .get(n)
        .unwrap_or_else(|| panic!("state {state} was not entered {} times", n + 1));
    let text = e.to_aws_json()["stateEnteredEventDetails"]["input"]
        .as_str()
        .expect("input")
        .to_string();
    serde_json::from_str(&text).expect("input is JSON")
}

/// Signals when dropped: proves that a handler's future was cancelled.
pub struct DropSignal {
    dropped: Arc<AtomicUsize>,
    notify: Arc<Notify>,
}

impl Drop for DropSignal {
    fn drop(&mut self) {
        self.dropped.fetch_add(1, Ordering::SeqCst);
        self.notify.notify_waiters();
        self.notify.notify_one();
    }
}

/// Counts the [`DropSignal`]s dropped.
#[derive(Clone, Default)]
pub struct DropCounter {
    dropped: Arc<AtomicUsize>,
    notify: Arc<Notify>,
}

impl DropCounter {
    pub fn signal(&self) -> DropSignal {
        DropSignal {
            dropped: self.dropped.clone(),
            notify: self.notify.clone(),
        }
    }

    pub fn count(&self) -> usize {
        self.dropped.load(Ordering::SeqCst)
    }

    /// Waits until `n` signals have been dropped; fails the test after a minute of tokio time.
    pub async fn wait_for(&self, n: usize) {
        let wait = async {
            while self.count() < n {
                let notified = self.notify.notified();
                if self.count() >= n {
                    break;
                }
                notified.await;
            }
        };
        if tokio::time::timeout(Duration::from_secs(60), wait)
            .await
            .is_err()
        {
            panic!("only {} of {n} handler futures were dropped", self.count());
        }
    }
}

/// A future that never completes (a handler that hangs).
pub async fn forever() {
    std::future::pending::<()>().await
}

/// Binds a Lambda that never returns; its future signals `drops` when it is dropped.
pub fn hanging(rt: &Runtime, name: &str, drops: &DropCounter) {
    let drops = drops.clone();
    rt.bind_lambda(name, move |_: Value, _ctx: TaskContext| {
        let signal = drops.signal();
        async move {
            let _signal = signal;
            forever().await;
            Ok::<_, TaskError>(Value::Null)
        }
    });
}

/// Binds the Lambda `name` to a handler that answers `answer` and counts its calls.
pub fn counted(
    rt: &Runtime,
    name: &str,
    answer: impl Fn(Value) -> Result<Value, TaskError> + Send + Sync + 'static,
) -> Arc<AtomicU32> {
    let calls = Arc::new(AtomicU32::new(0));
    let c = calls.clone();
    let answer = Arc::new(answer);
    rt.bind_lambda(name, move |input: Value, _ctx: TaskContext| {
        c.fetch_add(1, Ordering::SeqCst);
        let result = answer(input);
        async move { result }
    });
    calls
}
