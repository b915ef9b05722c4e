//! The store in a child process: killed with SIGKILL in the middle of a stream of appends,
//! out of disk (a file-size limit), and holding the store while another process tries to
//! open it. The test binary is its own child: run with `WORKFLOW_SQLITE_CHILD` set, it plays
//! the child's part.
//!
//! `WORKFLOW_SQLITE_CRASH_ROUNDS` (default 8) sets how many times the appending child is
//! killed, `WORKFLOW_SQLITE_CRASH_SEED` replays the kill points of an earlier run.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdout, Command};
use std::time::Duration;

use common::child::{
    CHILD, Random, number_from_env, run_tests, seed_from_env, signal_of, spawn_child, tell,
    this_binary, watchdog,
};
use common::temp_dir;
use serde_json::json;
use workflow_core::execution::{Event, TaskId};
use workflow_core::journal::Entry;
use workflow_runtime::store::testing::samples::{self, start_of, task_entry, waiting};
use workflow_runtime::store::{Progress, Store, StoreError, Waiting};
use workflow_sqlite::SqliteStore;

const STORE: &str = "WORKFLOW_SQLITE_STORE";

/// Executions the appending child advances at once.
const EXECUTIONS: u64 = 50;
/// Entries in each of its appends: a killed transaction must leave all or none of them.
const ENTRIES_PER_APPEND: u64 = 3;

fn main() {
    if let Ok(role) = std::env::var(CHILD) {
        let store = std::env::var(STORE).expect("the child is given its store");
        return child(&role, Path::new(&store));
    }
    run_tests(&[
        (
            "killed_in_the_middle_of_appends_loses_no_acknowledged_one",
            killed_mid_appends,
        ),
        (
            "out_of_disk_fails_writes_and_keeps_every_acknowledged_one",
            out_of_disk,
        ),
        (
            "a_store_held_by_another_process_is_refused",
            held_by_another_process,
        ),
    ]);
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
}

fn child(role: &str, path: &Path) {
    match role {
        "append" => runtime().block_on(append_forever(path)),
        "fill" => runtime().block_on(fill_the_disk(path)),
        "hold" => {
            let _store = SqliteStore::open(path).expect("the child opens the store");
            tell("open");
            // Until the parent kills it (or closes its stdin).
            let _ = std::io::stdin().read_line(&mut String::new());
        }
        other => panic!("unknown child role {other}"),
    }
}

fn crash_arn(e: u64) -> String {
    samples::arn("crash", &format!("e{e:02}"))
}

/// The `k`th append's entries and progress for an execution: entries numbered on from the
/// last append's, a timer and a token named after `k`.
fn crash_append(e: u64, k: u64) -> (Vec<Entry>, Progress) {
    let first = (k - 1) * ENTRIES_PER_APPEND + 1;
    let entries = (first..first + ENTRIES_PER_APPEND)
        .map(task_entry)
        .collect();
    let token = format!("token-{e}-{k}");
    (
        entries,
        Progress::Running(waiting(Some(k as i64), &[(&token, k)], false)),
    )
}

/// Advances every execution, one append after another, telling the parent of each one
/// acknowledged (`ack E K`: execution E's K-th append is kept), until killed.
async fn append_forever(path: &Path) {
    let store = std::sync::Arc::new(SqliteStore::open(path).expect("the child opens the store"));
    let mut done = Vec::new();
    for e in 0..EXECUTIONS {
        let record = samples::execution("crash", &format!("e{e:02}"), e as i64);
        let start = start_of(&record);
        match store
            .create_execution(&record, Some(&start), &Waiting::default())
            .await
        {
            Ok(()) | Err(StoreError::ExecutionAlreadyExists { .. }) => {}
            Err(other) => panic!("create: {other}"),
        }
        let (_, entries) = store
            .journal(&record.arn)
            .await
            .unwrap()
            .expect("a journal");
        done.push(entries.len() as u64 / ENTRIES_PER_APPEND);
    }
    let mut tasks = Vec::new();
    for (e, done) in (0..EXECUTIONS).zip(done) {
        let store = std::sync::Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            for k in done + 1.. {
                let (entries, progress) = crash_append(e, k);
                store
                    .append(&crash_arn(e), &entries, &progress)
                    .await
                    .expect("append");
                tell(&format!("ack {e} {k}"));
            }
        }));
    }
    tell("ready");
    for task in tasks {
        let _ = task.await;
    }
}

/// Starts `command` in the child's part `role`, on the store `path`.
fn spawn_on(role: &str, path: &Path, mut command: Command) -> (Child, BufReader<ChildStdout>) {
    command.env(STORE, path);
    spawn_child(command, role)
}

