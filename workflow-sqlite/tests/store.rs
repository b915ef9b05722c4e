//! What only a durable store on a file does: keep everything across a reopen, refuse files
//! it must not touch, one process at a time, and keep nothing of a write that failed.

mod common;

use std::path::Path;
use std::sync::Arc;

use common::temp_dir;
use rusqlite::Connection;
use serde_json::json;
use workflow_core::journal::Entry;
use workflow_runtime::MachineType;
use workflow_runtime::store::testing::samples::{self, finished, start_of, task_entry, waiting};
use workflow_runtime::store::{
    ExecutionFilter, ExecutionRecord, PageRequest, Progress, Status, Store, StoreError, Waiting,
};
use workflow_sqlite::{FORMAT, SqliteStore};

fn open(path: &Path) -> SqliteStore {
    SqliteStore::open(path).expect("open the store")
}

/// Everything `store` holds that a reader can ask for.
async fn everything(store: &SqliteStore) -> String {
    let mut out = String::new();
    let machines = store
        .list_state_machines(PageRequest::first(1000))
        .await
        .unwrap();
    for machine in &machines.items {
        for revision in 1..=machine.revision {
            let record = store
                .state_machine(&machine.name, Some(revision))
                .await
                .unwrap();
            out += &format!("{record:?}\n");
        }
    }
    let executions = store
        .list_executions(&ExecutionFilter::all(), PageRequest::first(1000))
        .await
        .unwrap();
    for record in &executions.items {
        out += &format!(
            "{record:?}\n{:?}\n",
            store.journal(&record.arn).await.unwrap()
        );
    }
    let mut unfinished = store.unfinished().await.unwrap();
    unfinished.sort_by(|a, b| a.record.arn.cmp(&b.record.arn));
    out += &format!("{unfinished:?}\n");
    out
}

#[tokio::test]
async fn reopening_keeps_every_acknowledged_write() {
    let dir = temp_dir("reopen");
    let path = dir.store_path();
    let store = open(&path);
    let standard = MachineType::Standard;
    store
        .save_state_machine("orders", "{\"v\": 1}", standard, 1)
        .await
        .unwrap();
    store
        .save_state_machine("orders", "{\"v\": 2}", standard, 2)
        .await
        .unwrap();
    let mut executions = Vec::new();
    for n in 0..3 {
        let record = samples::execution("orders", &format!("e{n}"), 10 + n);
        let w = waiting(Some(1_000 + n), &[(&format!("token-{n}"), n as u64)], false);
        store
            .create_execution(&record, Some(&start_of(&record)), &w)
            .await
            .unwrap();
        let entries: Vec<Entry> = (1..=5).map(task_entry).collect();
        store
            .append(&record.arn, &entries, &Progress::Running(w))
            .await
            .unwrap();
        executions.push(record);
    }
    store
        .append(
            &executions[1].arn,
            &[task_entry(6)],
            &finished(Status::Succeeded, 99),
        )
        .await
        .unwrap();
    let before = everything(&store).await;
    drop(store);

    let store = open(&path);
    assert_eq!(everything(&store).await, before);
    assert_eq!(
        store.token("token-2").await.unwrap().map(|(arn, _)| arn),
        Some(executions[2].arn.clone())
    );
    assert_eq!(
        store.token("token-1").await.unwrap(),
        None,
        "its execution ended"
    );

    // Appending after a reopen goes on where the journal ended.
    store
        .append(
            &executions[0].arn,
            &[task_entry(6)],
            &Progress::Running(Waiting::default()),
        )
        .await
        .unwrap();
    let (_, entries) = store.journal(&executions[0].arn).await.unwrap().unwrap();
    assert_eq!(entries, (1..=6).map(task_entry).collect::<Vec<_>>());
}

