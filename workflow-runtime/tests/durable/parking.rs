//! Parked executions: a journaled execution that only waits (its next timer a minute or more
//! away) leaves memory, holding no task of its own, and comes back when its timer is due or a
//! message comes.

use std::sync::atomic::Ordering;

use serde_json::{Value, json};
use tokio::sync::mpsc;
use workflow_runtime::store::testing::TempDir;
use workflow_runtime::{ExecutionHandle, TaskContext, TaskError, Work};

use crate::common::{
    OpenStore, bind_callback, callback_machine, clock, journaled, lambda, nap, runtime, session,
    temp_dir,
};

/// Half an hour: long enough to park (a minute or more), short enough that the runtime's
/// hourly purge of finished executions (a task of its own) does not come due meanwhile.
const NAP_SECONDS: u64 = 1800;

/// The tasks alive on the current tokio runtime once they are `expected`, or after many
/// yields (each lets every task that is ready run once; the store's writer answers from a
/// thread of its own meanwhile). Counted after a yield: a task spawned but not yet run is
/// alive too (a driver about to park is one task, as the task that watches it once parked).
async fn alive_tasks_when_settled(expected: usize) -> usize {
    let alive = || {
        tokio::runtime::Handle::current()
            .metrics()
            .num_alive_tasks()
    };
    for _ in 0..10_000 {
        tokio::task::yield_now().await;
        if alive() == expected {
            break;
        }
    }
    alive()
}

#[test]
fn parked_executions_hold_no_task_and_wake_at_their_deadlines() {
    let dir = temp_dir("park-no-task");
    let clock = clock();
    session(async {
        let rt = runtime(dir.open(), &clock);
        let wf = rt.load(&nap(NAP_SECONDS)).unwrap();
        // Time stands still while they start: none of them wakes before all are parked.
        let hold = Work::new(&clock);
        let mut handles = Vec::new();
        for n in 0..200 {
            handles.push(rt.start(&wf, json!({ "n": n })).await.unwrap());
        }
        // One task watches all their deadlines (a driver each would be 200).
        assert_eq!(alive_tasks_when_settled(1).await, 1);
        drop(hold);
        for (n, handle) in handles.iter().enumerate() {
            assert_eq!(handle.outcome().await.output(), Some(&json!({ "n": n })));
            let history = handle.history().await;
            let waited = history.last().unwrap().timestamp - history[0].timestamp;
            assert_eq!(waited, 1_800_000, "woken at its deadline");
        }
        // Nothing left parked: the watching task has ended too.
        assert_eq!(alive_tasks_when_settled(0).await, 0);
    });
}

#[test]
fn executions_waiting_only_for_their_token_leave_memory_and_the_answer_brings_each_back() {
    // No HeartbeatSeconds, no TimeoutSeconds: only the token's answer moves it on (or the
    // execution's time limit, a year away).
    let definition = callback_machine(
        json!({"Next": "Ship"}),
        json!({"Ship": {"Type": "Task", "Resource": lambda("Ship"), "End": true}}),
    );
    let dir = temp_dir("park-token");
    let clock = clock();
    session(async {
        let rt = runtime(dir.open(), &clock);
        let (tokens, mut token) = mpsc::unbounded_channel();
        let sent = bind_callback(&rt, tokens);
        rt.bind_lambda("Ship", |input: Value, _: TaskContext| async move {
            Ok::<_, TaskError>(json!({"shipped": input}))
        });
        let wf = rt.load(&definition.to_string()).unwrap();
        // Whoever answers is at work: the clock does not skip to the time limit meanwhile.
        let answering = Work::new(&clock);
        // Two of them: in memory, each would hold its driver's task.
        let mut started = Vec::new();
        for order in [7, 8] {
            let handle = rt.start(&wf, json!({ "order": order })).await.unwrap();
            let (token, hold) = token.recv().await.unwrap();
            // The message was sent (TaskSubmitted journaled): then it only waits.
            journaled(&**rt.store(), handle.execution_arn(), 1).await;
            drop(hold);
            started.push((handle, token));
        }
        assert_eq!(
            alive_tasks_when_settled(1).await,
            1,
            "only the parking's task"
        );
        for (handle, token) in &started {
            rt.send_task_success(token, json!({"approved": true}))
                .await
                .unwrap();
            let status = handle.outcome().await;
            assert_eq!(
                status.output(),
                Some(&json!({"shipped": {"approved": true}})),
                "{status:?}"
            );
        }
        drop(answering);
        assert_eq!(sent.load(Ordering::SeqCst), 2, "no message sent again");
    });
}

/// The handle of an execution that parked, its tokio runtime then shut down, and the
/// directory of its store.
fn parked_then_shut_down(label: &str) -> (TempDir, ExecutionHandle) {
    let dir = temp_dir(label);
    let clock = clock();
    let handle = session(async {
        let rt = runtime(dir.open(), &clock);
        let wf = rt.load(&nap(NAP_SECONDS)).unwrap();
        let _hold = Work::new(&clock);
        let handle = rt.start(&wf, json!({})).await.unwrap();
        assert_eq!(alive_tasks_when_settled(1).await, 1, "parked");
        handle
    });
    (dir, handle)
}

#[test]
fn a_parked_execution_whose_runtime_shuts_down_tells_its_handle() {
    let (_dir, handle) = parked_then_shut_down("park-shutdown");
    // Its tokio runtime is gone: the handle hears it instead of waiting for ever.
    let status = session(async { handle.outcome().await });
    assert_eq!(status.as_str(), "ABORTED");
    let cause = status.failure().and_then(|f| f.cause.clone());
    assert!(
        cause.unwrap_or_default().contains("shut down"),
        "{status:?}"
    );
}

/// Polls `future` once: its output if it is ready at once, `None` if it would wait.
fn at_once<F: std::future::Future>(future: F) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(output) => Some(output),
        std::task::Poll::Pending => None,
    }
}

#[test]
fn the_handle_of_a_parked_execution_whose_runtime_shut_down_is_answered_at_once() {
    let (_dir, handle) = parked_then_shut_down("park-shutdown-answered");
    // Its tokio runtime is gone, and with it whatever would bring the execution back: a stop
    // and a request for its history are not left waiting for a driver that never comes. The
    // stop finds nothing to stop (as for an execution that ended); the history is the one of
    // the outcome its handle reports, which no driver told.
    let (stopped, history) = session(async {
        let stopped = at_once(handle.stop(Some("Stop".into()), None));
        let history = at_once(handle.history());
        (stopped, history)
    });
    assert!(matches!(stopped, Some(Ok(()))), "{stopped:?}");
    assert_eq!(history.map(|h| h.len()), Some(0));
    let status = session(async { handle.outcome().await });
    assert_eq!(status.as_str(), "ABORTED");
}
