//! Recovery after a crash: a session runs executions on a SQLite file and ends mid-way (its
//! tokio runtime and its store are dropped, as a killed process's would be), a second one
//! opens the same file, binds the same handlers and resumes. Each execution ends as an
//! uninterrupted run of it does, with the same history (timestamps counted from the start:
//! the sessions share a clock, the uninterrupted run has one of its own), and no task that
//! completed is invoked again.

use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use tokio::sync::mpsc;
use workflow_runtime::store::testing::{FaultyStore, WriteKind};
use workflow_runtime::store::{Status, Store};
use workflow_runtime::{
    Clock, ExecutionStatus, HistoryEvent, PendingCallback, Runtime, TaskContext, TaskError, Work,
};

use crate::common::{
    OpenStore, TempDir, assert_same_run, bind_callback, callback_machine, clock, journaled, lambda,
    named, relative, resumed, runtime, session, tasks, temp_dir,
};

/// What the handlers of a test saw, across sessions.
#[derive(Clone, Default)]
struct Calls {
    /// Each invocation's input and idempotency key, in order.
    seen: Arc<Mutex<Vec<(Value, String)>>>,
}

impl Calls {
    fn record(&self, input: &Value, ctx: &TaskContext) -> usize {
        let mut seen = self.seen.lock().unwrap();
        seen.push((input.clone(), ctx.idempotency_key()));
        seen.len()
    }

    fn taken(&self) -> Vec<(Value, String)> {
        std::mem::take(&mut *self.seen.lock().unwrap())
    }
}

/// Binds `function` to a handler that records each call and answers with its input, but for
/// the calls `hold` picks, which never answer (the session ends while they are in flight);
/// `called` hears of each call.
fn bind(
    rt: &Runtime,
    function: &str,
    calls: &Calls,
    called: Option<mpsc::UnboundedSender<Value>>,
    hold: impl Fn(&Value) -> bool + Send + Sync + 'static,
) {
    let calls = calls.clone();
    rt.bind_lambda(function, move |input: Value, ctx: TaskContext| {
        calls.record(&input, &ctx);
        if let Some(called) = &called {
            let _ = called.send(input.clone());
        }
        let held = hold(&input);
        async move {
            if held {
                std::future::pending::<()>().await;
            }
            Ok::<_, TaskError>(input)
        }
    });
}

/// Runs `definition` without interruption on a store of its own, with `setup` binding the
/// handlers (which hold nothing), and returns how it ended and its history.
fn uninterrupted(
    definition: &Value,
    input: Value,
    setup: impl FnOnce(&Runtime),
) -> (ExecutionStatus, Vec<HistoryEvent>) {
    let dir = temp_dir("uninterrupted");
    let clock = clock();
    session(async {
        let rt = runtime(dir.open(), &clock);
        setup(&rt);
        let wf = rt.load(&definition.to_string()).unwrap();
        let handle = rt.start_with(&wf, input, &named("run")).await.unwrap();
        let status = handle.outcome().await;
        (status, handle.history().await)
    })
}

/// The same outcome and the same history but for the timestamps: a handler that did not
/// answer at once took real time before the crash (time runs at real speed while one is
/// under way), which the uninterrupted run did not.
fn assert_same_run_timestamps_aside(
    recovered: (ExecutionStatus, Vec<HistoryEvent>),
    expected: (ExecutionStatus, Vec<HistoryEvent>),
) {
    let untimed = |history: &[HistoryEvent]| {
        let mut events = relative(history);
        for event in &mut events {
            event["timestamp"] = json!(null);
        }
        events
    };
    assert_eq!(recovered.0, expected.0);
    assert_eq!(untimed(&recovered.1), untimed(&expected.1));
}

#[test]
fn a_wait_goes_on_at_its_deadline() {
    let definition = json!({
        "StartAt": "Nap",
        "States": {
            "Nap": {"Type": "Wait", "Seconds": 3600, "Next": "Done"},
            "Done": {"Type": "Pass", "Result": "rested", "End": true}
        }
    });
    let dir = temp_dir("wait");
    let clock = clock();
    let arn = session(async {
        let rt = runtime(dir.open(), &clock);
        // Time stands still until the crash.
        let _hold = Work::new(&clock);
        let wf = rt.load(&definition.to_string()).unwrap();
        let handle = rt.start_with(&wf, json!({}), &named("run")).await.unwrap();
        // Recorded once `start` returns: the crash comes while it waits.
        handle.execution_arn().to_string()
    });
    let recovered = session(async {
        let rt = runtime(dir.open(), &clock);
        let handle = resumed(&rt).await;
        assert_eq!(handle.execution_arn(), arn);
        let status = handle.outcome().await;
        let record = rt.store().execution(&arn).await.unwrap().unwrap();
        assert_eq!(record.status, Status::Succeeded);
        (status, handle.history().await)
    });
    assert_same_run(recovered, uninterrupted(&definition, json!({}), |_| {}));
}

