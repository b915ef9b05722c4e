//! Redrive in the runtime (`Runtime::redrive`, `redrive_with`, `redrive_status`), as AWS's
//! `RedriveExecution`. What AWS does comes from its API reference
//! (<https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html>:
//! "Restarts unsuccessful executions of Standard workflows that didn't complete successfully
//! in the last 14 days", "reschedules and redrives only the iterations and branches that
//! failed or aborted", "not supported by EXPRESS state machines", the errors
//! `ExecutionDoesNotExist` and `ExecutionNotRedrivable`), from `DescribeExecution`'s
//! `redriveCount`, `redriveDate`, `redriveStatus` and `redriveStatusReason`, and from the guide
//! (<https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html>: the
//! successful steps "are not rerun"; the history limit and the year an execution may be open).
//! Other expectations are reasoned beside them.
//!
//! Most scenarios run twice: on the default store under tokio's paused clock, and on a SQLite
//! file, where the execution is rebuilt from its journal and the redrive journaled. The
//! crashes (a session's tokio runtime and store dropped) are on SQLite only.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use workflow_core::execution::{FitError, RedriveError as Refusal};
use workflow_runtime::store::testing::{FaultyStore, WriteKind};
use workflow_runtime::store::{MemoryStore, PageRequest, Status};
use workflow_runtime::{
    Clock, EventType, ExecutionHandle, ExecutionStatus, HistoryEvent, LoadOptions, RedriveError,
    RedriveOptions, RegistryError, Runtime, TaskContext, TaskError, Work,
};

use crate::common::{
    OpenStore, TempDir, assert_same_run, clock, journaled, lambda, named, newest, resumed, runtime,
    session, temp_dir, types,
};

const DAY_MS: i64 = 24 * 3600 * 1000;

/// A Fail state alone: an execution that fails as it starts, and again at each redrive.
const FAIL_AT_ONCE: &str =
    r#"{"StartAt": "Stop", "States": {"Stop": {"Type": "Fail", "Error": "Stop"}}}"#;

/// A Task calling the Lambda function `Work` with `name`, the execution's redrive count
/// (`$$.Execution.RedriveCount`: 0 before the first redrive) and `extra`'s fields.
fn work(name: &str, extra: Value) -> Value {
    let mut parameters = json!({"name": name, "attempt.$": "$$.Execution.RedriveCount"});
    if let (Some(p), Value::Object(extra)) = (parameters.as_object_mut(), extra) {
        p.extend(extra);
    }
    json!({"Type": "Task", "Resource": lambda("Work"), "Parameters": parameters})
}

/// `state` with `field` set to `value`.
fn with(mut state: Value, field: &str, value: Value) -> Value {
    state[field] = value;
    state
}

/// Counts the calls of `Work` by `name`, and fails the ones its rule picks.
#[derive(Clone, Default)]
struct Worker {
    calls: Arc<Mutex<BTreeMap<String, usize>>>,
}

impl Worker {
    /// Binds `Work` on `rt`: a call that `fails` picks fails with `Boom`, any other answers
    /// `{"done": name}`.
    fn bind(&self, rt: &Runtime, fails: fn(&Value) -> bool) {
        let calls = self.calls.clone();
        rt.bind_lambda("Work", move |input: Value, _ctx: TaskContext| {
            let name = input["name"].as_str().unwrap_or_default().to_string();
            *calls.lock().unwrap().entry(name.clone()).or_default() += 1;
            let answer = match fails(&input) {
                true => Err(TaskError::new("Boom", format!("{name} broke"))),
                false => Ok(json!({ "done": name })),
            };
            async move { answer }
        });
    }

    /// How many times each name was called.
    fn calls(&self) -> BTreeMap<String, usize> {
        self.calls.lock().unwrap().clone()
    }
}

/// The calls of `names`, in the map `Worker::calls` gives.
fn counted(names: &[(&str, usize)]) -> BTreeMap<String, usize> {
    names.iter().map(|(n, c)| (n.to_string(), *c)).collect()
}

