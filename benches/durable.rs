//! The durable figures: workloads run on the SQLite store (`workflow-sqlite`) in a real file
//! in a temporary folder of the target directory, with every commit fsync'd (WAL,
//! `synchronous=FULL`, as shipped), and what recovery and parked executions cost.
//!
//! `cargo bench --bench durable` ends with one line per figure:
//!
//! - `D2: N transitions/s`: W2 (1,000 executions of a 5-state machine), all started at once;
//! - `D5: N transitions/s`: W5 (100 chained Tasks), [`D5_AT_ONCE`] executions at once;
//! - `D6: N transitions/s`: 1,000 executions of 10 chained Tasks, all at once;
//! - `R: N executions recovered/s`: [`RECOVERED`] executions parked in a one-hour Wait, their
//!   runtime and store closed; the store opened again and [`Runtime::resume`] timed until
//!   every one is parked again;
//! - `P: N bytes per parked execution`: what [`PARKED`] executions parked in a one-hour Wait
//!   add to the process's resident memory (VmRSS).
//!
//! Everything runs on a single-threaded tokio runtime (one core); the store's writer and
//! readers are threads of their own. The figures of a run are medians of repeated runs.
//! `cargo bench --bench durable -- D6 P` computes only the figures named.

mod common;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::read;
use serde_json::{Value, json};
use tokio::task::JoinSet;
use workflow::runtime::store::testing::TempDir;
use workflow::runtime::{LoadOptions, Runtime, TaskContext, TaskError, Workflow};
use workflow_sqlite::SqliteStore;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// W5's executions running at once: one W5 alone waits for an fsync per Task (write-ahead),
/// so its speed is the disk's latency; many at once share each commit.
const D5_AT_ONCE: usize = 100;
/// D6: executions at once, and Tasks in each.
const D6_EXECUTIONS: usize = 1_000;
const D6_TASKS: usize = 10;
/// Executions parked, then recovered (R).
const RECOVERED: usize = 100_000;
/// Executions parked, for the memory they hold (P).
const PARKED: usize = 1_000_000;
/// How many starts are under way at once while executions are parked: each commit of the
/// store carries up to this many.
const STARTING_AT_ONCE: usize = 1_000;

/// A one-hour Wait: nothing fires while the bench runs, and an execution waiting a minute or
/// more is parked (it leaves memory).
const WAIT_AN_HOUR: &str = r#"{
  "Comment": "Waits an hour, then succeeds",
  "StartAt": "Wait",
  "States": {
    "Wait": {"Type": "Wait", "Seconds": 3600, "Next": "Done"},
    "Done": {"Type": "Succeed"}
  }
}"#;

