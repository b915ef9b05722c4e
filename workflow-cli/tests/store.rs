//! `workflow run --store DB` and `workflow resume --store DB`, on real SQLite files and real
//! processes (one killed with SIGKILL mid-run).

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::json;
use workflow_runtime::store::Store;
use workflow_sqlite::SqliteStore;

mod common;

use common::*;

#[test]
fn run_records_the_execution_and_reuses_the_revision() {
    let dir = folder("revision");
    let run = |file: &str| succeeded(&dir, &["run", file]);
    let first = run("Hold.asl.json");
    let second = run("Hold.asl.json");
    // The Pass's result at ResultPath $.result of the input `{}`.
    assert_eq!(first["output"], json!({"result": {"done": true}}));
    let arns = [&first, &second].map(|v| v["executionArn"].as_str().unwrap().to_string());
    assert_ne!(arns[0], arns[1]);
    // Another definition under the same name (the file's stem) is the next revision.
    std::fs::create_dir_all(dir.join("other")).unwrap();
    std::fs::write(
        dir.join("other").join("Hold.asl.json"),
        WAIT_AN_HOUR.replace("3600", "60"),
    )
    .unwrap();
    let third = run("other/Hold.asl.json");
    let third_arn = third["executionArn"].as_str().unwrap().to_string();
    let (revisions, newest) = read_store(&dir.join("DB"), async |store| {
        let mut revisions = Vec::new();
        for arn in arns.iter().chain([&third_arn]) {
            let record = store.execution(arn).await.unwrap().unwrap();
            assert_eq!(record.state_machine, "Hold");
            assert_eq!(record.status.as_str(), "SUCCEEDED");
            revisions.push(record.revision);
        }
        let newest = store.state_machine("Hold", None).await.unwrap().unwrap();
        (revisions, newest.revision)
    });
    // The same definition is the same revision (Runtime::register's contract), another the
    // next one.
    assert_eq!(revisions, [1, 1, 2]);
    assert_eq!(newest, 2);
}

#[test]
fn a_killed_run_is_finished_by_resume() {
    let dir = folder("killed");
    let (mut child, arn) = start_waiting(&dir);
    child.kill().unwrap(); // SIGKILL: nothing of the process runs after it.
    let _ = child.wait();
    // The Wait's hour passes at once at scale 0, then the Pass puts its result at
    // $.result of the input.
    assert_eq!(
        succeeded(&dir, &["resume"]),
        json!({"executions": [{
            "executionArn": arn,
            "status": "SUCCEEDED",
            "output": {"order": 7, "result": {"done": true}},
        }]})
    );
    // Nothing is left: a second resume finds no execution, and succeeds.
    let again = workflow(&dir, &["resume", "--store", "DB", "--format", "json"]);
    assert_eq!(again.status.code(), Some(0), "{again:?}");
    assert_eq!(json_out(&again), json!({"executions": []}));
    let human = workflow(&dir, &["resume", "--store", "DB"]);
    assert_eq!(human.status.code(), Some(0), "{human:?}");
    assert!(String::from_utf8_lossy(&human.stdout).contains("no unfinished execution"));
}

#[test]
fn a_store_held_by_another_process_is_refused() {
    let dir = folder("held");
    let (mut child, _) = start_waiting(&dir);
    let o = workflow(&dir, &["resume", "--store", "DB", "--time-scale", "0"]);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("in use by another process"), "{stderr}");
}

#[test]
fn a_file_that_is_not_a_store_is_refused_untouched() {
    let dir = folder("not-a-store");
    let text = "{\"not\": \"a store\"}\n";
    std::fs::write(dir.join("DB"), text).unwrap();
    for args in [
        &["resume", "--store", "DB"][..],
        &["run", "Hold.asl.json", "--store", "DB", "--time-scale", "0"][..],
    ] {
        let o = workflow(&dir, args);
        assert_eq!(o.status.code(), Some(2), "{o:?}");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains("DB is not a workflow store"), "{stderr}");
    }
    assert_eq!(std::fs::read_to_string(dir.join("DB")).unwrap(), text);
    // `resume` does not create a store that is not there.
    let o = workflow(&dir, &["resume", "--store", "missing.db"]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(!dir.join("missing.db").exists());
}

/// Reserve, then Charge: Lambda invocations answered by the mocks of `mock.json`.
const CHARGE: &str = r#"{"StartAt": "Reserve", "States": {
  "Reserve": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "Reserve"}, "ResultPath": "$.reserved", "Next": "Charge"},
  "Charge": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "Charge"}, "End": true}}}"#;