/// Fails the calls made before the first redrive of the task named `b`, `c` or `charge`.
fn first_attempt_of_b_c_or_charge(input: &Value) -> bool {
    ["b", "c", "charge"].contains(&input["name"].as_str().unwrap_or_default())
        && input["attempt"] == 0
}

/// Runs `scenario` with a runtime on the default store under tokio's paused clock, then with
/// one on a SQLite file of its own (`label`).
fn on_both_stores<F: Future<Output = ()>>(label: &str, scenario: impl Fn(Runtime) -> F) {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap()
        .block_on(async { scenario(Runtime::builder().seed(7).build()).await });
    let dir = temp_dir(label);
    let clock = clock();
    session(async { scenario(runtime(dir.open(), &clock)).await });
}

/// Registers `definition` as `orders` and runs it on `input` to its end: the execution's
/// handle.
async fn run(rt: &Runtime, definition: &Value, input: Value, name: &str) -> ExecutionHandle {
    let wf = rt
        .register("orders", &definition.to_string(), &LoadOptions::default())
        .await
        .unwrap();
    let handle = rt.start_with(&wf, input, &named(name)).await.unwrap();
    handle.outcome().await;
    handle
}

/// How many events of `event_type` `history` holds.
fn count(history: &[HistoryEvent], event_type: EventType) -> usize {
    history
        .iter()
        .filter(|e| e.event_type == event_type)
        .count()
}

/// The history the registry gives (on SQLite: rebuilt from the journal, the redrives
/// replayed).
async fn registry_history(rt: &Runtime, arn: &str) -> Vec<HistoryEvent> {
    rt.execution_history(arn, PageRequest::first(1000), false)
        .await
        .unwrap()
        .items
}

/// Redrives the execution `arn` with `options` to its end: how it ended and its history,
/// which the registry gives too (on SQLite: rebuilt from the journal, through the redrive).
async fn redrive_to_the_end(
    rt: &Runtime,
    arn: &str,
    options: &RedriveOptions,
) -> (ExecutionStatus, Vec<HistoryEvent>) {
    let redriven = rt.redrive_with(arn, options).await.unwrap();
    assert_eq!(redriven.execution_arn(), arn, "the same ARN");
    let outcome = redriven.outcome().await;
    let history = redriven.history().await;
    assert_eq!(registry_history(rt, arn).await, history);
    (outcome, history)
}

/// Reserve, then Charge.
fn reserve_then_charge(charge_extra: Value) -> Value {
    json!({
        "StartAt": "Reserve",
        "States": {
            "Reserve": with(work("reserve", json!({})), "Next", json!("Charge")),
            "Charge": with(work("charge", charge_extra), "End", json!(true)),
        }
    })
}

/// Reserve then Charge, run as `name` with Charge failing: the worker and the handle.
async fn failed_order(rt: &Runtime, name: &str) -> (Worker, ExecutionHandle) {
    let worker = Worker::default();
    worker.bind(rt, first_attempt_of_b_c_or_charge);
    let handle = run(rt, &reserve_then_charge(json!({})), json!({}), name).await;
    assert_eq!(handle.outcome().await.as_str(), "FAILED");
    (worker, handle)
}