#[test]
fn a_retry_interval_goes_on_and_the_failed_attempt_is_not_run_again() {
    let definition = json!({
        "StartAt": "Charge",
        "States": {"Charge": {
            "Type": "Task", "Resource": lambda("Charge"),
            "Retry": [{"ErrorEquals": ["Busy"], "IntervalSeconds": 600, "MaxAttempts": 2}],
            "End": true
        }}
    });
    // The first attempt fails, the second succeeds.
    let setup = |rt: &Runtime, calls: &Calls| {
        let calls = calls.clone();
        rt.bind_lambda("Charge", move |input: Value, ctx: TaskContext| {
            let attempt = calls.record(&input, &ctx);
            async move {
                match ctx.retry_count() {
                    0 => Err(TaskError::new("Busy", format!("attempt {attempt}"))),
                    _ => Ok(json!({"charged": true})),
                }
            }
        });
    };
    let dir = temp_dir("retry");
    let clock = clock();
    let calls = Calls::default();
    session(async {
        let rt = runtime(dir.open(), &clock);
        // Time stands still until the crash: the retry interval does not end here.
        let _hold = Work::new(&clock);
        setup(&rt, &calls);
        let wf = rt.load(&definition.to_string()).unwrap();
        let handle = rt.start_with(&wf, json!({}), &named("run")).await.unwrap();
        // The failure is journaled: the crash comes during the retry interval.
        journaled(&**rt.store(), handle.execution_arn(), 1).await;
    });
    let first = calls.taken();
    assert_eq!(first.len(), 1);
    let recovered = session(async {
        let rt = runtime(dir.open(), &clock);
        setup(&rt, &calls);
        let handle = resumed(&rt).await;
        (handle.outcome().await, handle.history().await)
    });
    let second = calls.taken();
    assert_eq!(second.len(), 1, "only the retry runs after the restart");
    assert_ne!(
        first[0].1, second[0].1,
        "each attempt is an invocation of its own"
    );
    let expected = uninterrupted(&definition, json!({}), |rt| setup(rt, &Calls::default()));
    assert_same_run(recovered, expected);
}

#[test]
fn a_task_in_flight_is_invoked_again_with_the_same_idempotency_key() {
    let definition = tasks(&["First", "Second"]);
    let dir = temp_dir("in-flight");
    let clock = clock();
    let calls = Calls::default();
    session(async {
        let rt = runtime(dir.open(), &clock);
        let (called, mut heard) = mpsc::unbounded_channel();
        bind(&rt, "First", &calls, None, |_| false);
        // Second is in flight when the process stops.
        bind(&rt, "Second", &calls, Some(called), |_| true);
        let wf = rt.load(&definition.to_string()).unwrap();
        rt.start_with(&wf, json!({"n": 1}), &named("run"))
            .await
            .unwrap();
        heard.recv().await.unwrap();
    });
    let before = calls.taken();
    assert_eq!(before.len(), 2, "{before:?}");
    let recovered = session(async {
        let rt = runtime(dir.open(), &clock);
        bind(&rt, "First", &calls, None, |_| false);
        bind(&rt, "Second", &calls, None, |_| false);
        let handle = resumed(&rt).await;
        (handle.outcome().await, handle.history().await)
    });
    let after = calls.taken();
    // First completed before the crash: never again. Second runs again, with its key.
    assert_eq!(after, vec![before[1].clone()]);
    assert!(after[0].1.ends_with(":run#2"), "{}", after[0].1);
    let expected = uninterrupted(&definition, json!({"n": 1}), |rt| {
        bind(rt, "First", &Calls::default(), None, |_| false);
        bind(rt, "Second", &Calls::default(), None, |_| false);
    });
    assert_same_run_timestamps_aside(recovered, expected);
}

/// A callback task with a heartbeat and a timeout.
fn callback_with_deadlines() -> Value {
    let deadlines = json!({"HeartbeatSeconds": 600, "TimeoutSeconds": 3600, "End": true});
    callback_machine(deadlines, json!({}))
}