#[tokio::test]
async fn dropping_the_store_writes_what_is_queued() {
    let dir = temp_dir("drop");
    let path = dir.store_path();
    let store = open(&path);
    let record = samples::execution("orders", "queued", 1);
    store
        .create_execution(&record, Some(&start_of(&record)), &Waiting::default())
        .await
        .unwrap();
    let entries: Vec<[Entry; 1]> = (1..=500).map(|n| [task_entry(n)]).collect();
    let running = Progress::Running(Waiting::default());
    // A write is queued when asked for, whether or not its future is awaited.
    let pending: Vec<_> = entries
        .iter()
        .map(|e| store.append(&record.arn, e, &running))
        .collect();
    drop(pending);
    drop(store);

    let store = open(&path);
    let (_, kept) = store.journal(&record.arn).await.unwrap().unwrap();
    assert_eq!(kept, (1..=500).map(task_entry).collect::<Vec<_>>());
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn not_a_store(result: Result<SqliteStore, StoreError>) -> String {
    match result {
        Err(StoreError::NotAStore { reason, .. }) => reason,
        other => panic!("expected NotAStore, got {other:?}"),
    }
}

#[test]
fn a_file_that_is_not_a_store_is_refused_and_left_untouched() {
    let dir = temp_dir("not-a-store");

    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "these are not the executions you are looking for\n").unwrap();
    let reason = not_a_store(SqliteStore::open(&text));
    assert!(reason.contains("not a SQLite database"), "{reason}");
    assert_eq!(
        std::fs::read_to_string(&text).unwrap(),
        "these are not the executions you are looking for\n"
    );
    assert_eq!(
        files_in(dir.path()),
        ["notes.txt"],
        "nothing written beside it"
    );

    let folder = dir.path().join("folder");
    std::fs::create_dir(&folder).unwrap();
    assert!(not_a_store(SqliteStore::open(&folder)).contains("directory"));

    // The SQLite header, then garbage.
    let damaged = dir.path().join("damaged.db");
    let mut bytes = b"SQLite format 3\0".to_vec();
    bytes.extend(std::iter::repeat_n(0xa5, 4_000));
    std::fs::write(&damaged, &bytes).unwrap();
    let refused = SqliteStore::open(&damaged);
    assert!(
        matches!(
            refused,
            Err(StoreError::NotAStore { .. } | StoreError::Io(_))
        ),
        "{refused:?}"
    );
    assert_eq!(std::fs::read(&damaged).unwrap(), bytes);

    // Another application's database: read, never changed (not even to WAL mode).
    let other = dir.path().join("other.db");
    {
        let conn = Connection::open(&other).unwrap();
        conn.execute_batch(
            "CREATE TABLE customers (name TEXT); INSERT INTO customers VALUES ('x');",
        )
        .unwrap();
    }
    let bytes = std::fs::read(&other).unwrap();
    let reason = not_a_store(SqliteStore::open(&other));
    assert!(reason.contains("another application"), "{reason}");
    assert_eq!(std::fs::read(&other).unwrap(), bytes);

    // An empty file is an empty database: it becomes a store.
    let empty = dir.path().join("empty.db");
    std::fs::write(&empty, "").unwrap();
    assert!(open(&empty).is_durable());

    let missing = dir.path().join("no-such-folder").join("store.db");
    assert!(matches!(
        SqliteStore::open(&missing),
        Err(StoreError::Io(_))
    ));
}

#[test]
fn a_store_of_a_newer_version_is_refused_and_left_untouched() {
    let dir = temp_dir("newer");
    let path = dir.store_path();
    drop(open(&path));
    {
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", FORMAT + 1)
            .unwrap();
    }
    let bytes = std::fs::read(&path).unwrap();
    match SqliteStore::open(&path) {
        Err(e @ StoreError::NewerVersion { .. }) => {
            assert_eq!(
                e,
                StoreError::NewerVersion {
                    path: path.display().to_string(),
                    found: FORMAT + 1,
                    supported: FORMAT,
                }
            );
            assert!(e.to_string().contains("upgrade workflow"), "{e}");
        }
        other => panic!("expected NewerVersion, got {other:?}"),
    }
    assert_eq!(std::fs::read(&path).unwrap(), bytes);
}

#[test]
fn a_second_open_is_refused_while_the_first_is_open() {
    let dir = temp_dir("locked");
    let path = dir.store_path();
    let first = open(&path);
    assert_eq!(
        SqliteStore::open(&path).unwrap_err(),
        StoreError::Locked {
            path: path.display().to_string()
        }
    );
    drop(first);
    drop(open(&path));
}

/// Installs a trigger that fails every journal insert whose record contains `poison`: a
/// write that fails halfway through, after some of its rows went in.
fn poison_journal(path: &Path) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(
        "CREATE TRIGGER poison BEFORE INSERT ON journal WHEN NEW.record LIKE '%poison%'
         BEGIN SELECT RAISE(ABORT, 'injected fault'); END;",
    )
    .unwrap();
}

fn poisoned_entry() -> Entry {
    let mut entry = task_entry(2);
    entry.event = workflow_core::execution::Event::TaskSucceeded {
        task: workflow_core::execution::TaskId(2),
        output: json!("poison"),
    };
    entry
}