#[test]
fn a_failed_task_runs_again_and_the_one_before_it_does_not() {
    on_both_stores("redrive-chain", |rt| async move {
        let (worker, handle) = failed_order(&rt, "order-1").await;
        let arn = handle.execution_arn();
        let before = rt.describe_execution(arn).await.unwrap();
        assert_eq!((before.redrive_count, before.redrive_date), (0, None));
        let status = rt.redrive_status(arn).await.unwrap();
        assert_eq!((status.as_str(), status.reason()), ("REDRIVABLE", None));

        let (outcome, history) = redrive_to_the_end(&rt, arn, &RedriveOptions::default()).await;
        // Charge's result replaces the input, which held Reserve's.
        assert_eq!(outcome.output(), Some(&json!({"done": "charge"})));
        // "Step Functions preserves the results ... of the successful steps, and doesn't
        // rerun these steps".
        assert_eq!(worker.calls(), counted(&[("reserve", 1), ("charge", 2)]));
        assert_eq!(count(&history, EventType::ExecutionRedriven), 1);
        let at = history
            .iter()
            .position(|e| e.event_type == EventType::ExecutionRedriven)
            .unwrap();
        let redrive = &history[at];
        assert_eq!(
            history[at - 1].event_type,
            EventType::ExecutionFailed,
            "the redrive follows the end of the first attempt"
        );
        // ExecutionRedrivenEventDetails.redriveCount: "the number of times you've redriven".
        assert_eq!(
            redrive.to_aws_json()["executionRedrivenEventDetails"]["redriveCount"],
            1
        );

        // DescribeExecution: the redrive count and the date of the last redrive.
        let record = rt.describe_execution(arn).await.unwrap();
        assert_eq!(record.status, Status::Succeeded);
        assert_eq!(record.redrive_count, 1);
        assert_eq!(record.redrive_date, Some(redrive.timestamp));
        assert_eq!(record.stop_date, history.last().map(|e| e.timestamp));
        assert_eq!((record.error, record.cause), (None, None));
        assert_eq!(record.output.as_deref(), outcome.output());
        let status = rt.redrive_status(arn).await.unwrap();
        assert_eq!(status.as_str(), "NOT_REDRIVABLE");
        assert_eq!(
            status.reason().as_deref(),
            Some("Execution is SUCCEEDED and cannot be redriven.")
        );
    });
}

#[test]
fn a_parallel_runs_only_its_failed_branch_again() {
    on_both_stores("redrive-parallel", |rt| async move {
        let worker = Worker::default();
        worker.bind(&rt, first_attempt_of_b_c_or_charge);
        // Branch b waits a second before its task: a and c have succeeded by then, so that
        // b's failure aborts nothing still running.
        let branch = |name: &str| json!({"StartAt": name, "States": {name: with(work(name, json!({})), "End", json!(true))}});
        let waited = json!({
            "StartAt": "Pause",
            "States": {
                "Pause": {"Type": "Wait", "Seconds": 1, "Next": "b"},
                "b": with(work("b", json!({})), "End", json!(true)),
            }
        });
        let definition = json!({
            "StartAt": "Fan",
            "States": {"Fan": {"Type": "Parallel", "Branches": [branch("a"), waited, branch("d")], "End": true}}
        });
        let handle = run(&rt, &definition, json!({}), "fan").await;
        assert_eq!(handle.outcome().await.as_str(), "FAILED");
        assert_eq!(worker.calls(), counted(&[("a", 1), ("b", 1), ("d", 1)]));
        let arn = handle.execution_arn();
        let (outcome, _) = redrive_to_the_end(&rt, arn, &RedriveOptions::default()).await;
        // "redrives only the iterations and branches that failed or aborted".
        assert_eq!(worker.calls(), counted(&[("a", 1), ("b", 2), ("d", 1)]));
        // Every branch's result, in the order of the branches.
        assert_eq!(
            outcome.output(),
            Some(&json!([{"done": "a"}, {"done": "b"}, {"done": "d"}]))
        );
    });
}