/// Starts the callback machine, waits for its token to be handed over (journaled), and
/// ends the session there. Returns the token.
fn start_callback(dir: &TempDir, clock: &Arc<dyn Clock>) -> String {
    start_callback_of(dir, clock).1
}

/// [`start_callback`], returning the execution's ARN too.
fn start_callback_of(dir: &TempDir, clock: &Arc<dyn Clock>) -> (String, String) {
    session(async {
        let rt = runtime(dir.open(), clock);
        // Time stands still until the crash: the heartbeat deadline does not come here.
        let _hold = Work::new(clock);
        let (tokens, mut token) = mpsc::unbounded_channel();
        bind_callback(&rt, tokens);
        let wf = rt.load(&callback_with_deadlines().to_string()).unwrap();
        let handle = rt.start_with(&wf, json!({}), &named("run")).await.unwrap();
        let (token, hold) = token.recv().await.unwrap();
        journaled(&**rt.store(), handle.execution_arn(), 1).await;
        drop(hold);
        (handle.execution_arn().to_string(), token)
    })
}

#[test]
fn the_pending_callbacks_are_listed_before_and_after_the_resume() {
    let dir = temp_dir("pending");
    let clock = clock();
    let (arn, token) = start_callback_of(&dir, &clock);
    let status = session(async {
        let rt = runtime(dir.open(), &clock);
        let answering = Work::new(&clock);
        // Not resumed yet: its journal says what waits.
        let expected = vec![PendingCallback::new("Approve", token.clone())];
        assert_eq!(rt.pending_callbacks(&arn).await.unwrap(), expected);
        // Resumed, it is parked (it only waits): asked, it comes back to answer, by its
        // handle or by ARN, and the token it lists is answered.
        let handle = resumed(&rt).await;
        assert_eq!(handle.pending_callbacks().await, expected);
        assert_eq!(rt.pending_callbacks(&arn).await.unwrap(), expected);
        rt.send_task_success(&handle.pending_callbacks().await[0].token, json!("yes"))
            .await
            .unwrap();
        drop(answering);
        let status = handle.outcome().await;
        assert!(handle.pending_callbacks().await.is_empty());
        assert!(rt.pending_callbacks(&arn).await.unwrap().is_empty());
        status
    });
    assert_eq!(status.output(), Some(&json!("yes")));
}

#[test]
fn a_callback_whose_function_ran_at_the_crash_is_pending_with_its_token() {
    let dir = temp_dir("pending-in-flight");
    let clock = clock();
    let (arn, token) = session(async {
        let rt = runtime(dir.open(), &clock);
        let _hold = Work::new(&clock);
        // The function hands the token over and never returns: the crash finds it running.
        let (tokens, mut handed) = mpsc::unbounded_channel();
        rt.bind(
            "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            move |_: Value, ctx: TaskContext| {
                let _ = tokens.send(ctx.task_token().unwrap_or_default().to_string());
                std::future::pending::<Result<Value, TaskError>>()
            },
        );
        let wf = rt.load(&callback_with_deadlines().to_string()).unwrap();
        let handle = rt.start_with(&wf, json!({}), &named("run")).await.unwrap();
        let token = handed.recv().await.unwrap();
        (handle.execution_arn().to_string(), token)
    });
    session(async {
        let rt = runtime(dir.open(), &clock);
        // Invoked again on resume, with the same token: it is pending already.
        assert_eq!(
            rt.pending_callbacks(&arn).await.unwrap(),
            [PendingCallback::new("Approve", token)]
        );
    });
}

#[test]
fn a_callback_token_is_answered_after_the_restart() {
    let dir = temp_dir("callback");
    let clock = clock();
    let token = start_callback(&dir, &clock);
    let recovered = session(async {
        let rt = runtime(dir.open(), &clock);
        // Whoever answers is at work: the clock does not skip to the heartbeat deadline.
        let answering = Work::new(&clock);
        let handle = resumed(&rt).await;
        rt.send_task_heartbeat(&token).await.unwrap();
        rt.send_task_success(&token, json!({"approved": true}))
            .await
            .unwrap();
        drop(answering);
        let status = handle.outcome().await;
        assert_eq!(status.output(), Some(&json!({"approved": true})));
        assert!(
            rt.send_task_success(&token, json!(1)).await.is_err(),
            "a token is spent once answered"
        );
        status
    });
    assert_eq!(recovered.as_str(), "SUCCEEDED");
}

