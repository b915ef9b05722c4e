//! The crash test: a worker process running STANDARD executions on a SQLite store (tasks,
//! Retry, Catch, a Choice, a Parallel, an inline Map with MaxConcurrency, Waits, a callback;
//! see `order.asl.json` and `worker.rs`) is killed with SIGKILL at random points and started
//! again, until every execution has ended. Then every execution must have ended as in an
//! uninterrupted run (status, output, history with its timestamps aside; a history that
//! differs is reported with the states entered more often than in it), no task invoked again
//! once its outcome was journaled, and every journaled outcome returned by a handler of the
//! launch that journaled it.
//!
//! A run of kills goes on in rounds: a round is a fresh store, killed until it completes;
//! rounds follow one another until the kills are made.
//!
//! - `WORKFLOW_CRASH_KILLS` (default 50): how many kills.
//! - `WORKFLOW_CRASH_SEED`: replays the kill points of an earlier run (each run prints its
//!   seed first).
//! - `WORKFLOW_CRASH_EXECUTIONS` (default 20): executions per round.
//!
//! `scripts/crash-test.sh` runs it in release mode at 1,000 kills. The test binary is the
//! worker too: run with `WORKFLOW_SQLITE_CHILD` set, it plays the worker's part.

#[path = "../common/mod.rs"]
mod common;

mod checks;
mod worker;

use std::collections::BTreeMap;
use std::io::BufRead;
use std::path::Path;
use std::process::{Child, ExitStatus};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use common::child::{
    CHILD, Random, number_from_env, run_tests, seed_from_env, signal_of, spawn_child, this_binary,
    watchdog,
};
use common::temp_dir;

use crate::checks::{Invocations, Snapshot, snapshot};
use crate::worker::{DIR, EXECUTIONS, LAUNCH, ORIGIN, wall_millis};

fn main() {
    if std::env::var(CHILD).is_ok() {
        return worker::run();
    }
    run_tests(&[(
        "killed_at_random_points_every_execution_ends_as_an_uninterrupted_run",
        killed_at_random_points,
    )]);
}

/// One launch of the worker.
struct Launch {
    child: Child,
    /// Its stdout's lines, as they come.
    lines: mpsc::Receiver<String>,
    /// What it said so far.
    said: Vec<String>,
    /// When it was started, and when it said it had started its executions.
    launched: Instant,
    ready: Option<Duration>,
    _watchdog: mpsc::Sender<()>,
}

/// Where a launch was, by what it last said of where it was (it also tells what the runtime
/// acknowledged: `start NAME`, `answered TOKEN`).
fn phase_of(said: &[String]) -> &'static str {
    let mut phases = said
        .iter()
        .rev()
        .filter_map(|line| match line.split(' ').next() {
            Some("open") => Some("resuming"),
            Some("resumed") => Some("starting executions"),
            Some("started") => Some("running"),
            Some("done") => Some("exiting"),
            _ => None,
        });
    phases.next().unwrap_or("opening the store")
}

impl Launch {
    fn start(dir: &Path, executions: usize, origin: i64, number: usize) -> Launch {
        let mut command = this_binary();
        command
            .env(DIR, dir)
            .env(EXECUTIONS, executions.to_string())
            .env(ORIGIN, origin.to_string())
            .env(LAUNCH, number.to_string());
        let (child, stdout) = spawn_child(command, "worker");
        let (tell, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in stdout.lines() {
                let Ok(line) = line else { return };
                if tell.send(line).is_err() {
                    return;
                }
            }
        });
        Launch {
            _watchdog: watchdog(&child, Duration::from_secs(120)),
            child,
            lines,
            said: Vec::new(),
            launched: Instant::now(),
            ready: None,
        }
    }

    /// Lets the worker run until it exits, or until `limit` has passed: its exit status if
    /// it exited.
    fn run(&mut self, limit: Option<Duration>) -> Option<ExitStatus> {
        let deadline = limit.map(|limit| Instant::now() + limit);
        loop {
            let line = match deadline {
                Some(deadline) => self
                    .lines
                    .recv_timeout(deadline.saturating_duration_since(Instant::now())),
                None => self
                    .lines
                    .recv()
                    .map_err(|_| RecvTimeoutError::Disconnected),
            };
            match line {
                Ok(line) => {
                    if line == "started" {
                        self.ready = Some(self.launched.elapsed());
                    }
                    self.said.push(line);
                }
                Err(RecvTimeoutError::Timeout) => return None,
                // Its stdout closed: it is ending.
                Err(RecvTimeoutError::Disconnected) => {
                    return Some(self.child.wait().expect("reap the worker"));
                }
            }
        }
    }

    /// SIGKILLs the worker: how it ended, and where it was.
    fn kill(&mut self) -> (ExitStatus, &'static str) {
        self.child.kill().expect("SIGKILL the worker");
        let status = self.child.wait().expect("reap the worker");
        // What it said before it died.
        self.said.extend(self.lines.iter());
        (status, phase_of(&self.said))
    }
}

