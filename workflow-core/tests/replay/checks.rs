//! The checks every journaled run goes through: a replay of the whole journal, of every
//! prefix of it (a crash after each entry) and of its JSON text rebuilds the execution as the
//! run had it, and a journal whose checks were altered is refused where they were.

use std::collections::BTreeMap;

use workflow_core::entropy::SplitMix64;
use workflow_core::execution::{Command, Execution};
use workflow_core::journal::{Entry, HistoryCheck, ReplayError, Replayed, Start, replay_with};

use crate::driver::{Run, Script, Underway, apply, run};

/// Replays a journal of `run` (the plans of the revisions it was redriven with given).
fn replay_run(
    run: &Run,
    start: &Start,
    entries: &[Entry],
    entropy: &mut SplitMix64,
) -> Result<Replayed, ReplayError> {
    replay_with(
        run.plan.clone(),
        &|revision| run.revisions.get(&revision).cloned(),
        start,
        entries,
        entropy,
    )
}

/// What `replay` says is under way, in the shape the driver keeps it. Only invocations and
/// timers may be outstanding, each once.
pub fn underway_of(replayed: &Replayed) -> Underway {
    let mut underway = Underway::default();
    for command in &replayed.outstanding {
        match command {
            Command::Invoke(inv) => {
                let again = underway.running.insert(inv.task, (**inv).clone());
                assert!(again.is_none(), "task {:?} outstanding twice", inv.task);
            }
            Command::StartTimer { timer, at } => {
                let again = underway.timers.insert(*timer, *at);
                assert!(again.is_none(), "timer {timer:?} outstanding twice");
            }
            other => panic!("a replay hands back {other:?} as outstanding"),
        }
    }
    for (task, token) in &replayed.awaiting_token {
        let again = underway.tokens.insert(*task, token.clone());
        assert!(again.is_none(), "task {task:?} awaits its token twice");
    }
    underway
}

/// The check the journal holds after `k` entries.
fn check_after(start: &Start, entries: &[Entry], k: usize) -> HistoryCheck {
    if k == 0 {
        start.check
    } else {
        entries[k - 1].check
    }
}

/// Replays the first `k` entries of `run`'s journal and checks that the execution is the one
/// the run had after them: its history so far, status, pending work, and what it had under
/// way. Returns the replay and the entropy as the replay left it.
fn replay_prefix(run: &Run, start: &Start, entries: &[Entry], k: usize) -> (Replayed, SplitMix64) {
    let mut entropy = SplitMix64(run.seed);
    let replayed = replay_run(run, start, &entries[..k], &mut entropy)
        .unwrap_or_else(|e| panic!("replay of {k} entries: {e}"));
    let step = &run.steps[k];
    let execution = &replayed.execution;
    assert_eq!(
        execution.history(),
        &run.history()[..step.history_len],
        "history after {k} entries"
    );
    assert_eq!(execution.status(), &step.status, "status after {k} entries");
    assert_eq!(
        execution.has_pending_work(),
        step.pending_work,
        "pending work after {k} entries"
    );
    assert_eq!(
        underway_of(&replayed),
        step.underway,
        "under way after {k} entries"
    );
    assert_eq!(
        replayed.digest.check(),
        check_after(start, entries, k),
        "digest after {k} entries"
    );
    // The run's info, with the redrives it had then.
    let mut info = run.execution.info().clone();
    (info.redrive_count, info.redrive_time) = step.redrives;
    assert_eq!(format!("{:?}", execution.info()), format!("{info:?}"));
    (replayed, entropy)
}

/// Goes on from a replay of the first `k` entries with the rest of the run's events, as a
/// recovered runtime would, and checks that every call returns the commands the run saw and
/// that it ends as the run did.
fn continue_from(run: &Run, k: usize, mut replayed: Replayed, mut entropy: SplitMix64) {
    let execution: &mut Execution = &mut replayed.execution;
    for (j, entry) in run.entries.iter().enumerate().skip(k) {
        let commands = apply(
            execution,
            &run.revisions,
            entry.event.clone(),
            entry.at,
            &mut entropy,
        );
        assert_eq!(
            commands,
            run.steps[j + 1].commands,
            "commands of entry {j} after a replay of {k}"
        );
        assert_eq!(
            replayed.digest.advance(execution.history()),
            entry.check,
            "check of entry {j} after a replay of {k}"
        );
    }
    assert_eq!(execution.history(), run.history(), "continued from {k}");
    assert_eq!(execution.status(), run.status(), "continued from {k}");
}