#[test]
fn a_callback_keeps_its_heartbeat_deadline_across_the_restart() {
    let dir = temp_dir("heartbeat");
    let clock = clock();
    start_callback(&dir, &clock);
    let recovered = session(async {
        let rt = runtime(dir.open(), &clock);
        let handle = resumed(&rt).await;
        (handle.outcome().await, handle.history().await)
    });
    // Nobody answers: the heartbeat deadline, 600 s after the task started, fails it, as
    // it does without a restart.
    let failure = recovered.0.failure().cloned().unwrap_or_default();
    assert_eq!(failure.error.as_deref(), Some("States.HeartbeatTimeout"));
    // Uninterrupted, nobody answers either (the token is dropped with its hold at once).
    let expected = uninterrupted(&callback_with_deadlines(), json!({}), |rt| {
        bind_callback(rt, mpsc::unbounded_channel().0);
    });
    assert_same_run(recovered, expected);
}

#[test]
fn parallel_branches_and_map_iterations_go_on_where_they_were() {
    let definition = json!({
        "StartAt": "Both",
        "States": {"Both": {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "Items", "States": {"Items": {
                    "Type": "Map", "MaxConcurrency": 1,
                    "ItemProcessor": {"StartAt": "Item", "States": {
                        "Item": {"Type": "Task", "Resource": lambda("Item"), "End": true}
                    }},
                    "End": true
                }}},
                {"StartAt": "Later", "States": {
                    "Later": {"Type": "Wait", "Seconds": 60, "Next": "Note"},
                    "Note": {"Type": "Task", "Resource": lambda("Note"), "End": true}
                }}
            ],
            "End": true
        }}
    });
    let input = json!([1, 2, 3]);
    let dir = temp_dir("parallel-map");
    let clock = clock();
    let calls = Calls::default();
    session(async {
        let rt = runtime(dir.open(), &clock);
        let (called, mut heard) = mpsc::unbounded_channel();
        // Item 1 completes; item 2 is in flight when the process stops.
        bind(&rt, "Item", &calls, Some(called), |item| *item == json!(2));
        bind(&rt, "Note", &calls, None, |_| false);
        let wf = rt.load(&definition.to_string()).unwrap();
        rt.start_with(&wf, input.clone(), &named("run"))
            .await
            .unwrap();
        while heard.recv().await.unwrap() != json!(2) {}
    });
    let before: Vec<Value> = calls.taken().into_iter().map(|(i, _)| i).collect();
    assert_eq!(before, [json!(1), json!(2)]);
    let recovered = session(async {
        let rt = runtime(dir.open(), &clock);
        bind(&rt, "Item", &calls, None, |_| false);
        bind(&rt, "Note", &calls, None, |_| false);
        let handle = resumed(&rt).await;
        (handle.outcome().await, handle.history().await)
    });
    let mut after: Vec<Value> = calls.taken().into_iter().map(|(i, _)| i).collect();
    after.sort_by_key(|v| v.to_string());
    // Item 1 is not run again; item 2 is (it was in flight), item 3 and the note run.
    assert_eq!(after, [json!(2), json!(3), json!([1, 2, 3])]);
    let expected = uninterrupted(&definition, input, |rt| {
        bind(rt, "Item", &Calls::default(), None, |_| false);
        bind(rt, "Note", &Calls::default(), None, |_| false);
    });
    assert_same_run_timestamps_aside(recovered, expected);
}

#[test]
fn an_execution_interrupted_by_its_store_goes_on_when_resumed() {
    let definition = tasks(&["First", "Second"]);
    let dir = temp_dir("interrupted");
    let clock = clock();
    let calls = Calls::default();
    session(async {
        let store = Arc::new(FaultyStore::new(dir.open()));
        let rt = runtime(store.clone(), &clock);
        bind(&rt, "First", &calls, None, |_| false);
        bind(&rt, "Second", &calls, None, |_| false);
        let wf = rt.load(&definition.to_string()).unwrap();
        store.fail_when(|w| w.kind == WriteKind::Append);
        let handle = rt
            .start_with(&wf, json!({"n": 1}), &named("run"))
            .await
            .unwrap();
        assert_eq!(handle.outcome().await.as_str(), "ABORTED");
        // The disk is back: the same process resumes it.
        store.heal();
        let handle = resumed(&rt).await;
        assert_eq!(handle.outcome().await.output(), Some(&json!({"n": 1})));
    });
    let seen = calls.taken();
    let functions: Vec<&str> = seen
        .iter()
        .map(|(_, key)| {
            if key.ends_with("#1") {
                "First"
            } else {
                "Second"
            }
        })
        .collect();
    // First's result was never kept: it runs again, with the same key; then Second.
    assert_eq!(functions, ["First", "First", "Second"]);
    assert_eq!(seen[0].1, seen[1].1);
}