#[test]
fn a_map_runs_only_its_failed_iteration_and_the_ones_never_started() {
    on_both_stores("redrive-map", |rt| async move {
        let worker = Worker::default();
        worker.bind(&rt, first_attempt_of_b_c_or_charge);
        // One iteration at a time: a and b run, b fails, c and d never start.
        let definition = json!({
            "StartAt": "Each",
            "States": {"Each": {
                "Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1,
                "ItemProcessor": {"StartAt": "Item", "States": {"Item": {
                    "Type": "Task", "Resource": lambda("Work"),
                    "Parameters": {"name.$": "$", "attempt.$": "$$.Execution.RedriveCount"},
                    "End": true
                }}},
                "End": true
            }}
        });
        let input = json!({"items": ["a", "b", "c", "d"]});
        let handle = run(&rt, &definition, input, "each").await;
        assert_eq!(handle.outcome().await.as_str(), "FAILED");
        assert_eq!(worker.calls(), counted(&[("a", 1), ("b", 1)]));
        let arn = handle.execution_arn();
        let (outcome, _) = redrive_to_the_end(&rt, arn, &RedriveOptions::default()).await;
        // c fails only before the first redrive, when it never ran.
        assert_eq!(
            worker.calls(),
            counted(&[("a", 1), ("b", 2), ("c", 1), ("d", 1)])
        );
        let done: Vec<Value> = ["a", "b", "c", "d"].map(|n| json!({ "done": n })).into();
        assert_eq!(outcome.output(), Some(&Value::Array(done)));
    });
}

#[test]
fn a_patched_definition_fixes_a_field_and_is_the_next_revision() {
    on_both_stores("redrive-patch", |rt| async move {
        let worker = Worker::default();
        worker.bind(&rt, |input| input["card"] == "expired");
        let handle = run(
            &rt,
            &reserve_then_charge(json!({"card": "expired"})),
            json!({}),
            "order-2",
        )
        .await;
        let arn = handle.execution_arn();
        // With the same definition (AWS's redrive), Charge fails again.
        let again = rt.redrive(arn).await.unwrap();
        assert_eq!(again.outcome().await.as_str(), "FAILED");
        let patch = reserve_then_charge(json!({"card": "valid"})).to_string();
        let options = RedriveOptions::default().definition(patch.clone());
        let (outcome, _) = redrive_to_the_end(&rt, arn, &options).await;
        assert_eq!(outcome.output(), Some(&json!({"done": "charge"})));
        assert_eq!(worker.calls(), counted(&[("reserve", 1), ("charge", 3)]));
        let record = rt.describe_execution(arn).await.unwrap();
        assert_eq!(
            (record.status, record.redrive_count),
            (Status::Succeeded, 2)
        );
        assert_eq!(record.revision, 1, "the revision it started with");
        let machine = newest(&rt, "orders").await.unwrap();
        assert_eq!((machine.revision, machine.definition), (2, patch));
    });
}

#[test]
fn a_patch_that_does_not_fit_is_refused_and_changes_nothing() {
    on_both_stores("redrive-misfit", |rt| async move {
        let (worker, handle) = failed_order(&rt, "order-3").await;
        let arn = handle.execution_arn();
        let record = rt.describe_execution(arn).await.unwrap();
        let history = registry_history(&rt, arn).await;
        // Charge, where the execution stopped, is renamed Pay.
        let renamed = reserve_then_charge(json!({}))
            .to_string()
            .replace("\"Charge\"", "\"Pay\"");
        let refused = rt
            .redrive_with(arn, &RedriveOptions::default().definition(renamed))
            .await
            .unwrap_err();
        assert!(
            matches!(
                &refused,
                RedriveError::Refused(Refusal::DoesNotFit(FitError::StateMissing { state, .. })) if state == "Charge"
            ),
            "{refused:?}"
        );
        assert_eq!(
            refused.to_string(),
            "the new definition does not fit the execution: the state 'Charge' in the top level, where the execution stopped, is not in the new definition"
        );
        assert_eq!(refused.aws_error(), None, "AWS has no patched redrive");
        // A definition that does not load is refused with its problems.
        let invalid = r#"{"StartAt": "Nowhere", "States": {}}"#;
        let refused = rt
            .redrive_with(arn, &RedriveOptions::default().definition(invalid))
            .await
            .unwrap_err();
        assert!(
            matches!(refused, RedriveError::Definition(_)),
            "{refused:?}"
        );
        // Nothing changed: no revision, the record and the history as they were.
        assert_eq!(newest(&rt, "orders").await.unwrap().revision, 1);
        assert_eq!(rt.describe_execution(arn).await.unwrap(), record);
        assert_eq!(registry_history(&rt, arn).await, history);
        assert_eq!(worker.calls(), counted(&[("reserve", 1), ("charge", 1)]));
        // And it can still be redriven.
        let redriven = rt.redrive(arn).await.unwrap();
        assert_eq!(redriven.outcome().await.as_str(), "SUCCEEDED");
    });
}

