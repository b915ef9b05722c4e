//! The registry of executions: describe, list, stop by ARN, histories paged and in reverse,
//! names unique per state machine, and the purge of finished executions.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use workflow_runtime::store::{ExecutionFilter, PageRequest, Status};
use workflow_runtime::{
    LoadOptions, RegistryError, Runtime, StartError, TaskContext, TaskError, Work,
};

use crate::common::{
    OpenStore, QUICK, clock, journaled, lambda, named, nap, runtime, session, temp_dir,
};

#[tokio::test(start_paused = true)]
async fn describe_gives_the_record_live_or_not() {
    let rt = Runtime::new();
    let nap = rt.load(&nap(3600)).unwrap();
    let quick = rt.load(QUICK).unwrap();
    let waiting = rt.start(&nap, json!({"n": 1})).await.unwrap();
    let record = rt
        .describe_execution(waiting.execution_arn())
        .await
        .unwrap();
    assert_eq!(record.status, Status::Running);
    assert_eq!(*record.input, json!({"n": 1}));
    assert_eq!((record.stop_date, record.output.as_deref()), (None, None));

    let ended = rt.start(&quick, json!({})).await.unwrap();
    let record = rt.describe_execution(ended.execution_arn()).await.unwrap();
    assert_eq!(record.status, Status::Succeeded);
    assert_eq!(record.output.as_deref(), Some(&json!("done")));
    assert_eq!(record.stop_date, Some(record.start_date));

    rt.stop_execution(
        waiting.execution_arn(),
        Some("Operator".into()),
        Some("enough".into()),
    )
    .await
    .unwrap();
    assert_eq!(waiting.outcome().await.as_str(), "ABORTED");
    let record = rt
        .describe_execution(waiting.execution_arn())
        .await
        .unwrap();
    assert_eq!(record.status, Status::Aborted);
    assert_eq!(
        (record.error.as_deref(), record.cause.as_deref()),
        (Some("Operator"), Some("enough"))
    );
    assert!(record.stop_date.is_some());

    // Stopping it again, now that it has ended, changes nothing (StopExecution lists no
    // error for it).
    rt.stop_execution(waiting.execution_arn(), Some("Again".into()), None)
        .await
        .unwrap();
    assert_eq!(
        rt.describe_execution(waiting.execution_arn())
            .await
            .unwrap(),
        record
    );
    // AWS's bounds on StopExecution's error (256 characters) and cause (32,768).
    let running = rt.start(&nap, json!({"n": 2})).await.unwrap();
    for (error, cause) in [
        ("e".repeat(257), None),
        ("e".repeat(256), Some("c".repeat(32_769))),
    ] {
        let refused = rt
            .stop_execution(running.execution_arn(), Some(error), cause)
            .await;
        assert!(
            matches!(refused, Err(RegistryError::Invalid(_))),
            "{refused:?}"
        );
    }
    rt.stop_execution(
        running.execution_arn(),
        Some("é".repeat(256)),
        Some("c".repeat(32_768)),
    )
    .await
    .unwrap();
    assert_eq!(running.outcome().await.as_str(), "ABORTED");

    let missing = rt
        .describe_execution("arn:aws:states:us-east-1:123456789012:execution:StateMachine:none")
        .await;
    assert!(matches!(
        missing,
        Err(RegistryError::ExecutionDoesNotExist { .. })
    ));
    // As on AWS, an EXPRESS execution has no record.
    let express = rt.load_with(QUICK, &LoadOptions::express()).unwrap();
    let handle = rt.start(&express, json!({})).await.unwrap();
    assert!(matches!(
        rt.describe_execution(handle.execution_arn()).await,
        Err(RegistryError::ExecutionDoesNotExist { .. })
    ));
}

