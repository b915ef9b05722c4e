//! The benchmark workloads (`benches/workloads`), run through the public
//! runtime API on a single-threaded tokio runtime (one core).
//!
//! `cargo bench --bench workloads` runs criterion on each workload, then prints the peak heap
//! memory each workload held during one run, the `workflow!` comparison (`DSL50:`), and last
//! one line per workload, `W1: <N> transitions/s` (N the median over repeated runs).

mod common;

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::read;
use criterion::{Criterion, Throughput};
use serde_json::Value;
use workflow::runtime::{Runtime, StartOptions, TaskContext, TaskError, Workflow};

/// Counts live and peak heap bytes, to report each workload's peak memory.
struct CountingAllocator;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
/// Counting costs atomic operations on every allocation: only while memory is measured.
static COUNTING: AtomicBool = AtomicBool::new(false);

/// The allocator underneath: mimalloc (the default, as we recommend for services), or the
/// system allocator with `--features system-allocator`.
#[cfg(not(feature = "system-allocator"))]
static INNER: mimalloc::MiMalloc = mimalloc::MiMalloc;
#[cfg(feature = "system-allocator")]
static INNER: std::alloc::System = std::alloc::System;

const ALLOCATOR_NAME: &str = if cfg!(feature = "system-allocator") {
    "system"
} else {
    "mimalloc"
};

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded to the inner allocator with the caller's layout.
        let p = unsafe { INNER.alloc(layout) };
        if !p.is_null() && COUNTING.load(Ordering::Relaxed) {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded to the inner allocator with the caller's pointer and layout.
        unsafe { INNER.dealloc(ptr, layout) };
        if COUNTING.load(Ordering::Relaxed) {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

mod fifty {
    include!("fifty/tasks.rs");
    include!("fifty/workflow.rs");
}

struct Workload {
    id: &'static str,
    workflow: Workflow,
    input: Value,
    /// Executions per run (W2 runs 1,000).
    executions: usize,
    runtime: Runtime,
}

fn workload(id: &'static str, definition: &str, input: &str, executions: usize) -> Workload {
    let runtime = Runtime::builder().seed(1).build();
    runtime.bind_lambda("identity", |input: Value, _ctx: TaskContext| async move {
        Ok::<_, TaskError>(input)
    });
    let workflow = runtime
        .load(&read(definition))
        .unwrap_or_else(|e| panic!("{id}: {e}"));
    let input = serde_json::from_str(&read(input)).unwrap_or_else(|e| panic!("{id}: {e}"));
    Workload {
        id,
        workflow,
        input,
        executions,
        runtime,
    }
}

/// The workloads run to their end with every event kept, as the other interpreters ran them:
/// W3's 60,006 events are past a STANDARD execution's 25,000-event quota, at which AWS (and
/// this runtime, by default) would fail it.
fn full_history() -> StartOptions {
    StartOptions::default().without_history_limit()
}

/// Runs a workload once; returns the number of state transitions (states entered).
async fn run(w: &Workload) -> usize {
    let mut transitions = 0;
    for _ in 0..w.executions {
        let execution = w
            .runtime
            .start_with(&w.workflow, w.input.clone(), &full_history())
            .await
            .expect("the workload starts");
        let outcome = execution.outcome().await;
        assert_eq!(outcome.as_str(), "SUCCEEDED", "{}: {outcome:?}", w.id);
        transitions += execution
            .history()
            .await
            .iter()
            .filter(|e| e.event_type.as_str().ends_with("StateEntered"))
            .count();
    }
    transitions
}

/// Runs a workload once without reading its history back (what the timing measures).
async fn run_timed(w: &Workload) {
    for _ in 0..w.executions {
        let execution = w
            .runtime
            .start_with(&w.workflow, w.input.clone(), &full_history())
            .await
            .expect("the workload starts");
        execution.outcome().await;
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a tokio runtime");
    let workloads = [
        workload("W1", "w1_pass_chain_1000.json", "w1_input.json", 1),
        workload("W2", "w2_five_states.json", "w2_input.json", 1000),
        workload("W3", "w3_map_itemprocessor.json", "w3_input_10000.json", 1),
        workload("W4", "w4_parallel_10x10.json", "w4_input.json", 1),
        workload("W5", "w5_task_chain_lambda.json", "w5_input.json", 1),
    ];
    let transitions: Vec<usize> = workloads.iter().map(|w| rt.block_on(run(w))).collect();

    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
        .configure_from_args();
    for (w, t) in workloads.iter().zip(&transitions) {
        let mut group = criterion.benchmark_group(w.id);
        group.throughput(Throughput::Elements(*t as u64));
        group.bench_function("run", |b| b.iter(|| rt.block_on(run_timed(w))));
        group.finish();
    }
    criterion.final_summary();

    // One machine-readable line per workload: the median over repeated runs.
    let mut lines = Vec::new();
    let mut memory = Vec::new();
    for (w, t) in workloads.iter().zip(&transitions) {
        let mut times = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(2);
        while times.len() < 5 || (Instant::now() < deadline && times.len() < 1000) {
            let start = Instant::now();
            rt.block_on(run_timed(w));
            times.push(start.elapsed());
        }
        times.sort();
        let median = times[times.len() / 2];
        let per_second = (*t as f64 / median.as_secs_f64()) as u64;
        lines.push(format!("{}: {per_second} transitions/s", w.id));

        // Only what the run allocates counts: frees of older blocks would make LIVE wrap, so
        // it is compared as a signed balance.
        LIVE.store(1 << 40, Ordering::Relaxed);
        PEAK.store(1 << 40, Ordering::Relaxed);
        COUNTING.store(true, Ordering::Relaxed);
        rt.block_on(run_timed(w));
        COUNTING.store(false, Ordering::Relaxed);
        let peak = PEAK.load(Ordering::Relaxed).saturating_sub(1 << 40);
        memory.push(format!(
            "{} peak heap: {} over {} transitions ({} runs timed, median {:.3} ms)",
            w.id,
            human_bytes(peak),
            t,
            times.len(),
            median.as_secs_f64() * 1000.0
        ));
    }
    let (dsl, json) = dsl_overhead(&rt);
    println!("allocator: {ALLOCATOR_NAME}");
    for m in &memory {
        println!("{m}");
    }
    println!(
        "DSL50: {dsl} transitions/s through workflow!, {json} transitions/s for the same ASL loaded from JSON"
    );
    // Last, for tools: one line per workload.
    for l in &lines {
        println!("{l}");
    }
}

/// `1.1 MiB`, or `34 KiB` below one MiB.
fn human_bytes(bytes: usize) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    if bytes as f64 >= MIB {
        format!("{:.1} MiB", bytes as f64 / MIB)
    } else {
        format!("{} KiB", bytes.div_ceil(1024))
    }
}

/// The 50-state workflow, run through its `workflow!` type and through its exported ASL
/// loaded from JSON: the same plan, so the same speed.
fn dsl_overhead(rt: &tokio::runtime::Runtime) -> (u64, u64) {
    let input = || fifty::FiftyDoc {
        counter: fifty::Counter { count: 0 },
        last: None,
    };
    let runtime = Runtime::builder().seed(1).build();
    let from_json = runtime
        .load(fifty::Fifty::asl_json())
        .expect("the exported ASL loads");
    fifty::Fifty::bind(&runtime)
        .finish()
        .expect("the tasks bind");
    let measure = |typed: bool| {
        let mut times = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(2);
        while times.len() < 5 || (Instant::now() < deadline && times.len() < 2000) {
            let start = Instant::now();
            rt.block_on(async {
                if typed {
                    let execution = fifty::Fifty::start(&runtime, input())
                        .await
                        .expect("starts");
                    execution.output().await.expect("succeeds");
                } else {
                    let execution = runtime
                        .start(
                            &from_json,
                            serde_json::to_value(input()).expect("serializes"),
                        )
                        .await
                        .expect("starts");
                    assert_eq!(execution.outcome().await.as_str(), "SUCCEEDED");
                }
            });
            times.push(start.elapsed());
        }
        times.sort();
        (50.0 / times[times.len() / 2].as_secs_f64()) as u64
    };
    (measure(true), measure(false))
}