/// The test case `Declined` fails Charge, `Accepted` answers it.
const CHARGE_MOCKS: &str = r#"{
  "StateMachines": {"Charge": {"TestCases": {
    "Declined": {"Reserve": "Reserved", "Charge": "Declined"},
    "Accepted": {"Reserve": "Reserved", "Charge": "Charged"}}}},
  "MockedResponses": {
    "Reserved": {"0": {"Return": {"StatusCode": 200, "Payload": {"reserved": true}}}},
    "Declined": {"0": {"Throw": {"Error": "Card.Declined", "Cause": "insufficient funds"}}},
    "Charged": {"0": {"Return": {"StatusCode": 200, "Payload": {"charged": true}}}}}}"#;

/// `run Charge.asl.json` on `DB`, its tasks answered by the test case `test_case` of
/// `mock.json`.
fn run_charge(dir: &Path, test_case: &str) -> Output {
    workflow(
        dir,
        &[
            "run",
            "Charge.asl.json",
            "--store",
            "DB",
            "--mock-config",
            "mock.json",
            "--test-case",
            test_case,
            "--time-scale",
            "0",
            "--format",
            "json",
        ],
    )
}

/// A folder with `Charge.asl.json` and `mock.json`, and the ARN of an execution of Charge
/// recorded in `DB` that FAILED (the Declined test case).
fn failed_charge(test: &str) -> (PathBuf, String) {
    let dir = folder(test);
    std::fs::write(dir.join("Charge.asl.json"), CHARGE).unwrap();
    std::fs::write(dir.join("mock.json"), CHARGE_MOCKS).unwrap();
    let o = run_charge(&dir, "Declined");
    assert_eq!(o.status.code(), Some(1), "FAILED: {o:?}");
    let v = json_out(&o);
    assert_eq!(
        (&v["status"], &v["error"]),
        (&json!("FAILED"), &json!("Card.Declined"))
    );
    (dir, v["executionArn"].as_str().unwrap().to_string())
}

/// The history of `arn` in the store `path`, rebuilt from its journal: each state's
/// `TaskScheduled` events, counted by state name, and the event types.
fn scheduled_by_state(
    path: &Path,
    arn: &str,
) -> (std::collections::BTreeMap<String, usize>, Vec<String>) {
    let runtime = workflow_runtime::Runtime::builder()
        .store(SqliteStore::open(path).unwrap())
        .build();
    let history = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(runtime.execution_history(
            arn,
            workflow_runtime::store::PageRequest::first(1000),
            false,
        ))
        .unwrap()
        .items;
    let mut scheduled = std::collections::BTreeMap::new();
    let mut state = String::new();
    for event in &history {
        let v = event.to_aws_json();
        if let Some(name) = v["stateEnteredEventDetails"]["name"].as_str() {
            state = name.to_string();
        }
        if event.event_type.as_str() == "TaskScheduled" {
            *scheduled.entry(state.clone()).or_default() += 1;
        }
    }
    let types = history
        .iter()
        .map(|e| e.event_type.as_str().to_string())
        .collect();
    (scheduled, types)
}

#[test]
fn a_failed_run_is_redriven_with_a_mock_that_answers() {
    let (dir, arn) = failed_charge("redrive");
    let v = succeeded(
        &dir,
        &[
            "redrive",
            &arn,
            "--mock-config",
            "mock.json",
            "--test-case",
            "Accepted",
        ],
    );
    // A mocked Return is the whole service response, Charge's result the output.
    assert_eq!(
        v,
        json!({
            "executionArn": arn,
            "status": "SUCCEEDED",
            "output": {"StatusCode": 200, "Payload": {"charged": true}},
            "redriveCount": 1,
        })
    );
    let record = read_store(&dir.join("DB"), async |store| {
        store.execution(&arn).await.unwrap().unwrap()
    });
    assert_eq!(
        (record.status.as_str(), record.redrive_count),
        ("SUCCEEDED", 1)
    );
    // Reserve succeeded the first time and is not run again; Charge is.
    let (scheduled, types) = scheduled_by_state(&dir.join("DB"), &arn);
    assert_eq!(
        scheduled,
        [("Charge".to_string(), 2), ("Reserve".to_string(), 1)].into()
    );
    assert_eq!(
        types.iter().filter(|t| *t == "ExecutionRedriven").count(),
        1
    );
    // Redriven again once it succeeded: refused, as AWS refuses.
    let o = workflow(
        &dir,
        &["redrive", &arn, "--store", "DB", "--time-scale", "0"],
    );
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("ExecutionNotRedrivable: Execution is SUCCEEDED and cannot be redriven."),
        "{stderr}"
    );
}

