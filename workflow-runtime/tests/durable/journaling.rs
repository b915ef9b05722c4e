//! Write-ahead journaling: an event is kept before anything that follows from it is carried
//! out, and a store that cannot keep it stops the execution where its journal ends.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use serde_json::{Value, json};
use workflow_core::entropy::{Entropy, SplitMix64};
use workflow_core::execution::Event;
use workflow_core::journal::replay;
use workflow_runtime::store::testing::{FaultyStore, WriteKind};
use workflow_runtime::store::{Status, Store};
use workflow_runtime::{
    CallbackError, ExecutionHandle, ExecutionStatus, LoadOptions, Runtime, StartError, TaskContext,
    TaskError, Work, Workflow,
};

use crate::common::{
    OpenStore, clock, journaled, lambda, named, runtime, session, tasks, temp_dir,
};

/// Counts the calls of a handler that returns its input.
fn counted(rt: &Runtime, function: &str) -> Arc<AtomicUsize> {
    let calls = Arc::new(AtomicUsize::new(0));
    let c = calls.clone();
    rt.bind_lambda(function, move |input: Value, _ctx: TaskContext| {
        c.fetch_add(1, Ordering::SeqCst);
        async move { Ok::<_, TaskError>(input) }
    });
    calls
}

#[test]
fn a_journal_replays_to_the_history_the_execution_had() {
    let dir = temp_dir("journal");
    let clock = clock();
    session(async {
        let rt = runtime(dir.open(), &clock);
        counted(&rt, "Charge");
        let definition = json!({
            "StartAt": "Charge",
            "States": {
                "Charge": {"Type": "Task", "Resource": lambda("Charge"), "Next": "Nap"},
                "Nap": {"Type": "Wait", "Seconds": 3600, "Next": "Done"},
                "Done": {"Type": "Pass", "End": true}
            }
        });
        let wf = rt.load(&definition.to_string()).unwrap();
        let handle = rt.start(&wf, json!({"order": 1})).await.unwrap();
        let status = handle.outcome().await;
        assert_eq!(status.output(), Some(&json!({"order": 1})));
        let history = handle.history().await;

        let store = rt.store();
        let record = store
            .execution(handle.execution_arn())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(record.status, Status::Succeeded);
        assert_eq!(record.output.as_deref(), Some(&json!({"order": 1})));
        assert_eq!(record.stop_date, history.last().map(|e| e.timestamp));
        let (_, entries) = store.journal(&record.arn).await.unwrap().unwrap();
        // What the step logic was given after its start: the task's result, then the Wait's
        // timer firing an hour later.
        let events: Vec<&Event> = entries.iter().map(|e| &e.event).collect();
        assert!(
            matches!(
                events[..],
                [Event::TaskSucceeded { .. }, Event::TimerFired { .. }]
            ),
            "{events:?}"
        );
        assert_eq!(entries[1].at - entries[0].at, 3_600_000);
        assert_journal_replays(&rt, &wf, &handle).await;
    });
}

/// Checks that the journal of `handle`'s execution replays to the history and the outcome it
/// had.
async fn assert_journal_replays(rt: &Runtime, wf: &Workflow, handle: &ExecutionHandle) {
    let journal = rt.store().journal(handle.execution_arn()).await.unwrap();
    let (start, entries) = journal.expect("a journal");
    let mut entropy = SplitMix64(start.seed);
    let replayed = replay(wf.plan().clone(), &start, &entries, &mut entropy).unwrap();
    assert_eq!(replayed.execution.history(), &handle.history().await[..]);
    assert_eq!(*replayed.execution.status(), handle.outcome().await);
}

