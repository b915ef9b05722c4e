//! How fast the SQLite store writes and reads, on a real file with fsync'd commits:
//!
//! - `creates`: executions created (record, start record) by 1,000 tasks at once;
//! - `appends`: single-entry appends (a task's result, as the driver journals it) by 1,000
//!   executions at once, and how many of them each commit carried (the group commit);
//! - `unfinished`: the unfinished executions listed when a runtime opens the store;
//! - `journal_reads`: journals read back, as recovery does for each of them.
//!
//! Ends with one line per figure, `NAME: <integer> unit`. `cargo bench -p workflow-sqlite`.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use workflow_runtime::store::testing::samples::{self, start_of, task_entry, waiting};
use workflow_runtime::store::{Progress, Store};
use workflow_sqlite::SqliteStore;

/// Tasks writing at once: the D6 runs 1,000 executions concurrently.
const CONCURRENCY: u64 = 1_000;
/// Executions created, then listed as unfinished (the recovery goal is about 100,000).
const EXECUTIONS: u64 = 100_000;
/// Appends by each of the first `CONCURRENCY` executions.
const APPENDS_EACH: u64 = 100;
/// Journals read back.
const JOURNALS: u64 = 10_000;

fn per_second(count: u64, since: Instant) -> u64 {
    (count as f64 / since.elapsed().as_secs_f64()) as u64
}

fn arn(n: u64) -> String {
    samples::arn("bench", &format!("execution-{n:06}"))
}

async fn create_all(store: &Arc<SqliteStore>) -> u64 {
    let started = Instant::now();
    let tasks: Vec<_> = (0..CONCURRENCY)
        .map(|t| {
            let store = Arc::clone(store);
            tokio::spawn(async move {
                for n in (t..EXECUTIONS).step_by(CONCURRENCY as usize) {
                    let record =
                        samples::execution("bench", &format!("execution-{n:06}"), n as i64);
                    let w = waiting(Some(3_600_000), &[], false);
                    store
                        .create_execution(&record, Some(&start_of(&record)), &w)
                        .await
                        .expect("create");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a creating task");
    }
    per_second(EXECUTIONS, started)
}

async fn append_all(store: &Arc<SqliteStore>) -> (u64, u64) {
    let before = store.write_stats();
    let started = Instant::now();
    let tasks: Vec<_> = (0..CONCURRENCY)
        .map(|n| {
            let store = Arc::clone(store);
            tokio::spawn(async move {
                let arn = arn(n);
                for k in 1..=APPENDS_EACH {
                    let progress = Progress::Running(waiting(Some(k as i64), &[], true));
                    store
                        .append(&arn, &[task_entry(k)], &progress)
                        .await
                        .expect("append");
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("an appending task");
    }
    let rate = per_second(CONCURRENCY * APPENDS_EACH, started);
    let after = store.write_stats();
    let per_commit =
        (after.writes - before.writes) / (after.transactions - before.transactions).max(1);
    (rate, per_commit)
}

async fn read_journals(store: &Arc<SqliteStore>) -> u64 {
    let started = Instant::now();
    // As many readers at once as a recovery would keep busy.
    let tasks: Vec<_> = (0..16)
        .map(|t| {
            let store = Arc::clone(store);
            tokio::spawn(async move {
                for n in (t..JOURNALS).step_by(16) {
                    let journal = store.journal(&arn(n)).await.expect("read a journal");
                    assert!(journal.is_some());
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("a reading task");
    }
    per_second(JOURNALS, started)
}

fn main() {
    let dir =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("sqlite-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a folder for the store");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let store = Arc::new(SqliteStore::open(dir.join("bench.db")).expect("open the store"));
    let (creates, (appends, per_commit), unfinished, journals) = runtime.block_on(async {
        let creates = create_all(&store).await;
        let appends = append_all(&store).await;
        let started = Instant::now();
        let list = store.unfinished().await.expect("unfinished");
        assert_eq!(list.len() as u64, EXECUTIONS);
        let unfinished = per_second(EXECUTIONS, started);
        (creates, appends, unfinished, read_journals(&store).await)
    });
    let size = std::fs::metadata(dir.join("bench.db")).map_or(0, |m| m.len());
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
    eprintln!(
        "{EXECUTIONS} executions, {} appends by {CONCURRENCY} at once, file {size} bytes",
        CONCURRENCY * APPENDS_EACH
    );
    println!("creates: {creates} creates/s");
    println!("appends: {appends} appends/s");
    println!("appends_per_commit: {per_commit} appends");
    println!("unfinished: {unfinished} executions/s");
    println!("journal_reads: {journals} journals/s");
}
