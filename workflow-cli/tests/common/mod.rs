//! What the tests of the commands on a store share: a folder per test, running `workflow`,
//! reading its JSON, reading the store, a run left waiting.
#![allow(dead_code)] // each test file uses a part

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use serde_json::Value;
use workflow_sqlite::SqliteStore;

/// A Wait of one hour, then a Pass whose result is the output.
pub const WAIT_AN_HOUR: &str = r#"{"StartAt": "Hold", "States": {
  "Hold": {"Type": "Wait", "Seconds": 3600, "Next": "Done"},
  "Done": {"Type": "Pass", "Result": {"done": true}, "ResultPath": "$.result", "End": true}}}"#;

/// A fresh folder of its own for each test, with the definition in `Hold.asl.json`.
pub fn folder(test: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("store-{test}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("Hold.asl.json"), WAIT_AN_HOUR).unwrap();
    dir
}

pub fn workflow(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_workflow"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

pub fn json_out(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

/// `workflow ARGS --store DB --time-scale 0 --format json`, which must exit 0: its document.
pub fn succeeded(dir: &Path, args: &[&str]) -> Value {
    let mut args = args.to_vec();
    args.extend(["--store", "DB", "--time-scale", "0", "--format", "json"]);
    let o = workflow(dir, &args);
    assert_eq!(o.status.code(), Some(0), "{o:?}");
    json_out(&o)
}

pub fn read_store<T>(path: &Path, read: impl AsyncFnOnce(&SqliteStore) -> T) -> T {
    let store = SqliteStore::open(path).unwrap();
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(read(&store))
}

/// Runs `Hold.asl.json` on `DB` at real speed, so that it waits an hour, and returns the
/// process once its execution is recorded: `run --store` prints the ARN once its start is
/// acknowledged, and a start is acknowledged once recorded.
pub fn start_waiting(dir: &Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_workflow"))
        .current_dir(dir)
        .args([
            "run",
            "Hold.asl.json",
            "--store",
            "DB",
            "--input",
            r#"{"order": 7}"#,
            "--time-scale",
            "1",
            "--format",
            "json",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if let Some(arn) = line.strip_prefix("execution: ") {
                let _ = tx.send(arn.to_string());
            }
        }
    });
    // Bounded: a child that never prints its ARN fails the test instead of hanging it.
    match rx.recv_timeout(Duration::from_secs(60)) {
        Ok(arn) => (child, arn),
        Err(e) => {
            let _ = child.kill();
            panic!("the run printed no execution ARN: {e}");
        }
    }
}
