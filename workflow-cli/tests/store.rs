//! `workflow run --store DB` and `workflow resume --store DB`, on real SQLite files and real
//! processes (one killed with SIGKILL mid-run).

use serde_json::json;
use workflow_runtime::store::Store;

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