/// The complete lines left in `stdout` (a line cut by the kill is not one).
fn remaining_lines(stdout: &mut BufReader<ChildStdout>) -> Vec<String> {
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        match stdout.read_line(&mut line) {
            Ok(0) | Err(_) => return lines,
            Ok(_) if line.ends_with('\n') => lines.push(line.trim_end().to_string()),
            Ok(_) => return lines,
        }
    }
}

fn killed_mid_appends() {
    let rounds = number_from_env("WORKFLOW_SQLITE_CRASH_ROUNDS", 8);
    let seed = seed_from_env("WORKFLOW_SQLITE_CRASH_SEED");
    println!("kill points from WORKFLOW_SQLITE_CRASH_SEED={seed}");
    let mut random = Random(seed);
    let dir = temp_dir("crash");
    let path = dir.store_path();
    // The most appends of each execution acknowledged so far, over all rounds.
    let mut acknowledged: HashMap<u64, u64> = HashMap::new();
    for round in 1..=rounds {
        let (mut child, mut stdout) = spawn_on("append", &path, this_binary());
        let done = watchdog(&child, Duration::from_secs(120));
        // Killed after 0 to 3,000 acknowledgements: at start-up, in the first commits, or
        // well into the stream; wherever the writer then is.
        let kill_after = random.below(3_000);
        let mut lines = Vec::new();
        let mut acks = 0;
        let mut line = String::new();
        while acks < kill_after {
            line.clear();
            if stdout.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            acks += u64::from(line.starts_with("ack "));
            lines.push(line.trim_end().to_string());
        }
        child.kill().expect("SIGKILL the child");
        let status = child.wait().expect("reap the child");
        let _ = done.send(());
        lines.extend(remaining_lines(&mut stdout));
        for line in &lines {
            let mut words = line.split(' ');
            if words.next() == Some("ack") {
                let e: u64 = words.next().unwrap().parse().unwrap();
                let k: u64 = words.next().unwrap().parse().unwrap();
                let seen = acknowledged.entry(e).or_default();
                *seen = (*seen).max(k);
            }
        }
        // Killed by this SIGKILL, in the middle of its stream: not ended on its own before.
        assert_eq!(
            signal_of(status),
            Some(9),
            "round {round}: {status}, {lines:?}"
        );
        assert_eq!(acks, kill_after, "round {round}: the child stopped early");
        let total: u64 = acknowledged.values().sum();
        println!("round {round}: killed after {kill_after} acknowledgements, {total} in all");
        check_after_crash(&path, &mut acknowledged, round, seed);
    }
}

/// Every acknowledged append is kept, with its entries and its progress together; at most one
/// more per execution (committed when the kill came, before it was acknowledged). What is
/// kept counts as acknowledged from then on: the next round's child goes on from it, so an
/// append committed unacknowledged in this round is not counted again against the next.
fn check_after_crash(path: &Path, acknowledged: &mut HashMap<u64, u64>, round: u64, seed: u64) {
    runtime().block_on(async {
        let store = SqliteStore::open(path).expect("reopen after the kill");
        let unfinished = store.unfinished().await.unwrap();
        let waiting: HashMap<String, Waiting> = unfinished
            .into_iter()
            .map(|u| (u.record.arn, u.waiting))
            .collect();
        for e in 0..EXECUTIONS {
            let arn = crash_arn(e);
            let acked = acknowledged.get(&e).copied().unwrap_or(0);
            let Some((_, entries)) = store.journal(&arn).await.unwrap() else {
                assert_eq!(acked, 0, "round {round} (seed {seed}): {arn} lost");
                continue;
            };
            let appends = entries.len() as u64 / ENTRIES_PER_APPEND;
            let context = format!(
                "round {round} (seed {seed}), {arn}: {} entries, {acked} appends acknowledged",
                entries.len()
            );
            assert_eq!(
                entries.len() as u64 % ENTRIES_PER_APPEND,
                0,
                "a partial append: {context}"
            );
            assert!(appends >= acked, "an acknowledged append lost: {context}");
            assert!(appends <= acked + 1, "appends never made: {context}");
            acknowledged.insert(e, appends);
            let expected: Vec<Entry> = (1..=appends * ENTRIES_PER_APPEND).map(task_entry).collect();
            assert!(entries == expected, "entries out of order: {context}");
            // The progress of the last append kept is the record's: they were one write.
            let expected_waiting = if appends == 0 {
                Waiting::default()
            } else {
                let Progress::Running(w) = crash_append(e, appends).1 else {
                    unreachable!()
                };
                w
            };
            assert_eq!(waiting.get(&arn), Some(&expected_waiting), "{context}");
            if appends > 0 {
                let token = format!("token-{e}-{appends}");
                assert_eq!(
                    store.token(&token).await.unwrap(),
                    Some((arn.clone(), TaskId(appends))),
                    "{context}"
                );
            }
        }
    });
}