fn read_json(name: &str) -> Value {
    serde_json::from_str(&read(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// `tasks` chained Tasks calling the identity function, as W5's.
fn task_chain(tasks: usize) -> String {
    let mut states = serde_json::Map::new();
    for n in 0..tasks {
        let mut state = json!({
            "Type": "Task",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:identity",
        });
        match n + 1 < tasks {
            true => state["Next"] = json!(format!("T{:03}", n + 1)),
            false => state["End"] = json!(true),
        }
        states.insert(format!("T{n:03}"), state);
    }
    json!({"StartAt": "T000", "States": states}).to_string()
}

/// A store in a new file of `dir`.
fn open_store(dir: &Path, name: &str) -> Arc<SqliteStore> {
    Arc::new(SqliteStore::open(dir.join(name)).expect("open the store"))
}

/// A runtime on `store`, with the identity function bound.
fn runtime_on(store: &Arc<SqliteStore>) -> Runtime {
    let runtime = Runtime::builder().seed(1).store(store.clone()).build();
    runtime.bind_lambda("identity", |input: Value, _ctx: TaskContext| async move {
        Ok::<_, TaskError>(input)
    });
    runtime
}

async fn register(runtime: &Runtime, name: &str, definition: &str) -> Workflow {
    runtime
        .register(name, definition, &LoadOptions::default())
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The state transitions (states entered) of one execution of `workflow`.
async fn transitions_of(runtime: &Runtime, workflow: &Workflow, input: &Value) -> usize {
    let execution = runtime
        .start(workflow, input.clone())
        .await
        .expect("starts");
    assert_eq!(execution.outcome().await.as_str(), "SUCCEEDED");
    execution
        .history()
        .await
        .iter()
        .filter(|e| e.event_type.as_str().ends_with("StateEntered"))
        .count()
}

/// Runs `executions` executions of `workflow` at once, each to its end; returns the time
/// from the first start to the last end.
async fn run_at_once(
    runtime: &Runtime,
    workflow: &Workflow,
    input: &Value,
    executions: usize,
) -> Duration {
    let started = Instant::now();
    let mut running = JoinSet::new();
    for _ in 0..executions {
        let (runtime, workflow, input) = (runtime.clone(), workflow.clone(), input.clone());
        running.spawn(async move {
            let execution = runtime.start(&workflow, input).await.expect("starts");
            let outcome = execution.outcome().await;
            assert_eq!(outcome.as_str(), "SUCCEEDED", "{outcome:?}");
        });
    }
    while let Some(ended) = running.join_next().await {
        ended.expect("an execution's task");
    }
    started.elapsed()
}

/// A workload's figure: transitions per second, the median of `runs` runs of `executions`
/// executions at once; with what the store committed for them.
async fn transitions_per_second(
    label: &str,
    store: &Arc<SqliteStore>,
    runtime: &Runtime,
    workflow: &Workflow,
    input: &Value,
    executions: usize,
    runs: usize,
) -> u64 {
    let per_execution = transitions_of(runtime, workflow, input).await;
    let busy_before = busy_threads();
    let before = store.write_stats();
    let mut times = Vec::new();
    for _ in 0..runs {
        times.push(run_at_once(runtime, workflow, input, executions).await);
    }
    let after = store.write_stats();
    let busy = busy_since(&busy_before, times.iter().sum());
    times.sort();
    let median = times[times.len() / 2];
    let transitions = per_execution * executions;
    let commits = after.transactions - before.transactions;
    let writes = after.writes - before.writes;
    println!(
        "{label}: {executions} executions at once, {transitions} transitions, median {:.1} ms of {runs} runs ({:.1} to {:.1} ms); {commits} commits of {} writes on average; busy: {busy}",
        median.as_secs_f64() * 1000.0,
        times[0].as_secs_f64() * 1000.0,
        times[times.len() - 1].as_secs_f64() * 1000.0,
        writes / commits.max(1),
    );
    (transitions as f64 / median.as_secs_f64()) as u64
}

/// Starts `count` executions of `workflow` (a one-hour Wait), [`STARTING_AT_ONCE`] at a
/// time, dropping their handles; returns once each is recorded and parked.
async fn park(runtime: &Runtime, workflow: &Workflow, count: usize) -> Duration {
    let started = Instant::now();
    let mut starting = JoinSet::new();
    for first in 0..STARTING_AT_ONCE.min(count) {
        let (runtime, workflow) = (runtime.clone(), workflow.clone());
        starting.spawn(async move {
            for n in (first..count).step_by(STARTING_AT_ONCE) {
                let input = json!({"n": n});
                let execution = runtime.start(&workflow, input).await.expect("starts");
                drop(execution);
            }
        });
    }
    while let Some(ended) = starting.join_next().await {
        ended.expect("a starting task");
    }
    settle().await;
    started.elapsed()
}

/// Returns once every task spawned before the call has run as far as it can: the tasks of a
/// single-threaded runtime run in the order they were woken, so a task spawned now runs after
/// them.
async fn settle() {
    tokio::spawn(async {})
        .await
        .expect("a task that does nothing");
}

/// How long each thread of the process has run on a core so far, by thread name.
fn busy_threads() -> Vec<(String, Duration)> {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    let mut threads: Vec<(String, Duration)> = Vec::new();
    for task in tasks.flatten() {
        let path = task.path();
        let name = std::fs::read_to_string(path.join("comm")).unwrap_or_default();
        let ran = std::fs::read_to_string(path.join("schedstat"))
            .ok()
            .and_then(|s| s.split_whitespace().next()?.parse().ok())
            .map_or(Duration::ZERO, Duration::from_nanos);
        let name = name.trim().to_string();
        match threads.iter_mut().find(|(n, _)| *n == name) {
            Some((_, total)) => *total += ran,
            None => threads.push((name, ran)),
        }
    }
    threads
}

/// The share of `elapsed` each thread ran since `before`: `durable-… 93%, workflow-sqlite… 41%`.
fn busy_since(before: &[(String, Duration)], elapsed: Duration) -> String {
    let mut shares = Vec::new();
    for (name, ran) in busy_threads() {
        let earlier = before
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(Duration::ZERO, |b| b.1);
        let share = ran.saturating_sub(earlier).as_secs_f64() / elapsed.as_secs_f64().max(1e-9);
        if share >= 0.01 {
            shares.push(format!("{name} {:.0}%", share * 100.0));
        }
    }
    shares.join(", ")
}

/// The tasks alive on the current tokio runtime, checked to be a handful: parked executions
/// hold no task of their own (one task of the runtime watches their deadlines).
fn parked_without_tasks() -> usize {
    let alive = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();
    assert!(
        alive <= 2,
        "{alive} tasks alive: parked executions hold tasks"
    );
    alive
}

/// The process's resident memory, in bytes (`VmRSS` of `/proc/self/status`).
fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/self/status");
    kib * 1024
}

/// The machine's load average over the last minute.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "unknown".to_string())
}

/// R: parks [`RECOVERED`] executions in a store, closes it with their runtime (a tokio
/// runtime of their own, shut down), opens it again and resumes them.
fn recovery(dir: &Path) -> u64 {
    let path = "recovery.db";
    {
        let tokio = single_threaded();
        let store = open_store(dir, path);
        tokio.block_on(async {
            let runtime = runtime_on(&store);
            let workflow = register(&runtime, "wait-an-hour", WAIT_AN_HOUR).await;
            let took = park(&runtime, &workflow, RECOVERED).await;
            println!(
                "R: {RECOVERED} executions started and parked in {:.1} s",
                took.as_secs_f64()
            );
        });
        // Shutting the tokio runtime down drops every driver, and with them the store.
    }
    let tokio = single_threaded();
    tokio.block_on(async {
        let started = Instant::now();
        let store = open_store(dir, path);
        let runtime = runtime_on(&store);
        let resumed = runtime.resume().await.expect("resume");
        settle().await;
        let took = started.elapsed();
        assert_eq!(resumed.len(), RECOVERED);
        assert!(resumed.iter().all(|e| e.try_outcome().is_none()));
        println!(
            "R: {RECOVERED} executions resumed (store opened, listed, each parked again) in {:.0} ms; {} tasks alive",
            took.as_secs_f64() * 1000.0,
            parked_without_tasks(),
        );
        (RECOVERED as f64 / took.as_secs_f64()) as u64
    })
}

/// P: the resident memory [`PARKED`] parked executions add.
fn parked_memory(dir: &Path) -> u64 {
    let tokio = single_threaded();
    let store = open_store(dir, "parked.db");
    tokio.block_on(async {
        let runtime = runtime_on(&store);
        let workflow = register(&runtime, "wait-an-hour", WAIT_AN_HOUR).await;
        // Warm: the first execution compiles and caches what every later one shares.
        park(&runtime, &workflow, 1).await;
        let before = resident_bytes();
        let busy = busy_threads();
        let took = park(&runtime, &workflow, PARKED).await;
        let busy = busy_since(&busy, took);
        let after = resident_bytes();
        println!(
            "P: {PARKED} executions started and parked in {:.1} s ({:.0}/s; busy: {busy}); resident memory {} MiB before, {} MiB after; {} tasks alive",
            took.as_secs_f64(),
            PARKED as f64 / took.as_secs_f64(),
            before >> 20,
            after >> 20,
            parked_without_tasks(),
        );
        after.saturating_sub(before) / PARKED as u64
    })
}

fn single_threaded() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// The figures asked for: `cargo bench --bench durable -- D6 P` computes D6 and P only;
/// without a name, all of them.
fn wanted() -> impl Fn(&str) -> bool {
    let names: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    move |figure| names.is_empty() || names.iter().any(|n| n == figure)
}

fn main() {
    let wanted = wanted();
    // The stores' folder, removed when the figures are made.
    let stores = TempDir::new_in(env!("CARGO_TARGET_TMPDIR"), "durable-bench");
    let dir = stores.path();
    println!("load average at the start: {}", load_average());

    let mut figures = Vec::new();
    let tokio = single_threaded();
    let store = open_store(dir, "workloads.db");
    tokio.block_on(async {
        let runtime = runtime_on(&store);
        let w5_input = read_json("w5_input.json");
        if wanted("D2") {
            let w2 = register(&runtime, "w2", &read("w2_five_states.json")).await;
            let input = read_json("w2_input.json");
            let d2 = transitions_per_second("D2", &store, &runtime, &w2, &input, 1_000, 7).await;
            figures.push(format!("D2: {d2} transitions/s"));
        }
        if wanted("D5") {
            let w5 = register(&runtime, "w5", &read("w5_task_chain_lambda.json")).await;
            let alone = "D5 (one execution)";
            let one = transitions_per_second(alone, &store, &runtime, &w5, &w5_input, 1, 5).await;
            println!("{alone}: {one} transitions/s");
            let d5 =
                transitions_per_second("D5", &store, &runtime, &w5, &w5_input, D5_AT_ONCE, 5).await;
            figures.push(format!("D5: {d5} transitions/s"));
        }
        if wanted("D6") {
            let chain = register(&runtime, "d6", &task_chain(D6_TASKS)).await;
            let d6 =
                transitions_per_second("D6", &store, &runtime, &chain, &w5_input, D6_EXECUTIONS, 5)
                    .await;
            figures.push(format!("D6: {d6} transitions/s"));
        }
    });
    drop(tokio);
    drop(store);

    if wanted("R") {
        figures.push(format!("R: {} executions recovered/s", recovery(dir)));
    }
    if wanted("P") {
        figures.push(format!(
            "P: {} bytes per parked execution",
            parked_memory(dir)
        ));
    }
    drop(stores);

    println!("load average at the end: {}", load_average());
    // Last, for tools: one line per figure.
    for figure in figures {
        println!("{figure}");
    }
}