#[test]
fn the_redrivable_period_is_fourteen_days_from_the_end_on_the_runtimes_clock() {
    on_both_stores("redrive-period", |rt| async move {
        let (worker, handle) = failed_order(&rt, "order-4").await;
        let arn = handle.execution_arn();
        let stopped = rt.describe_execution(arn).await.unwrap().stop_date.unwrap();
        // "didn't complete successfully in the last 14 days": 14 days after its end it still
        // may be redriven, a millisecond later it may not.
        rt.clock().advance_to(stopped + 14 * DAY_MS);
        assert_eq!(rt.redrive_status(arn).await.unwrap().as_str(), "REDRIVABLE");
        rt.clock().advance_to(stopped + 14 * DAY_MS + 1);
        let status = rt.redrive_status(arn).await.unwrap();
        assert_eq!(
            status.reason().as_deref(),
            Some("Execution redrivable period exceeded.")
        );
        let refused = rt.redrive(arn).await.unwrap_err();
        assert!(
            matches!(
                refused,
                RedriveError::Refused(Refusal::RedrivablePeriodExceeded { since }) if since == 14 * DAY_MS + 1
            ),
            "{refused:?}"
        );
        assert_eq!(refused.aws_error(), Some("ExecutionNotRedrivable"));
        assert_eq!(rt.describe_execution(arn).await.unwrap().redrive_count, 0);
        assert_eq!(worker.calls(), counted(&[("reserve", 1), ("charge", 1)]));
    });
}