fn assert_io(result: Result<(), StoreError>) {
    match result {
        Err(StoreError::Io(message)) => assert!(message.contains("injected fault"), "{message}"),
        other => panic!("expected StoreError::Io, got {other:?}"),
    }
}

#[tokio::test]
async fn a_write_that_fails_halfway_keeps_nothing_of_itself() {
    let dir = temp_dir("fault");
    let path = dir.store_path();
    let record = samples::execution("orders", "victim", 1);
    let first_wait = waiting(Some(100), &[("old-token", 1)], false);
    {
        let store = open(&path);
        store
            .create_execution(&record, Some(&start_of(&record)), &first_wait)
            .await
            .unwrap();
        store
            .append(
                &record.arn,
                &[task_entry(1)],
                &Progress::Running(first_wait.clone()),
            )
            .await
            .unwrap();
    }
    poison_journal(&path);
    let store = open(&path);
    let before = everything(&store).await;

    // The first entry goes in, the second fails: the append, its progress and tokens too,
    // are all undone.
    let entries = [task_entry(10), poisoned_entry(), task_entry(11)];
    let next_wait = waiting(Some(200), &[("new-token", 2)], true);
    assert_io(
        store
            .append(&record.arn, &entries, &Progress::Running(next_wait.clone()))
            .await,
    );
    assert_io(
        store
            .append(&record.arn, &entries, &finished(Status::Failed, 5))
            .await,
    );
    assert_eq!(everything(&store).await, before);
    assert_eq!(store.token("new-token").await.unwrap(), None);
    assert!(store.token("old-token").await.unwrap().is_some());

    // A create whose start record fails: the execution's row, written first, is undone.
    let mut doomed = samples::execution("orders", "doomed", 2);
    doomed.input = Arc::new(json!("poison"));
    assert_io(
        store
            .create_execution(&doomed, Some(&start_of(&doomed)), &Waiting::default())
            .await,
    );
    assert_eq!(store.execution(&doomed.arn).await.unwrap(), None);
    assert_eq!(everything(&store).await, before);

    // The store goes on: the same execution and ARN take clean writes.
    store
        .append(
            &record.arn,
            &[task_entry(2)],
            &Progress::Running(next_wait.clone()),
        )
        .await
        .unwrap();
    doomed.input = Arc::new(json!("clean"));
    store
        .create_execution(&doomed, Some(&start_of(&doomed)), &Waiting::default())
        .await
        .unwrap();
    let (_, kept) = store.journal(&record.arn).await.unwrap().unwrap();
    assert_eq!(kept, [task_entry(1), task_entry(2)]);
    assert_eq!(
        store.token("new-token").await.unwrap(),
        Some((record.arn.clone(), workflow_core::execution::TaskId(2)))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_appends_are_all_kept_in_order_and_share_commits() {
    let dir = temp_dir("concurrent");
    let store = std::sync::Arc::new(open(&dir.store_path()));
    const EXECUTIONS: usize = 200;
    const APPENDS: u64 = 20;
    let mut records: Vec<ExecutionRecord> = Vec::new();
    for n in 0..EXECUTIONS {
        let record = samples::execution("orders", &format!("e{n:03}"), n as i64);
        store
            .create_execution(&record, Some(&start_of(&record)), &Waiting::default())
            .await
            .unwrap();
        records.push(record);
    }
    let before = store.write_stats();
    let tasks: Vec<_> = records
        .iter()
        .map(|record| {
            let store = std::sync::Arc::clone(&store);
            let arn = record.arn.clone();
            tokio::spawn(async move {
                for n in 1..=APPENDS {
                    let w = waiting(Some(n as i64), &[], false);
                    store
                        .append(&arn, &[task_entry(n)], &Progress::Running(w))
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let after = store.write_stats();
    let writes = after.writes - before.writes;
    let transactions = after.transactions - before.transactions;
    assert_eq!(writes, EXECUTIONS as u64 * APPENDS);
    // 200 writers each waiting for its last write: while one transaction is fsync'd, others
    // queue, and the next transaction takes them all.
    assert!(
        transactions < writes,
        "{transactions} transactions for {writes} writes"
    );

    let expected: Vec<Entry> = (1..=APPENDS).map(task_entry).collect();
    for record in &records {
        let (_, entries) = store.journal(&record.arn).await.unwrap().unwrap();
        assert_eq!(entries, expected, "{}", record.arn);
    }
    let unfinished = store.unfinished().await.unwrap();
    assert_eq!(unfinished.len(), EXECUTIONS);
    assert!(
        unfinished
            .iter()
            .all(|u| u.waiting.next_timer == Some(APPENDS as i64))
    );
}