#[test]
fn a_patched_definition_fixes_a_field_and_the_execution_is_found_by_its_name() {
    let (dir, arn) = failed_charge("redrive-patch");
    // Charge's result holds no `missing`: a path AWS fails with States.Runtime. The patch
    // selects the field that is there.
    let broken = CHARGE.replace(
        r#""End": true"#,
        r#""ResultSelector": {"charged.$": "$.Payload.missing"}, "End": true"#,
    );
    std::fs::write(dir.join("Charge.asl.json"), &broken).unwrap();
    let o = run_charge(&dir, "Accepted");
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let v = json_out(&o);
    assert_eq!(v["error"], "States.Runtime", "{v}");
    let broken_arn = v["executionArn"].as_str().unwrap().to_string();
    assert_ne!(broken_arn, arn);
    std::fs::write(
        dir.join("fixed.json"),
        broken.replace("$.Payload.missing", "$.Payload.charged"),
    )
    .unwrap();
    let name = broken_arn.rsplit(':').next().unwrap();
    let v = succeeded(
        &dir,
        &[
            "redrive",
            name,
            "--definition",
            "fixed.json",
            "--mock-config",
            "mock.json",
            "--test-case",
            "Accepted",
        ],
    );
    assert_eq!(v["executionArn"], broken_arn);
    assert_eq!(v["output"], json!({"charged": true}));
    assert_eq!(v["redriveCount"], 1);
    // The patch is the state machine's newest revision (the first run's definition was 1,
    // the broken one 2); the execution keeps the revision it started with.
    let (newest, record) = read_store(&dir.join("DB"), async |store| {
        (
            store.state_machine("Charge", None).await.unwrap().unwrap(),
            store.execution(&broken_arn).await.unwrap().unwrap(),
        )
    });
    assert_eq!(newest.revision, 3);
    assert!(newest.definition.contains("$.Payload.charged"));
    assert_eq!(record.revision, 2);
}

#[test]
fn refusals_are_one_line_and_exit_2() {
    let (dir, failed) = failed_charge("redrive-refused");
    let refused = |args: &[&str], expected: &str| {
        let mut args = args.to_vec();
        args.extend(["--store", "DB", "--time-scale", "0"]);
        let o = workflow(&dir, &args);
        assert_eq!(o.status.code(), Some(2), "{o:?}");
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(expected), "{stderr}");
    };
    // A patch without the state the execution stopped in.
    let misfit = CHARGE.replace("\"Charge\"", "\"Pay\"");
    std::fs::write(dir.join("misfit.json"), misfit).unwrap();
    refused(
        &["redrive", &failed, "--definition", "misfit.json"],
        "the new definition does not fit the execution: the state 'Charge' in the top level, where the execution stopped, is not in the new definition",
    );
    // ... changed nothing.
    let (record, newest) = read_store(&dir.join("DB"), async |store| {
        (
            store.execution(&failed).await.unwrap().unwrap(),
            store.state_machine("Charge", None).await.unwrap().unwrap(),
        )
    });
    assert_eq!(
        (record.status.as_str(), record.redrive_count),
        ("FAILED", 0)
    );
    assert_eq!(newest.revision, 1);
    // Unknown executions.
    refused(
        &[
            "redrive",
            "arn:aws:states:us-east-1:123456789012:execution:Charge:nobody",
        ],
        "Execution Does Not Exist: 'arn:aws:states:us-east-1:123456789012:execution:Charge:nobody'",
    );
    refused(
        &["redrive", "nobody"],
        "no execution of DB is named 'nobody'",
    );
    // A running execution (its process killed in a Wait).
    let (mut child, running) = start_waiting(&dir);
    child.kill().unwrap();
    let _ = child.wait();
    refused(
        &["redrive", &running],
        "ExecutionNotRedrivable: Execution is RUNNING and cannot be redriven.",
    );
    // No store: none is created.
    let o = workflow(&dir, &["redrive", &failed, "--store", "missing.db"]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(!dir.join("missing.db").exists());
}