#[tokio::test(start_paused = true)]
async fn aws_refusals() {
    let rt = Runtime::builder().seed(7).build();
    let worker = Worker::default();
    worker.bind(&rt, first_attempt_of_b_c_or_charge);

    // An ARN no execution has.
    let unknown = "arn:aws:states:us-east-1:123456789012:execution:orders:nobody";
    let refused = rt.redrive(unknown).await.unwrap_err();
    assert_eq!(
        refused.to_string(),
        format!("Execution Does Not Exist: '{unknown}'")
    );
    assert_eq!(refused.aws_error(), Some("ExecutionDoesNotExist"));
    assert!(matches!(
        rt.redrive_status(unknown).await,
        Err(RegistryError::ExecutionDoesNotExist { .. })
    ));

    // Running (in a Wait), and running again once redriven.
    let napping = json!({"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 3600, "End": true}}});
    let wf = rt
        .register("naps", &napping.to_string(), &LoadOptions::default())
        .await
        .unwrap();
    let waiting = rt.start(&wf, json!({})).await.unwrap();
    let refused = rt.redrive(waiting.execution_arn()).await.unwrap_err();
    assert!(
        matches!(refused, RedriveError::Refused(Refusal::Running)),
        "{refused:?}"
    );
    assert_eq!(
        refused.to_string(),
        "ExecutionNotRedrivable: Execution is RUNNING and cannot be redriven."
    );
    assert_eq!(refused.aws_error(), Some("ExecutionNotRedrivable"));
    let status = rt.redrive_status(waiting.execution_arn()).await.unwrap();
    assert_eq!(
        (status.as_str(), status.reason().as_deref()),
        (
            "NOT_REDRIVABLE",
            Some("Execution is RUNNING and cannot be redriven.")
        )
    );
    let definition = with(
        reserve_then_charge(json!({})),
        "States",
        json!({
            "Reserve": with(work("reserve", json!({})), "Next", json!("Charge")),
            "Charge": with(work("charge", json!({})), "Next", json!("Nap")),
            "Nap": {"Type": "Wait", "Seconds": 60, "End": true},
        }),
    );
    let failed = run(&rt, &definition, json!({}), "order-5").await;
    let redriven = rt.redrive(failed.execution_arn()).await.unwrap();
    let twice = rt.redrive(failed.execution_arn()).await.unwrap_err();
    assert!(
        matches!(twice, RedriveError::Refused(Refusal::Running)),
        "{twice:?}"
    );
    assert_eq!(redriven.outcome().await.as_str(), "SUCCEEDED");

    // Succeeded.
    let refused = rt.redrive(failed.execution_arn()).await.unwrap_err();
    assert_eq!(
        refused.to_string(),
        "ExecutionNotRedrivable: Execution is SUCCEEDED and cannot be redriven."
    );

    // EXPRESS: "This API action is not supported by EXPRESS state machines."
    let express = rt.load_with(FAIL_AT_ONCE, &LoadOptions::express()).unwrap();
    let ended = rt.start(&express, json!({})).await.unwrap();
    assert_eq!(ended.outcome().await.as_str(), "FAILED");
    let refused = rt.redrive(ended.execution_arn()).await.unwrap_err();
    assert!(
        matches!(refused, RedriveError::Refused(Refusal::Express)),
        "{refused:?}"
    );
    assert_eq!(refused.aws_error(), Some("ExecutionNotRedrivable"));

    // The history quota: the failed history holds 6 events (ExecutionStarted,
    // TaskStateEntered, TaskScheduled, TaskStarted, TaskFailed, ExecutionFailed); a redrive
    // needs room for ExecutionRedriven "and at least one other history event" (the guide).
    let one_task = json!({"StartAt": "Charge", "States": {"Charge": with(work("charge", json!({})), "End", json!(true))}});
    let wf = rt
        .register("quota", &one_task.to_string(), &LoadOptions::default())
        .await
        .unwrap();
    for (limit, redrivable) in [(7, false), (8, true)] {
        let options = named(&format!("quota-{limit}")).with_history_limit(limit);
        let handle = rt.start_with(&wf, json!({}), &options).await.unwrap();
        assert_eq!(handle.outcome().await.as_str(), "FAILED");
        assert_eq!(handle.history().await.len(), 6);
        let status = rt.redrive_status(handle.execution_arn()).await.unwrap();
        match redrivable {
            true => assert_eq!(status.as_str(), "REDRIVABLE", "{limit}"),
            false => assert_eq!(
                status.reason().as_deref(),
                Some("Execution history event limit exceeded.")
            ),
        }
    }

    // A year after its start: "Execution has exceeded the max execution time."
    let late = json!({"StartAt": "Nap", "States": {
        "Nap": {"Type": "Wait", "Seconds": 364 * 24 * 3600, "Next": "Charge"},
        "Charge": with(work("charge", json!({})), "End", json!(true)),
    }});
    let handle = run(&rt, &late, json!({}), "late").await;
    let started = rt
        .describe_execution(handle.execution_arn())
        .await
        .unwrap()
        .start_date;
    rt.clock().advance_to(started + 365 * DAY_MS + 1);
    let refused = rt.redrive(handle.execution_arn()).await.unwrap_err();
    assert!(
        matches!(
            refused,
            RedriveError::Refused(Refusal::MaxExecutionTimeExceeded)
        ),
        "{refused:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_store_without_a_journal_redrives_what_its_runtime_holds() {
    let store = Arc::new(MemoryStore::new());
    let ran = Runtime::builder().store(store.clone()).build();
    let other = Runtime::builder().store(store.clone()).build();
    for rt in [&ran, &other] {
        Worker::default().bind(rt, first_attempt_of_b_c_or_charge);
    }
    let handle = run(&ran, &reserve_then_charge(json!({})), json!({}), "order-6").await;
    // Another runtime on the same store sees the record, not the execution: nothing can
    // rebuild it.
    let refused = other.redrive(handle.execution_arn()).await.unwrap_err();
    assert!(
        matches!(refused, RedriveError::NotKept { .. }),
        "{refused:?}"
    );
    assert_eq!(refused.aws_error(), Some("ExecutionNotRedrivable"));
    let status = other.redrive_status(handle.execution_arn()).await.unwrap();
    assert_eq!(status.as_str(), "NOT_REDRIVABLE");
    // The runtime that ran it holds it.
    let redriven = ran.redrive(handle.execution_arn()).await.unwrap();
    assert_eq!(redriven.outcome().await.as_str(), "SUCCEEDED");

    // One that ended as it started (a Fail state) is started again from what was kept of it,
    // and fails again: "Fail state is entered again and fails again" (reasoned: a Fail state
    // fails whatever its input).
    // The default store keeps what replays it with its record; another, the runtime.
    for rt in [&ran, &Runtime::new()] {
        let wf = rt.load(FAIL_AT_ONCE).unwrap();
        let ended = rt.start(&wf, json!({})).await.unwrap();
        for redrives in 1..=2 {
            let redriven = rt.redrive(ended.execution_arn()).await.unwrap();
            assert_eq!(redriven.outcome().await.as_str(), "FAILED");
            let record = rt.describe_execution(ended.execution_arn()).await.unwrap();
            assert_eq!(
                (record.status, record.redrive_count),
                (Status::Failed, redrives)
            );
            let history = registry_history(rt, ended.execution_arn()).await;
            assert_eq!(history, redriven.history().await, "the last run's history");
            assert_eq!(
                count(&history, EventType::ExecutionFailed),
                redrives as usize + 1
            );
        }
    }
}

/// Charge (with `charge_extra`), then an hour's Wait.
fn charge_then_nap(charge_extra: Value) -> Value {
    json!({
        "StartAt": "Charge",
        "States": {
            "Charge": with(work("charge", charge_extra), "Next", json!("Nap")),
            "Nap": {"Type": "Wait", "Seconds": 3600, "Next": "Done"},
            "Done": {"Type": "Pass", "End": true},
        }
    })
}

/// A session on the store in `dir` that runs `definition` as `order` with `worker` bound
/// (failing the calls its rule picks), redrives it with `options` and crashes while the
/// redriven execution waits in Nap: the execution's ARN.
fn redriven_then_crashed(
    dir: &TempDir,
    clock: &Arc<dyn Clock>,
    worker: &Worker,
    fails: fn(&Value) -> bool,
    definition: &Value,
    options: &RedriveOptions,
) -> String {
    session(async {
        let rt = runtime(dir.open(), clock);
        worker.bind(&rt, fails);
        let handle = run(&rt, definition, json!({}), "order").await;
        // Time stands still until the crash: the redriven execution waits in Nap.
        let _hold = Work::new(clock);
        rt.redrive_with(handle.execution_arn(), options)
            .await
            .unwrap();
        // Charge's failure, the redrive, Charge's success: the crash comes in the Wait.
        journaled(&**rt.store(), handle.execution_arn(), 3).await;
        handle.execution_arn().to_string()
    })
}

#[test]
fn a_redriven_execution_that_crashes_is_resumed_through_its_redrive() {
    // Charge fails before the first redrive.
    let definition = charge_then_nap(json!({}));
    let worker = Worker::default();
    // Uninterrupted: fails, redriven, succeeds.
    let expected = {
        let dir = temp_dir("redrive-uninterrupted");
        let clock = clock();
        session(async {
            let rt = runtime(dir.open(), &clock);
            Worker::default().bind(&rt, first_attempt_of_b_c_or_charge);
            let handle = run(&rt, &definition, json!({}), "order").await;
            let redriven = rt.redrive(handle.execution_arn()).await.unwrap();
            (redriven.outcome().await, redriven.history().await)
        })
    };
    let dir = temp_dir("redrive-crash");
    let clock = clock();
    let fails = first_attempt_of_b_c_or_charge;
    let options = RedriveOptions::default();
    let arn = redriven_then_crashed(&dir, &clock, &worker, fails, &definition, &options);
    assert_eq!(worker.calls(), counted(&[("charge", 2)]));
    let (status, history) = session(async {
        let rt = runtime(dir.open(), &clock);
        worker.bind(&rt, first_attempt_of_b_c_or_charge);
        // The redriven execution is unfinished.
        let handle = resumed(&rt).await;
        let status = handle.outcome().await;
        let record = rt.describe_execution(&arn).await.unwrap();
        assert_eq!(
            (record.status, record.redrive_count),
            (Status::Succeeded, 1)
        );
        (status, handle.history().await)
    });
    assert_eq!(
        worker.calls(),
        counted(&[("charge", 2)]),
        "nothing runs twice"
    );
    assert_eq!(count(&history, EventType::ExecutionRedriven), 1);
    assert_same_run((status, history), expected);
}

#[test]
fn a_patched_redrive_that_crashes_is_resumed_with_the_patched_revision() {
    let broken = charge_then_nap(json!({"card": "expired"}));
    let patch = broken.to_string().replace("expired", "valid");
    let dir = temp_dir("redrive-patch-crash");
    let clock = clock();
    let worker = Worker::default();
    let fails: fn(&Value) -> bool = |input| input["card"] == "expired";
    let options = RedriveOptions::default().definition(patch.clone());
    let arn = redriven_then_crashed(&dir, &clock, &worker, fails, &broken, &options);
    let status = session(async {
        let rt = runtime(dir.open(), &clock);
        worker.bind(&rt, fails);
        let status = resumed(&rt).await.outcome().await;
        let machine = newest(&rt, "orders").await.unwrap();
        assert_eq!((machine.revision, &machine.definition), (2, &patch));
        assert_eq!(rt.describe_execution(&arn).await.unwrap().revision, 1);
        status
    });
    assert_eq!(status.as_str(), "SUCCEEDED", "{status:?}");
    // Charge ran once with each definition, and not again after the crash.
    assert_eq!(worker.calls(), counted(&[("charge", 2)]));
}

#[test]
fn a_redrive_that_fails_at_once_is_recorded_even_if_its_end_was_not() {
    let dir = temp_dir("redrive-at-once");
    let clock = clock();
    session(async {
        let store = Arc::new(FaultyStore::new(dir.open()));
        let rt = runtime(store.clone(), &clock);
        let wf = rt.load(FAIL_AT_ONCE).unwrap();
        let ended = rt.start(&wf, json!({})).await.unwrap();
        let arn = ended.execution_arn();
        // The Fail state is entered again and fails again at once.
        let redriven = rt.redrive(arn).await.unwrap();
        assert_eq!(redriven.outcome().await.as_str(), "FAILED");
        let record = rt.describe_execution(arn).await.unwrap();
        assert_eq!((record.status, record.redrive_count), (Status::Failed, 1));
        assert_eq!(
            types(&redriven.history().await),
            [
                "ExecutionStarted",
                "FailStateEntered",
                "ExecutionFailed",
                "ExecutionRedriven",
                "FailStateEntered",
                "ExecutionFailed"
            ]
        );
        // The redrive is recorded, its end is not (the disk failed between the two).
        let again = rt.redrive(arn).await.unwrap();
        store.fail_when(|w| w.kind == WriteKind::Append);
        assert_eq!(again.outcome().await.as_str(), "ABORTED", "interrupted");
        let record = rt.describe_execution(arn).await.unwrap();
        assert_eq!((record.status, record.redrive_count), (Status::Running, 2));
        // Once the store works again, a resume records how it ended.
        store.heal();
        assert_eq!(resumed(&rt).await.outcome().await.as_str(), "FAILED");
        let record = rt.describe_execution(arn).await.unwrap();
        assert_eq!((record.status, record.redrive_count), (Status::Failed, 2));
        assert!(rt.resume().await.unwrap().is_empty(), "nothing left");
    });
}
