//! `workflow executions`, `workflow history --store` and `workflow stop` on real SQLite files
//! written by `workflow run --store`; a store held by another process, or of a newer version,
//! refused by every command that opens it.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{Value, json};
use workflow_runtime::store::{ExecutionRecord, Status, Store};

use common::*;

/// A Fail state: the execution FAILED at once.
const FAIL: &str =
    r#"{"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Boom", "Cause": "it broke"}}}"#;

/// The local time zone of the commands whose dates are checked: a POSIX zone two hours east
/// of UTC, so that dates shown in UTC (or without their offset) do not pass.
const ZONE: &str = "XYZ-2";

/// `workflow ARGS` in `dir`, in the time zone [`ZONE`].
fn in_zone(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_workflow"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env("TZ", ZONE)
        .output()
        .unwrap()
}

/// `workflow ARGS`, which must exit 0: its JSON document.
fn json_ok(dir: &Path, args: &[&str]) -> Value {
    let o = in_zone(dir, args);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {o:?}");
    json_out(&o)
}

/// `workflow ARGS`, which must exit 0: its stdout.
fn stdout_ok(dir: &Path, args: &[&str]) -> String {
    let o = in_zone(dir, args);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {o:?}");
    String::from_utf8(o.stdout).unwrap()
}

/// `workflow ARGS`, which must be refused with exit code 2 and one line on stderr: the line.
fn refused(dir: &Path, args: &[&str]) -> String {
    let o = in_zone(dir, args);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {o:?}");
    let stderr = String::from_utf8(o.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    stderr
}

/// `workflow history --store DB ARN --reverse --format json`: the events, newest first.
fn history_newest_first(dir: &Path, arn: &str) -> Value {
    let args = [
        "history",
        "--store",
        "DB",
        arn,
        "--reverse",
        "--format",
        "json",
    ];
    json_ok(dir, &args)
}

/// A date the commands printed: in [`ZONE`]'s offset, and the instant `millis`.
fn assert_date(shown: &Value, millis: i64) {
    let text = shown
        .as_str()
        .unwrap_or_else(|| panic!("not a date: {shown}"));
    assert!(text.ends_with("+02:00"), "{text}");
    let parsed = chrono::DateTime::parse_from_rfc3339(text).unwrap();
    assert_eq!(parsed.timestamp_millis(), millis, "{text}");
}

/// The records of `arns` in the store.
fn records(dir: &Path, arns: &[String]) -> Vec<ExecutionRecord> {
    read_store(&dir.join("DB"), async |store| {
        let mut records = Vec::new();
        for arn in arns {
            records.push(store.execution(arn).await.unwrap().expect("recorded"));
        }
        records
    })
}

/// Runs `file` on `DB` at scale 0 (with more arguments): its ARN.
fn run(dir: &Path, file: &str, more: &[&str]) -> String {
    let mut args = vec![
        "run",
        file,
        "--store",
        "DB",
        "--time-scale",
        "0",
        "--format",
        "json",
    ];
    args.extend(more);
    let o = in_zone(dir, &args);
    let outcome = json_out(&o);
    outcome["executionArn"].as_str().unwrap().to_string()
}

#[test]
fn executions_are_listed_newest_first_as_list_executions_lists_them() {
    let dir = folder("registry-list");
    std::fs::write(dir.join("Fail.asl.json"), FAIL).unwrap();
    let mut arns = vec![
        run(&dir, "Hold.asl.json", &[]),
        run(&dir, "Fail.asl.json", &[]),
        run(&dir, "Hold.asl.json", &["--name", "Other"]),
    ];
    let (mut child, waiting) = start_waiting(&dir);
    child.kill().unwrap();
    let _ = child.wait();
    arns.push(waiting);
    let mut all = records(&dir, &arns);
    let statuses: Vec<Status> = all.iter().map(|r| r.status).collect();
    assert_eq!(
        statuses,
        [
            Status::Succeeded,
            Status::Failed,
            Status::Succeeded,
            Status::Running
        ]
    );
    // AWS: "Results are sorted by time, with the most recent execution first" (the ARN
    // orders two started in the same millisecond).
    all.sort_by(|a, b| (b.start_date, &b.arn).cmp(&(a.start_date, &a.arn)));

    let listed = json_ok(&dir, &["executions", "--store", "DB", "--format", "json"]);
    let items = listed["executions"].as_array().unwrap();
    assert_eq!(items.len(), all.len(), "{listed}");
    for (item, record) in items.iter().zip(&all) {
        let fields: Vec<&str> = item
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut expected = vec![
            "executionArn",
            "stateMachineArn",
            "name",
            "status",
            "startDate",
        ];
        if record.stop_date.is_some() {
            expected.push("stopDate");
        }
        expected.push("redriveCount");
        assert_eq!(fields, expected, "{item}");
        assert_eq!(item["executionArn"], json!(record.arn));
        // An execution ARN is the state machine's with `execution:` for `stateMachine:` and
        // the execution's name after it.
        assert_eq!(
            item["stateMachineArn"],
            json!(format!(
                "arn:aws:states:us-east-1:123456789012:stateMachine:{}",
                record.state_machine
            ))
        );
        assert_eq!(item["name"], json!(record.name));
        assert_eq!(item["status"], json!(record.status.as_str()));
        assert_date(&item["startDate"], record.start_date);
        if let Some(stop) = record.stop_date {
            assert_date(&item["stopDate"], stop);
        }
        assert_eq!(item["redriveCount"], json!(0));
    }

    let names = |filter: &[&str]| -> Vec<String> {
        let mut args = vec!["executions", "--store", "DB", "--format", "json"];
        args.extend(filter);
        json_ok(&dir, &args)["executions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["executionArn"].as_str().unwrap().to_string())
            .collect()
    };
    let selected = |keep: &dyn Fn(&ExecutionRecord) -> bool| -> Vec<String> {
        all.iter()
            .filter(|r| keep(r))
            .map(|r| r.arn.clone())
            .collect()
    };
    assert_eq!(
        names(&["--status", "SUCCEEDED"]),
        selected(&|r| r.status == Status::Succeeded)
    );
    assert_eq!(names(&["--status", "RUNNING"]), [arns[3].clone()]);
    assert_eq!(
        names(&["--state-machine", "Hold"]),
        selected(&|r| r.state_machine == "Hold")
    );
    assert_eq!(names(&["--state-machine", "Other"]), [arns[2].clone()]);
    assert_eq!(
        names(&["--state-machine", "Hold", "--status", "FAILED"]),
        Vec::<String>::new()
    );

    // For people: a table in the same order.
    let table = stdout_ok(&dir, &["executions", "--store", "DB"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 2 + all.len(), "{table}");
    for header in [
        "name",
        "state machine",
        "status",
        "start",
        "stop",
        "redrives",
    ] {
        assert!(lines[0].contains(header), "{table}");
    }
    for (line, record) in lines[2..].iter().zip(&all) {
        assert!(line.contains(&record.name), "{table}");
        assert!(line.contains(record.status.as_str()), "{table}");
        assert!(line.contains(&record.state_machine), "{table}");
    }
    let none = stdout_ok(
        &dir,
        &["executions", "--store", "DB", "--status", "TIMED_OUT"],
    );
    assert!(none.contains("no execution in DB matches"), "{none}");

    // AWS's values only, as its --status-filter takes them: clap refuses another.
    let o = in_zone(
        &dir,
        &["executions", "--store", "DB", "--status", "running"],
    );
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("PENDING_REDRIVE"));
    // No store is made where there is none.
    refused(&dir, &["executions", "--store", "missing.db"]);
    assert!(!dir.join("missing.db").exists());
}

#[test]
fn history_from_the_store_is_the_saved_histories_table() {
    let dir = folder("registry-history");
    let arn = run(&dir, "Hold.asl.json", &["--history-out", "saved.json"]);
    let name = arn.rsplit(':').next().unwrap();
    // The table of the saved history and that of the store's are one.
    let saved = stdout_ok(&dir, &["history", "saved.json"]);
    assert!(saved.contains("ExecutionSucceeded"), "{saved}");
    assert_eq!(stdout_ok(&dir, &["history", "--store", "DB", &arn]), saved);
    assert_eq!(stdout_ok(&dir, &["history", "--store", "DB", name]), saved);

    // JSON: GetExecutionHistory's events, the saved ones, the dates as AWS's CLI shows them.
    let saved: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("saved.json")).unwrap()).unwrap();
    let saved = saved["events"].as_array().unwrap();
    let read = json_ok(
        &dir,
        &["history", "--store", "DB", &arn, "--format", "json"],
    );
    let events = read["events"].as_array().unwrap();
    assert_eq!(read.as_object().unwrap().len(), 1, "only `events`");
    assert_eq!(events.len(), saved.len());
    for (event, saved) in events.iter().zip(saved) {
        let at = chrono::DateTime::parse_from_rfc3339(saved["timestamp"].as_str().unwrap())
            .unwrap()
            .timestamp_millis();
        assert_date(&event["timestamp"], at);
        let mut event = event.clone();
        event["timestamp"] = saved["timestamp"].clone();
        assert_eq!(&event, saved);
    }
    let reversed = history_newest_first(&dir, &arn);
    let ids = |events: &Value| -> Vec<u64> {
        events["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_u64().unwrap())
            .collect()
    };
    let mut backwards = ids(&read);
    backwards.reverse();
    assert_eq!(ids(&reversed), backwards);
    let table = stdout_ok(&dir, &["history", "--store", "DB", &arn, "--reverse"]);
    let first_row = table.lines().nth(2).unwrap();
    assert!(first_row.contains("ExecutionSucceeded"), "{table}");
    // The same table newest first (docs/cli.md): the rows of the table oldest first, the
    // times too (those of an hour's Wait, from the start: none negative), in reverse.
    let rows = |table: &str| -> Vec<String> {
        let lines: Vec<&str> = table.lines().collect();
        // The header and its rule, then the rows, then the summary line.
        lines[2..lines.len() - 1]
            .iter()
            .map(|l| l.to_string())
            .collect()
    };
    let mut oldest_first = rows(&stdout_ok(&dir, &["history", "--store", "DB", &arn]));
    oldest_first.reverse();
    assert_eq!(rows(&table), oldest_first, "{table}");

    // A name two state machines' executions have (the same seed draws the same name) is no
    // execution: the error lists both ARNs.
    let a = run(&dir, "Hold.asl.json", &["--name", "A", "--seed", "5"]);
    let b = run(&dir, "Hold.asl.json", &["--name", "B", "--seed", "5"]);
    let shared = a.rsplit(':').next().unwrap();
    assert_eq!(b.rsplit(':').next().unwrap(), shared);
    let error = refused(&dir, &["history", "--store", "DB", shared]);
    assert!(error.contains(&a) && error.contains(&b), "{error}");
    assert!(error.contains("give the ARN"), "{error}");
    assert!(stdout_ok(&dir, &["history", "--store", "DB", &a]).contains("ExecutionSucceeded"));

    let error = refused(&dir, &["history", "--store", "DB", "nobody"]);
    assert!(error.contains("Execution Does Not Exist"), "{error}");
    let error = refused(
        &dir,
        &[
            "history",
            "--store",
            "DB",
            "arn:aws:states:us-east-1:123456789012:execution:Hold:nobody",
        ],
    );
    assert!(error.contains("Execution Does Not Exist"), "{error}");
    // --reverse and --format are the store's: a saved file is printed as it is.
    let o = in_zone(&dir, &["history", "saved.json", "--reverse"]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    refused(&dir, &["history", "--store", "missing.db", name]);
    assert!(!dir.join("missing.db").exists());
}

#[test]
fn stop_aborts_a_running_execution_as_stop_execution_does() {
    let dir = folder("registry-stop");
    let (mut child, arn) = start_waiting(&dir);
    child.kill().unwrap();
    let _ = child.wait();
    let name = arn.rsplit(':').next().unwrap();
    let stopped = stdout_ok(
        &dir,
        &[
            "stop", "--store", "DB", name, "--error", "Operator", "--cause", "enough",
        ],
    );
    assert!(stopped.contains(&format!("{arn}: ABORTED")), "{stopped}");
    assert!(stopped.contains("error: Operator") && stopped.contains("cause: enough"));
    let [record] = records(&dir, std::slice::from_ref(&arn))
        .try_into()
        .unwrap();
    assert_eq!(record.status, Status::Aborted);
    assert_eq!(
        (record.error.as_deref(), record.cause.as_deref()),
        (Some("Operator"), Some("enough"))
    );
    let stop_date = record.stop_date.expect("a stop date");
    // Its history ends with ExecutionAborted, the error and cause in its details.
    let history = history_newest_first(&dir, &arn);
    let last = &history["events"][0];
    assert_eq!(last["type"], "ExecutionAborted");
    assert_eq!(
        last["executionAbortedEventDetails"],
        json!({"error": "Operator", "cause": "enough"})
    );
    // Nothing is left to resume.
    assert_eq!(
        json_ok(&dir, &["resume", "--store", "DB", "--format", "json"]),
        json!({"executions": []})
    );

    // Stopped again, now that it has ended: StopExecution lists no error for it; nothing
    // changes, and the answer is its stop date.
    let again = json_ok(
        &dir,
        &[
            "stop", "--store", "DB", &arn, "--error", "Again", "--format", "json",
        ],
    );
    assert_eq!(again.as_object().unwrap().len(), 1, "{again}");
    assert_date(&again["stopDate"], stop_date);
    let human = stdout_ok(&dir, &["stop", "--store", "DB", &arn]);
    assert!(human.contains("nothing to stop"), "{human}");
    assert_eq!(records(&dir, std::slice::from_ref(&arn)), [record]);

    // AWS's bounds: an error of at most 256 characters, a cause of at most 32,768.
    let long_error = "e".repeat(257);
    let error = refused(
        &dir,
        &["stop", "--store", "DB", &arn, "--error", &long_error],
    );
    assert!(error.contains("at most 256"), "{error}");
    let long_cause = "c".repeat(32_769);
    let error = refused(
        &dir,
        &["stop", "--store", "DB", &arn, "--cause", &long_cause],
    );
    assert!(error.contains("at most 32768"), "{error}");
    let error = refused(
        &dir,
        &[
            "stop",
            "--store",
            "DB",
            "arn:aws:states:us-east-1:123456789012:execution:Hold:nobody",
        ],
    );
    assert!(error.contains("Execution Does Not Exist"), "{error}");
    refused(&dir, &["stop", "--store", "missing.db", name]);
    assert!(!dir.join("missing.db").exists());
}

#[test]
fn a_store_another_process_holds_is_refused_by_the_registry_commands() {
    let dir = folder("registry-held");
    let (mut child, arn) = start_waiting(&dir);
    let outputs: Vec<String> = [
        &["executions", "--store", "DB"][..],
        &["history", "--store", "DB", &arn][..],
        &["stop", "--store", "DB", &arn][..],
    ]
    .iter()
    .map(|args| refused(&dir, args))
    .collect();
    let _ = child.kill();
    let _ = child.wait();
    for error in outputs {
        assert!(error.contains("in use by another process"), "{error}");
    }
    // It still runs in the store: the refused stop did nothing.
    let [record] = records(&dir, &[arn]).try_into().unwrap();
    assert_eq!(record.status, Status::Running);
}

#[test]
fn a_store_of_a_newer_version_is_refused_by_every_command_untouched() {
    let dir = folder("registry-newer");
    let arn = run(&dir, "Hold.asl.json", &[]);
    let path = dir.join("DB");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", workflow_sqlite::FORMAT + 1)
            .unwrap();
    }
    let bytes = std::fs::read(&path).unwrap();
    for args in [
        &["run", "Hold.asl.json", "--store", "DB", "--time-scale", "0"][..],
        &["resume", "--store", "DB"][..],
        &["executions", "--store", "DB"][..],
        &["history", "--store", "DB", &arn][..],
        &["stop", "--store", "DB", &arn][..],
    ] {
        let error = refused(&dir, args);
        assert!(
            error.contains("written by a newer version of workflow"),
            "{args:?}: {error}"
        );
        assert!(error.contains("upgrade workflow"), "{error}");
    }
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}