/// The figures of a run of kills.
#[derive(Default)]
struct Figures {
    rounds: usize,
    launches: usize,
    kills: usize,
    /// Kills after which the store held unfinished executions, or not all of them yet.
    mid_run: usize,
    /// Kills by where the worker was (what it had said).
    by_launch_phase: BTreeMap<&'static str, usize>,
    /// Kills by the top-level states the unfinished executions were in (a kill counts once
    /// for each state it caught executions in).
    by_state: BTreeMap<String, usize>,
    with_tasks_in_flight: usize,
    with_callbacks_waiting: usize,
    executions: usize,
    invocations: Invocations,
}

impl Figures {
    fn add_kill(&mut self, phase: &'static str, found: &Snapshot, executions: usize) {
        self.kills += 1;
        *self.by_launch_phase.entry(phase).or_default() += 1;
        if found.unfinished > 0 || found.executions < executions {
            self.mid_run += 1;
        }
        for state in &found.phases {
            *self.by_state.entry(state.clone()).or_default() += 1;
        }
        self.with_tasks_in_flight += usize::from(found.in_flight > 0);
        self.with_callbacks_waiting += usize::from(found.waiting_for_token > 0);
    }

    fn add_invocations(&mut self, run: Invocations) {
        let sum = &mut self.invocations;
        sum.calls += run.calls;
        sum.invocations += run.invocations;
        sum.again += run.again;
        sum.again_after_returning += run.again_after_returning;
    }
}

/// An uninterrupted run, to compare the others with.
struct Reference {
    ended: Vec<checks::Ended>,
    /// How long it took.
    took: Duration,
    /// How long the worker took to start its executions.
    ready: Duration,
}

/// Runs a worker on a fresh store without killing it: the executions every round must match.
fn uninterrupted(executions: usize) -> Reference {
    let dir = temp_dir("crash-reference");
    let mut launch = Launch::start(dir.path(), executions, wall_millis(), 0);
    let status = launch.run(None).expect("it runs to its end");
    let took = launch.launched.elapsed();
    assert!(status.success(), "the uninterrupted run: {status}");
    assert_eq!(phase_of(&launch.said), "exiting", "{:?}", launch.said);
    let mut found = snapshot(dir.path(), true);
    checks::check_reference(&found.ended, executions);
    // Uninterrupted, each invocation is called once, and its outcome journaled.
    let log = worker::read_invocation_log(dir.path());
    let mut violations = Vec::new();
    checks::check_acknowledged(
        &launch.said,
        &found,
        "the uninterrupted run",
        &mut violations,
    );
    let ended = std::mem::take(&mut found.ended);
    let figures =
        checks::check_invocations(&log, &[found], "the uninterrupted run", &mut violations);
    assert_eq!(violations, Vec::<String>::new());
    assert_eq!(figures.calls, checks::expected_calls(executions));
    assert_eq!(figures.invocations, figures.calls);
    Reference {
        ended,
        took,
        ready: launch
            .ready
            .expect("it said when its executions were started"),
    }
}

/// When to kill the next launch: one time in eight while the worker starts (opens the store,
/// resumes, starts executions: as long as that took the uninterrupted run), otherwise
/// anywhere in the next half of the uninterrupted run's time: a round then takes several
/// kills, spread over the run, before it completes.
fn kill_delay(random: &mut Random, reference: &Reference) -> Duration {
    let within = match random.below(8) {
        0 => reference.ready,
        _ => reference.took / 2,
    };
    Duration::from_micros(random.below(within.as_micros().max(1) as u64))
}