#[test]
fn a_custom_entropy_source_is_given_each_execution_seed_and_the_seed_is_journaled() {
    let dir = temp_dir("seed");
    let clock = clock();
    session(async {
        let seeds = Arc::new(std::sync::Mutex::new(Vec::new()));
        let s = seeds.clone();
        let rt = Runtime::builder()
            .clock(clock.clone())
            .store(dir.open())
            .entropy(move |seed| {
                s.lock().unwrap().push(seed);
                Box::new(SplitMix64(seed)) as Box<dyn Entropy + Send>
            })
            .build();
        let wf = rt
            .load(r#"{"StartAt": "Id", "States": {"Id": {"Type": "Pass", "Parameters": {"id.$": "States.UUID()"}, "End": true}}}"#)
            .unwrap();
        let mut arns = Vec::new();
        for _ in 0..2 {
            let handle = rt.start(&wf, json!({})).await.unwrap();
            handle.outcome().await;
            arns.push(handle.execution_arn().to_string());
        }
        let seeds = seeds.lock().unwrap().clone();
        assert_eq!(seeds.len(), 2);
        assert_ne!(seeds[0], seeds[1], "each execution has a seed of its own");
        for (arn, seed) in arns.iter().zip(&seeds) {
            let (start, _) = rt.store().journal(arn).await.unwrap().unwrap();
            assert_eq!(start.seed, *seed);
        }
    });
}

#[test]
fn an_event_the_store_cannot_keep_stops_the_execution_before_its_commands() {
    let dir = temp_dir("append-fails");
    let clock = clock();
    session(async {
        let store = Arc::new(FaultyStore::new(dir.open()));
        let rt = runtime(store.clone(), &clock);
        let first = counted(&rt, "First");
        let second = counted(&rt, "Second");
        let wf = rt.load(&tasks(&["First", "Second"]).to_string()).unwrap();
        // The first append records First's result: it fails, as a full disk would.
        store.fail_when(|w| w.kind == WriteKind::Append);
        let handle = rt.start(&wf, json!({"n": 1})).await.unwrap();
        let status = handle.outcome().await;
        let ExecutionStatus::Aborted(failure) = &status else {
            panic!("{status:?}")
        };
        assert_eq!(failure.error.as_deref(), Some("States.Runtime"));
        let cause = failure.cause.as_deref().unwrap_or_default();
        assert!(cause.contains("injected fault"), "{cause}");
        assert!(cause.contains("Runtime::resume"), "{cause}");
        assert_eq!(first.load(Ordering::SeqCst), 1);
        // Second follows from First's result, which was not kept: it never ran.
        assert_eq!(second.load(Ordering::SeqCst), 0);
        // The store still has it running, with nothing journaled after its start.
        let record = store
            .execution(handle.execution_arn())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(record.status, Status::Running);
        let (_, entries) = store.journal(&record.arn).await.unwrap().unwrap();
        assert!(entries.is_empty(), "{entries:?}");
    });
}

#[test]
fn a_start_the_store_cannot_keep_is_refused_and_runs_nothing() {
    let dir = temp_dir("create-fails");
    let clock = clock();
    session(async {
        let store = Arc::new(FaultyStore::new(dir.open()));
        let rt = runtime(store.clone(), &clock);
        let first = counted(&rt, "First");
        let wf = rt.load(&tasks(&["First"]).to_string()).unwrap();
        store.fail_when(|w| w.kind == WriteKind::CreateExecution);
        let refused = rt.start_with(&wf, json!({}), &named("refused")).await;
        assert!(
            matches!(&refused, Err(StartError::Store(e)) if e.to_string().contains("injected")),
            "{refused:?}"
        );
        tokio::task::yield_now().await;
        assert_eq!(first.load(Ordering::SeqCst), 0);
        let listed = store
            .list_executions(
                &workflow_runtime::store::ExecutionFilter::all(),
                workflow_runtime::store::PageRequest::first(10),
            )
            .await
            .unwrap();
        assert!(listed.items.is_empty());
    });
}

#[test]
fn an_answer_the_store_cannot_keep_is_refused() {
    let dir = temp_dir("answer-fails");
    let clock = clock();
    session(async {
        let store = Arc::new(FaultyStore::new(dir.open()));
        let rt = runtime(store.clone(), &clock);
        let (tokens, mut token) = tokio::sync::mpsc::unbounded_channel();
        let shared_clock = clock.clone();
        rt.bind(
            "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            move |_: Value, ctx: TaskContext| {
                // Whoever answers is at work: the clock does not skip to the time limit.
                let answering = Work::new(&shared_clock);
                let token = ctx.task_token().unwrap_or_default().to_string();
                let _ = tokens.send((token, answering));
                async { Ok::<_, TaskError>(json!({})) }
            },
        );
        let wf = rt
            .load(
                &json!({"StartAt": "Ask", "States": {"Ask": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                    "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}},
                    "End": true
                }}})
                .to_string(),
            )
            .unwrap();
        let handle = rt.start(&wf, json!({})).await.unwrap();
        let (token, answering) = token.recv().await.unwrap();
        // Wait for the hand-over to be journaled, then make the next append fail.
        let appends = Arc::new(AtomicU64::new(0));
        while store
            .journal(handle.execution_arn())
            .await
            .unwrap()
            .unwrap()
            .1
            .is_empty()
        {
            tokio::task::yield_now().await;
        }
        let a = appends.clone();
        store.fail_when(move |w| {
            a.fetch_add(1, Ordering::SeqCst);
            w.kind == WriteKind::Append
        });
        let answered = rt.send_task_success(&token, json!({"ok": true})).await;
        drop(answering);
        assert!(
            matches!(&answered, Err(CallbackError::Store(e)) if e.to_string().contains("injected")),
            "{answered:?}"
        );
        assert_eq!(
            handle
                .outcome()
                .await
                .failure()
                .and_then(|f| f.error.as_deref()),
            Some("States.Runtime")
        );
        assert_eq!(appends.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn express_executions_are_not_recorded_on_a_durable_store() {
    let dir = temp_dir("express");
    let clock = clock();
    session(async {
        let rt = runtime(dir.open(), &clock);
        counted(&rt, "First");
        let wf = rt
            .load_with(&tasks(&["First"]).to_string(), &LoadOptions::express())
            .unwrap();
        let handle = rt.start(&wf, json!({"n": 1})).await.unwrap();
        assert_eq!(handle.outcome().await.output(), Some(&json!({"n": 1})));
        // As on AWS, an EXPRESS execution lives in memory only.
        assert_eq!(
            rt.store().execution(handle.execution_arn()).await.unwrap(),
            None
        );
        assert_eq!(
            rt.store().journal(handle.execution_arn()).await.unwrap(),
            None
        );
    });
}

#[test]
fn an_execution_that_waits_long_leaves_memory_and_comes_back_running_nothing_again() {
    let dir = temp_dir("parks");
    let clock = clock();
    session(async {
        let rt = runtime(dir.open(), &clock);
        let before = counted(&rt, "Before");
        let after = counted(&rt, "After");
        let definition = json!({
            "StartAt": "Before",
            "States": {
                "Before": {"Type": "Task", "Resource": lambda("Before"), "Next": "Nap"},
                "Nap": {"Type": "Wait", "Seconds": 3600, "Next": "After"},
                "After": {"Type": "Task", "Resource": lambda("After"), "End": true}
            }
        });
        let wf = rt.load(&definition.to_string()).unwrap();
        // While it waits an hour, its driver lets it go; the read of its history, then its
        // timer, bring it back from its journal.
        let hold = Work::new(&clock);
        let handle = rt.start(&wf, json!({"n": 1})).await.unwrap();
        journaled(&**rt.store(), handle.execution_arn(), 1).await;
        let waiting = rt
            .execution_history(
                handle.execution_arn(),
                workflow_runtime::store::PageRequest::first(1),
                true,
            )
            .await
            .unwrap();
        assert_eq!(waiting.items[0].event_type.as_str(), "WaitStateEntered");
        drop(hold);
        assert_eq!(handle.outcome().await.output(), Some(&json!({"n": 1})));
        assert_eq!(
            before.load(Ordering::SeqCst),
            1,
            "not run again when it came back"
        );
        assert_eq!(after.load(Ordering::SeqCst), 1);
        assert_journal_replays(&rt, &wf, &handle).await;
    });
}