#[tokio::test(start_paused = true)]
async fn executions_are_listed_newest_first_by_state_machine_and_status_in_pages() {
    let rt = Runtime::new();
    let orders = rt
        .register("orders", &nap(3600), &LoadOptions::default())
        .await
        .unwrap();
    let refunds = rt
        .register("refunds", QUICK, &LoadOptions::default())
        .await
        .unwrap();
    // One start a second: the newest first is the last started.
    for n in 1..=5 {
        rt.start_with(&orders, json!({}), &named(&format!("o{n}")))
            .await
            .unwrap();
        rt.start_with(&refunds, json!({}), &named(&format!("r{n}")))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let names = |page: &workflow_runtime::store::Page<workflow_runtime::store::ExecutionRecord>| {
        page.items
            .iter()
            .map(|r| r.name.clone())
            .collect::<Vec<_>>()
    };
    let filter = ExecutionFilter::all().state_machine("orders");
    let first = rt
        .list_executions(&filter, PageRequest::first(2))
        .await
        .unwrap();
    assert_eq!(names(&first), ["o5", "o4"]);
    let second = rt
        .list_executions(&filter, PageRequest::after(2, first.next.unwrap()))
        .await
        .unwrap();
    assert_eq!(names(&second), ["o3", "o2"]);
    let last = rt
        .list_executions(&filter, PageRequest::after(2, second.next.unwrap()))
        .await
        .unwrap();
    assert_eq!((names(&last), last.next), (vec!["o1".to_string()], None));
    // The refunds ended at once, the orders wait.
    let succeeded = rt
        .list_executions(
            &ExecutionFilter::all().status(Status::Succeeded),
            PageRequest::first(10),
        )
        .await
        .unwrap();
    assert_eq!(names(&succeeded), ["r5", "r4", "r3", "r2", "r1"]);
    let all = rt
        .list_executions(&ExecutionFilter::all(), PageRequest::first(100))
        .await
        .unwrap();
    assert_eq!(all.items.len(), 10);
}

#[tokio::test(start_paused = true)]
async fn a_name_is_unique_per_state_machine_but_for_the_same_input_while_it_runs() {
    let rt = Runtime::new();
    let orders = rt
        .register("orders", &nap(3600), &LoadOptions::default())
        .await
        .unwrap();
    let other = rt
        .register("other", &nap(3600), &LoadOptions::default())
        .await
        .unwrap();
    let first = rt
        .start_with(&orders, json!({"n": 1}), &named("order-1"))
        .await
        .unwrap();
    // StartExecution is idempotent: the same name and input while it runs is that execution.
    let again = rt
        .start_with(&orders, json!({"n": 1}), &named("order-1"))
        .await
        .unwrap();
    assert_eq!(again.execution_arn(), first.execution_arn());
    // Another input: refused.
    let refused = rt
        .start_with(&orders, json!({"n": 2}), &named("order-1"))
        .await;
    assert!(
        matches!(&refused, Err(StartError::ExecutionAlreadyExists { arn }) if arn == first.execution_arn()),
        "{refused:?}"
    );
    // The same name in another state machine is another execution.
    let elsewhere = rt
        .start_with(&other, json!({"n": 1}), &named("order-1"))
        .await
        .unwrap();
    assert_ne!(elsewhere.execution_arn(), first.execution_arn());
    // Once it has ended, even the same input is refused.
    first.stop(None, None).await.unwrap();
    first.outcome().await;
    let after_end = rt
        .start_with(&orders, json!({"n": 1}), &named("order-1"))
        .await;
    assert!(matches!(
        after_end,
        Err(StartError::ExecutionAlreadyExists { .. })
    ));
    // A name AWS refuses (it goes into the ARN).
    let bad = rt.start_with(&orders, json!({}), &named("order 1")).await;
    assert!(matches!(bad, Err(StartError::InvalidName(_))), "{bad:?}");
}

#[tokio::test(start_paused = true)]
async fn histories_are_read_in_pages_and_in_reverse() {
    let rt = Runtime::new();
    rt.bind_lambda("Echo", |input: Value, _ctx: TaskContext| async move {
        Ok::<_, TaskError>(input)
    });
    let definition = json!({
        "StartAt": "A",
        "States": {
            "A": {"Type": "Task", "Resource": lambda("Echo"), "Next": "B"},
            "B": {"Type": "Wait", "Seconds": 10, "Next": "C"},
            "C": {"Type": "Pass", "End": true}
        }
    });
    let wf = rt.load(&definition.to_string()).unwrap();
    let handle = rt.start(&wf, json!({})).await.unwrap();
    // While it runs: from memory, the events so far.
    let live = rt
        .execution_history(handle.execution_arn(), PageRequest::first(100), false)
        .await
        .unwrap();
    handle.outcome().await;
    let full = handle.history().await;
    assert!(!live.items.is_empty() && live.items.len() < full.len());
    assert_eq!(live.items[..], full[..live.items.len()]);
    assert!(full.len() > 5);
    let mut paged = Vec::new();
    let mut page = PageRequest::first(3);
    loop {
        let got = rt
            .execution_history(handle.execution_arn(), page, false)
            .await
            .unwrap();
        assert!(got.items.len() <= 3);
        paged.extend(got.items);
        match got.next {
            Some(token) => page = PageRequest::after(3, token),
            None => break,
        }
    }
    assert_eq!(paged, full);
    let reversed = rt
        .execution_history(handle.execution_arn(), PageRequest::first(1000), true)
        .await
        .unwrap();
    let mut expected = full.clone();
    expected.reverse();
    assert_eq!(reversed.items, expected);
    assert_eq!(reversed.items[0].event_type.as_str(), "ExecutionSucceeded");
    // A token is read back only by the listing that gave it, with the same arguments (AWS:
    // "keep all other arguments unchanged", else InvalidToken): not with the other order, nor
    // for another execution; a made-up one is no token.
    let first = rt
        .execution_history(handle.execution_arn(), PageRequest::first(3), false)
        .await
        .unwrap();
    let token = first.next.expect("more than one page");
    let other = rt.start(&wf, json!({})).await.unwrap();
    other.outcome().await;
    for (arn, reverse, token) in [
        (handle.execution_arn(), false, "not-a-token"),
        (handle.execution_arn(), false, "3"),
        (handle.execution_arn(), true, token.as_str()),
        (other.execution_arn(), false, token.as_str()),
    ] {
        let bad = rt
            .execution_history(arn, PageRequest::after(3, token), reverse)
            .await;
        assert!(
            matches!(&bad, Err(RegistryError::InvalidToken(t)) if t == token),
            "{token} ({reverse}): {bad:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn the_history_of_an_execution_that_ended_at_once_is_kept_too() {
    let rt = Runtime::builder().seed(3).build();
    let wf = rt
        .load(r#"{"StartAt": "Id", "States": {"Id": {"Type": "Pass", "Parameters": {"id.$": "States.UUID()"}, "End": true}}}"#)
        .unwrap();
    let handle = rt.start(&wf, json!({"x": 1})).await.unwrap();
    let read = rt
        .execution_history(handle.execution_arn(), PageRequest::first(100), false)
        .await
        .unwrap();
    // Rebuilt from its start with the same random numbers: the same UUID, the same name.
    assert_eq!(read.items, handle.history().await);
}

#[test]
fn a_durable_store_rebuilds_any_history_and_stops_an_execution_no_runtime_drives() {
    let dir = temp_dir("registry");
    let clock = clock();
    let calls = Arc::new(AtomicUsize::new(0));
    let bind = |rt: &Runtime| {
        let calls = calls.clone();
        rt.bind_lambda("Count", move |input: Value, _ctx: TaskContext| {
            calls.fetch_add(1, Ordering::SeqCst);
            async move { Ok::<_, TaskError>(input) }
        });
    };
    let definition = json!({
        "StartAt": "Count",
        "States": {
            "Count": {"Type": "Task", "Resource": lambda("Count"), "Next": "Nap"},
            "Nap": {"Type": "Wait", "Seconds": 3600, "End": true}
        }
    });
    let (ended, waiting, history) = session(async {
        let rt = runtime(dir.open(), &clock);
        bind(&rt);
        let wf = rt.load(&definition.to_string()).unwrap();
        let ended = rt
            .start_with(&wf, json!({}), &named("ended"))
            .await
            .unwrap();
        ended.outcome().await;
        // Time stands still from here to the end of the session: `waiting` waits.
        let _hold = Work::new(&clock);
        let waiting = rt
            .start_with(&wf, json!({}), &named("waiting"))
            .await
            .unwrap();
        journaled(&**rt.store(), waiting.execution_arn(), 1).await;
        (
            ended.execution_arn().to_string(),
            waiting.execution_arn().to_string(),
            ended.history().await,
        )
    });
    assert_eq!(calls.swap(0, Ordering::SeqCst), 2);
    session(async {
        // A new process that has not resumed: it reads and stops from the store alone.
        let rt = runtime(dir.open(), &clock);
        let read = rt
            .execution_history(&ended, PageRequest::first(1000), false)
            .await
            .unwrap();
        assert_eq!(read.items, history, "rebuilt by replaying the journal");
        rt.stop_execution(&waiting, Some("Operator".into()), None)
            .await
            .unwrap();
        let record = rt.describe_execution(&waiting).await.unwrap();
        assert_eq!(record.status, Status::Aborted);
        assert_eq!(record.error.as_deref(), Some("Operator"));
        let stopped = rt
            .execution_history(&waiting, PageRequest::first(1), true)
            .await
            .unwrap();
        assert_eq!(stopped.items[0].event_type.as_str(), "ExecutionAborted");
        assert!(
            rt.resume().await.unwrap().is_empty(),
            "nothing is left running"
        );
    });
    assert_eq!(calls.load(Ordering::SeqCst), 0, "the stop ran nothing");
}

#[test]
fn finished_executions_are_purged_after_their_retention_and_their_names_freed() {
    let dir = temp_dir("purge");
    let clock = clock();
    session(async {
        let rt = Runtime::builder()
            .clock(clock.clone())
            .store(dir.open())
            .retention(Duration::from_secs(3600))
            .build();
        let quick = rt.load(QUICK).unwrap();
        let nap = rt
            .load(r#"{"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 7200, "End": true}}}"#)
            .unwrap();
        let old = rt
            .start_with(&quick, json!({}), &named("old"))
            .await
            .unwrap();
        // Two hours later (the Wait), `old` is past its retention of an hour.
        let later = rt
            .start_with(&nap, json!({}), &named("later"))
            .await
            .unwrap();
        later.outcome().await;
        // A purge comes with the next resume (and hourly while the runtime runs).
        rt.resume().await.unwrap();
        assert!(matches!(
            rt.describe_execution(old.execution_arn()).await,
            Err(RegistryError::ExecutionDoesNotExist { .. })
        ));
        assert_eq!(
            rt.describe_execution(later.execution_arn())
                .await
                .unwrap()
                .status,
            Status::Succeeded,
            "ended an hour ago at most: kept"
        );
        // Its name can be used again.
        let again = rt
            .start_with(&quick, json!({}), &named("old"))
            .await
            .unwrap();
        assert_eq!(again.outcome().await.as_str(), "SUCCEEDED");
    });
}

/// A Task (so that the execution runs in its driver, rather than ending as it starts) then
/// `passes` Pass states, then a Succeed or a Fail state.
fn task_then_passes(passes: usize, fail: bool) -> Value {
    let mut states = serde_json::Map::new();
    states.insert(
        "Echo".to_string(),
        json!({"Type": "Task", "Resource": lambda("Echo"), "Next": "P0"}),
    );
    for n in 0..passes {
        let next = match n + 1 < passes {
            true => format!("P{}", n + 1),
            false => "End".to_string(),
        };
        states.insert(format!("P{n}"), json!({"Type": "Pass", "Next": next}));
    }
    let end = match fail {
        true => json!({"Type": "Fail", "Error": "Stop"}),
        false => json!({"Type": "Succeed"}),
    };
    states.insert("End".to_string(), end);
    json!({"StartAt": "Echo", "States": states})
}

#[tokio::test(start_paused = true)]
async fn the_default_store_keeps_a_few_short_succeeded_histories_and_failed_executions_whole() {
    let rt = Runtime::new();
    rt.bind_lambda("Echo", |input: Value, _ctx: TaskContext| async move {
        Ok::<_, TaskError>(input)
    });
    let failing = rt.load(&task_then_passes(300, true).to_string()).unwrap();
    let succeeding = rt.load(&task_then_passes(100, false).to_string()).unwrap();
    let failed = rt.start(&failing, json!({})).await.unwrap();
    assert_eq!(failed.outcome().await.as_str(), "FAILED");
    // Over the 500 events kept of succeeded histories, under the 2,000 kept in all.
    assert!((500..2_000).contains(&failed.history().await.len()));
    let mut succeeded = Vec::new();
    for _ in 0..4 {
        let handle = rt.start(&succeeding, json!({})).await.unwrap();
        assert_eq!(handle.outcome().await.as_str(), "SUCCEEDED");
        succeeded.push(handle);
    }
    // Each succeeded history is about 200 events: the last ones that fit in 500 are kept,
    // the first to end went first.
    let events = succeeded[0].history().await.len();
    let kept = 500 / events;
    assert!((1..4).contains(&kept), "{events} events each");
    for (n, handle) in succeeded.iter().enumerate() {
        let read = rt
            .execution_history(handle.execution_arn(), PageRequest::first(1000), false)
            .await;
        match n >= succeeded.len() - kept {
            true => assert_eq!(read.unwrap().items, handle.history().await),
            false => assert!(
                matches!(read, Err(RegistryError::HistoryUnavailable { .. })),
                "{n}: {read:?}"
            ),
        }
    }
    // The failed execution is still held whole: it can be redriven.
    let status = rt.redrive_status(failed.execution_arn()).await.unwrap();
    assert_eq!(status.as_str(), "REDRIVABLE");
}