/// A journal's JSON text, as a store writes it, read back.
pub fn through_json(start: &Start, entries: &[Entry]) -> (Start, Vec<Entry>) {
    let text = serde_json::to_string(start).expect("a start record serializes");
    let start = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("the start record {text} reads back: {e}"));
    let entries = entries
        .iter()
        .map(|entry| {
            let text = serde_json::to_string(entry).expect("an entry serializes");
            serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("the entry {text} reads back: {e}"))
        })
        .collect();
    (start, entries)
}

/// Every check of this file on one run.
pub fn check_run(run: &Run) {
    let n = run.entries.len();
    // 1 and 2: the whole journal and every prefix of it; 3: each prefix continued.
    for k in 0..=n {
        let (replayed, entropy) = replay_prefix(run, &run.start, &run.entries, k);
        continue_from(run, k, replayed, entropy);
    }
    let (replayed, _) = replay_prefix(run, &run.start, &run.entries, n);
    if *run.status() != workflow_core::execution::ExecutionStatus::Running {
        assert_eq!(
            underway_of(&replayed),
            Underway::default(),
            "an execution that ended has nothing under way"
        );
    }

    // 5: the journal read back from its JSON text is the same journal (but for a value too
    // deep to keep, which is read back as another such value: the texts are the same) and
    // replays the same.
    let (start, entries) = through_json(&run.start, &run.entries);
    let text = |start: &Start, entries: &[Entry]| {
        serde_json::to_string(&(start, entries)).expect("a journal serializes")
    };
    assert_eq!(text(&start, &entries), text(&run.start, &run.entries));
    replay_prefix(run, &start, &entries, n);

    // 4: a check altered anywhere (its digest or its count) is refused at that entry.
    let mut tampered_at = vec![0, n / 2, n.saturating_sub(1)];
    tampered_at.dedup();
    for k in tampered_at.into_iter().filter(|&k| k < n) {
        for alter in [
            (|c: &mut HistoryCheck| c.digest ^= 1) as fn(&mut HistoryCheck),
            |c| c.events += 1,
        ] {
            let mut entries = run.entries.clone();
            alter(&mut entries[k].check);
            let error = replay_run(run, &run.start, &entries, &mut SplitMix64(run.seed))
                .expect_err("an altered check is refused");
            assert_eq!(
                error,
                ReplayError::Diverged {
                    entry: Some(k),
                    recorded: entries[k].check,
                    replayed: run.entries[k].check,
                }
            );
        }
    }
    let mut start = run.start.clone();
    start.check.digest ^= 1;
    assert!(matches!(
        replay_run(run, &start, &run.entries, &mut SplitMix64(run.seed)),
        Err(ReplayError::Diverged { entry: None, .. })
    ));
}

/// Runs `script` twice and checks that both runs are the same (no order drawn from a hash
/// map's random state, no time read from a clock): the same journal and the same commands.
pub fn run_twice(plan: &std::sync::Arc<workflow_core::plan::Plan>, script: &Script) -> Run {
    let first = run(plan, script);
    let second = run(plan, script);
    assert_eq!(first.start, second.start);
    assert_eq!(first.entries, second.entries);
    let commands = |r: &Run| {
        r.steps
            .iter()
            .map(|s| s.commands.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(commands(&first), commands(&second));
    first
}

/// Runs `script` on `definition` (twice, to check it is deterministic), puts the journal
/// through every check, and returns the run for the test's own checks.
pub fn journaled(definition: &str, script: Script) -> Run {
    let plan = crate::driver::plan(definition);
    let run = run_twice(&plan, &script);
    check_run(&run);
    run
}

/// How many of each event the journal holds, by kind.
pub fn event_kinds(run: &Run) -> BTreeMap<&'static str, usize> {
    let mut kinds = BTreeMap::new();
    for event in run.events() {
        let kind = match event {
            workflow_core::execution::Event::TaskSucceeded { .. } => "task_succeeded",
            workflow_core::execution::Event::TaskFailed { .. } => "task_failed",
            workflow_core::execution::Event::TaskSubmitted { .. } => "task_submitted",
            workflow_core::execution::Event::TaskHeartbeat { .. } => "task_heartbeat",
            workflow_core::execution::Event::TimerFired { .. } => "timer_fired",
            workflow_core::execution::Event::Stop { .. } => "stop",
            workflow_core::execution::Event::StateMachineDeleted => "state_machine_deleted",
            workflow_core::execution::Event::Continue => "continue",
            workflow_core::execution::Event::Redrive { .. } => "redrive",
        };
        *kinds.entry(kind).or_default() += 1;
    }
    kinds
}