#[test]
fn resuming_a_store_that_is_not_durable_finds_nothing() {
    session(async {
        let rt = Runtime::new();
        let wf = rt
            .load(
                r#"{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 5, "End": true}}}"#,
            )
            .unwrap();
        let _running = rt.start(&wf, json!({})).await.unwrap();
        assert!(rt.resume().await.unwrap().is_empty());
    });
}

#[test]
fn a_replay_that_differs_fails_its_execution_and_the_others_go_on() {
    // A state that draws a random number (a UUID), then a wait.
    let random = json!({
        "StartAt": "Id",
        "States": {
            "Id": {"Type": "Pass", "Parameters": {"id.$": "States.UUID()"}, "Next": "Nap"},
            "Nap": {"Type": "Wait", "Seconds": 60, "End": true}
        }
    });
    let steady =
        json!({"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 60, "End": true}}});
    let dir = temp_dir("diverged");
    let clock = clock();
    let (changed, kept, unnamed) = session(async {
        let rt = runtime(dir.open(), &clock);
        // Time stands still until the crash: no Wait ends in this session.
        let _hold = Work::new(&clock);
        let random = rt.load(&random.to_string()).unwrap();
        let steady = rt.load(&steady.to_string()).unwrap();
        let a = rt
            .start_with(&random, json!({}), &named("random"))
            .await
            .unwrap();
        let b = rt
            .start_with(&steady, json!({}), &named("steady"))
            .await
            .unwrap();
        let c = rt.start(&steady, json!({})).await.unwrap();
        (
            a.execution_arn().to_string(),
            b.execution_arn().to_string(),
            c.execution_arn().to_string(),
        )
    });
    session(async {
        // The engine's random numbers are no longer the ones the seeds gave (as when the
        // step logic changed between versions): the replay of an execution that drew one
        // gives another history than it journaled.
        let rt = Runtime::builder()
            .clock(clock.clone())
            .store(dir.open())
            .entropy(|_seed| Box::new(workflow_core::entropy::SplitMix64(0xdead)))
            .build();
        let handles = rt.resume().await.unwrap();
        assert_eq!(handles.len(), 3);
        for handle in handles {
            let status = handle.outcome().await;
            let record = rt.describe_execution(handle.execution_arn()).await.unwrap();
            let arn = handle.execution_arn();
            if arn == kept {
                // Nothing random: it goes on.
                assert_eq!(status.as_str(), "SUCCEEDED");
                assert_eq!(record.status, Status::Succeeded);
                continue;
            }
            let failure = status.failure().cloned().unwrap_or_default();
            assert_eq!(failure.error.as_deref(), Some("States.Runtime"));
            let cause = failure.cause.unwrap_or_default();
            if arn == changed {
                assert!(
                    cause.contains("differs from the recorded one after the start")
                        && cause.contains("revision 1 of the state machine 'StateMachine'"),
                    "{cause}"
                );
            } else {
                // Its generated name came from its seed too.
                assert_eq!(arn, unnamed);
                assert!(cause.contains("its replay names it"), "{cause}");
            }
            // Recorded in the store as it ended.
            assert_eq!(record.status, Status::Failed);
            assert_eq!(record.cause.as_deref(), Some(cause.as_str()));
        }
    });
}

#[test]
fn many_executions_parked_in_a_wait_are_resumed_and_wake_at_their_deadline() {
    let definition = json!({"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 3600, "End": true}}});
    let dir = temp_dir("parked");
    let clock = clock();
    const EXECUTIONS: usize = 500;
    session(async {
        let rt = runtime(dir.open(), &clock);
        // Time stands still until the crash: no Wait ends in this session.
        let _hold = Work::new(&clock);
        let wf = rt.load(&definition.to_string()).unwrap();
        for n in 0..EXECUTIONS {
            rt.start(&wf, json!({ "n": n })).await.unwrap();
        }
    });
    session(async {
        let rt = runtime(dir.open(), &clock);
        let handles = rt.resume().await.unwrap();
        assert_eq!(handles.len(), EXECUTIONS);
        for handle in &handles {
            assert_eq!(handle.outcome().await.as_str(), "SUCCEEDED");
        }
        let history = handles[0].history().await;
        let waited = history.last().unwrap().timestamp - history[0].timestamp;
        assert_eq!(waited, 3_600_000);
    });
}