fn killed_at_random_points() {
    let wanted = number_from_env("WORKFLOW_CRASH_KILLS", 50) as usize;
    let executions = number_from_env("WORKFLOW_CRASH_EXECUTIONS", 20) as usize;
    let seed = seed_from_env("WORKFLOW_CRASH_SEED");
    println!(
        "kill points from WORKFLOW_CRASH_SEED={seed} ({wanted} kills, {executions} executions a round)"
    );
    let started = Instant::now();
    let reference = uninterrupted(executions);
    println!(
        "uninterrupted run: {} ms, its executions started after {} ms",
        reference.took.as_millis(),
        reference.ready.as_millis()
    );
    let mut random = Random(seed);
    let mut figures = Figures::default();
    let mut violations = Vec::new();
    while figures.kills < wanted {
        figures.rounds += 1;
        let round = figures.rounds;
        let dir = temp_dir(&format!("crash-round-{round}"));
        let origin = wall_millis();
        // What the store held as each launch ended.
        let mut ends = Vec::new();
        let said = loop {
            let number = ends.len();
            assert!(
                number < 20 + 4 * wanted,
                "round {round} (seed {seed}): no end after {number} launches"
            );
            figures.launches += 1;
            let mut launch = Launch::start(dir.path(), executions, origin, number);
            let kill_at = (figures.kills < wanted).then(|| kill_delay(&mut random, &reference));
            if let Some(status) = launch.run(kill_at) {
                assert!(status.success(), "round {round} (seed {seed}): {status}");
                break launch.said;
            }
            let (status, phase) = launch.kill();
            if status.success() {
                // It ended as the kill came.
                break launch.said;
            }
            assert_eq!(
                signal_of(status),
                Some(9),
                "round {round} (seed {seed}), launch {number}: {status}"
            );
            let found = snapshot(dir.path(), false);
            let context = format!("round {round} (seed {seed}), launch {number}");
            checks::check_acknowledged(&launch.said, &found, &context, &mut violations);
            figures.add_kill(phase, &found, executions);
            ends.push(found);
        };
        let context = format!("round {round} (seed {seed})");
        let mut found = snapshot(dir.path(), true);
        checks::check_acknowledged(&said, &found, &context, &mut violations);
        checks::compare(&reference.ended, &found.ended, &context, &mut violations);
        figures.executions += found.ended.len();
        found.ended.clear();
        ends.push(found);
        let log = worker::read_invocation_log(dir.path());
        figures.add_invocations(checks::check_invocations(
            &log,
            &ends,
            &context,
            &mut violations,
        ));
        println!(
            "round {round}: {} launches, {} kills so far, {} violations so far",
            ends.len(),
            figures.kills,
            violations.len()
        );
        if violations.len() > 20 {
            break;
        }
    }
    report(&figures, violations.len(), started.elapsed());
    assert!(
        violations.is_empty(),
        "seed {seed}: {} violations:\n{}",
        violations.len(),
        violations.join("\n")
    );
    // Kills that only hit a worker with nothing left to do would test nothing.
    assert!(
        figures.mid_run * 10 >= figures.kills * 6,
        "seed {seed}: only {} of {} kills hit a run in the middle",
        figures.mid_run,
        figures.kills
    );
    assert!(
        figures.invocations.again > 0,
        "seed {seed}: no kill came while a task handler ran"
    );
}

fn report(figures: &Figures, violations: usize, took: Duration) {
    let f = figures;
    println!("crash test figures");
    println!("  rounds (a fresh store each):       {}", f.rounds);
    println!("  launches of the worker:            {}", f.launches);
    println!("  kills (SIGKILL):                   {}", f.kills);
    println!(
        "  kills mid-run:                     {} (after every execution had ended: {})",
        f.mid_run,
        f.kills - f.mid_run
    );
    for (phase, n) in &f.by_launch_phase {
        println!("    with the worker {phase}: {n}");
    }
    for (state, n) in &f.by_state {
        println!("    with executions in {state}: {n}");
    }
    println!(
        "    with task handlers in flight: {}",
        f.with_tasks_in_flight
    );
    println!(
        "    with callbacks waiting for their token: {}",
        f.with_callbacks_waiting
    );
    println!("  executions:                        {}", f.executions);
    println!(
        "  handler calls:                     {}",
        f.invocations.calls
    );
    println!(
        "  invocations:                       {}",
        f.invocations.invocations
    );
    println!(
        "  invoked again after a kill:        {}",
        f.invocations.again
    );
    println!(
        "    of which had returned, unjournaled: {}",
        f.invocations.again_after_returning
    );
    println!("  violations:                        {violations}");
    println!(
        "  total time:                        {:.1} s",
        took.as_secs_f64()
    );
}