/// An append's entries in `fill_the_disk`: large, so that the file-size limit comes soon.
fn large_entries(k: u64) -> Vec<Entry> {
    (0..2)
        .map(|i| {
            let mut entry = task_entry(2 * k + i);
            entry.event = Event::TaskSucceeded {
                task: TaskId(2 * k + i),
                output: json!({ "k": k, "padding": "x".repeat(8_000) }),
            };
            entry
        })
        .collect()
}

/// Appends large entries until writes fail, telling the parent of each acknowledged (`ack
/// K`) and failed (`fail K ERROR`) one; stops after a few failures.
async fn fill_the_disk(path: &Path) {
    let store = SqliteStore::open(path).expect("the child opens the store");
    let record = samples::execution("disk", "filler", 0);
    store
        .create_execution(&record, Some(&start_of(&record)), &Waiting::default())
        .await
        .expect("create");
    let mut failures = 0;
    for k in 1..10_000 {
        let progress = Progress::Running(waiting(Some(k as i64), &[], false));
        match store
            .append(&record.arn, &large_entries(k), &progress)
            .await
        {
            Ok(()) => tell(&format!("ack {k}")),
            Err(e) => {
                tell(&format!("fail {k} {e:?}"));
                failures += 1;
                if failures == 3 {
                    break;
                }
            }
        }
    }
    tell("done");
}

fn out_of_disk() {
    let dir = temp_dir("disk");
    let path = dir.store_path();
    // A file-size limit of 2 to 4 MB (sh counts in blocks of 512 or 1,024 bytes); a write
    // past it fails with EFBIG, as on a full disk, once SIGXFSZ (which would kill the
    // process) is ignored; ignored, it stays so across exec.
    let mut command = Command::new("/bin/sh");
    command
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 4096 && exec \"$0\"")
        .arg(std::env::current_exe().expect("the test binary"));
    let (mut child, mut stdout) = spawn_on("fill", &path, command);
    let done = watchdog(&child, Duration::from_secs(120));
    let lines = remaining_lines(&mut stdout);
    let status = child.wait().expect("reap the child");
    let _ = done.send(());
    assert!(
        status.success(),
        "the child ends by itself: {status}, {lines:?}"
    );
    assert_eq!(lines.last().map(String::as_str), Some("done"), "{lines:?}");
    let acked: Vec<u64> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("ack ")?.parse().ok())
        .collect();
    let failed: Vec<&String> = lines.iter().filter(|l| l.starts_with("fail ")).collect();
    assert!(!acked.is_empty(), "some appends fit: {lines:?}");
    assert_eq!(failed.len(), 3, "the disk filled: {lines:?}");
    for line in &failed {
        assert!(
            line.contains("Io("),
            "a failed write is StoreError::Io: {line}"
        );
    }
    let last = *acked.last().unwrap();
    assert_eq!(
        acked,
        (1..=last).collect::<Vec<_>>(),
        "appends fail from the first failure on"
    );
    println!("out of disk after {last} appends: {}", failed[0]);

    runtime().block_on(async {
        // With room again, the store opens with exactly the acknowledged appends.
        let store = SqliteStore::open(&path).expect("reopen with room");
        let record = samples::execution("disk", "filler", 0);
        let (_, entries) = store.journal(&record.arn).await.unwrap().unwrap();
        let expected: Vec<Entry> = (1..=last).flat_map(large_entries).collect();
        assert!(
            entries == expected,
            "{} entries kept for {last} appends",
            entries.len()
        );
        let unfinished = store.unfinished().await.unwrap();
        assert_eq!(unfinished[0].waiting.next_timer, Some(last as i64));
        let progress = Progress::Running(waiting(Some(0), &[], false));
        store
            .append(&record.arn, &large_entries(last + 1), &progress)
            .await
            .unwrap();
    });
}

fn held_by_another_process() {
    let dir = temp_dir("held");
    let path = dir.store_path();
    let (mut child, mut stdout) = spawn_on("hold", &path, this_binary());
    let done = watchdog(&child, Duration::from_secs(120));
    let mut line = String::new();
    stdout.read_line(&mut line).expect("the child's word");
    assert_eq!(line.trim_end(), "open");
    assert_eq!(
        SqliteStore::open(&path).unwrap_err(),
        StoreError::Locked {
            path: path.display().to_string()
        }
    );
    // Its holder killed, the store is free, and whole.
    child.kill().expect("SIGKILL the child");
    child.wait().expect("reap the child");
    let _ = done.send(());
    let store = SqliteStore::open(&path).expect("open once the holder is gone");
    assert!(runtime().block_on(store.unfinished()).unwrap().is_empty());
}
