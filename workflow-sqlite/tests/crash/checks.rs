//! What the crash test checks: what a store holds (read by the parent while no worker runs),
//! a run's executions against the uninterrupted run's, and the invocation log against the
//! journals.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;

use serde_json::{Value, json};
use workflow_core::entropy::SplitMix64;
use workflow_core::execution::{Command, Event};
use workflow_core::journal::replay;
use workflow_runtime::store::{ExecutionFilter, PageRequest, Status};
use workflow_runtime::{HistoryEvent, Runtime};
use workflow_sqlite::SqliteStore;

use crate::worker::{self, Logged, ORDER, full_history};

/// An execution as its run left it.
pub struct Ended {
    pub name: String,
    pub status: Status,
    pub output: Option<Value>,
    pub error: Option<String>,
    pub cause: Option<String>,
    pub history: Vec<HistoryEvent>,
}

/// What a store holds.
#[derive(Default)]
pub struct Snapshot {
    /// How many executions it records.
    pub executions: usize,
    /// Of which unfinished.
    pub unfinished: usize,
    /// The invocations whose outcome is journaled (`TaskSucceeded`, `TaskFailed`, or
    /// `TaskSubmitted` for a callback), by idempotency key, with whether the handler's call
    /// succeeded: none of them may be invoked again.
    pub recorded: HashMap<String, bool>,
    /// The invocations the journals lead to: those recorded and those in flight (the ones a
    /// replay of a journal invokes again). A handler must not have been called for any other
    /// one (write-ahead: an event is journaled before the invocation that follows from it).
    pub scheduled: HashSet<String>,
    /// The names of the executions recorded.
    pub names: HashSet<String>,
    /// The task tokens whose answer is journaled.
    pub answered: HashSet<String>,
    /// The top-level states the unfinished executions are in (`ExecutionStarted` for one that
    /// entered none yet).
    pub phases: BTreeSet<String>,
    /// Unfinished executions with a task handler in flight.
    pub in_flight: usize,
    /// Unfinished executions whose callback waits for its token.
    pub waiting_for_token: usize,
    /// The executions, when asked for (at a run's end).
    pub ended: Vec<Ended>,
}

/// The idempotency key of the task `task` of `arn`, as `TaskContext::idempotency_key` makes
/// it (the journal knows a task by its number in its execution).
fn key(arn: &str, task: u64) -> String {
    format!("{arn}#{task}")
}

/// The states at the top level of the definition: where an execution stands.
fn top_level_states() -> HashSet<String> {
    let order: Value = serde_json::from_str(ORDER).expect("the definition is JSON");
    order["States"]
        .as_object()
        .expect("States")
        .keys()
        .cloned()
        .collect()
}

/// The state an event enters, if it is a `*StateEntered`.
pub fn entered(event: &HistoryEvent) -> Option<String> {
    if !event.event_type.as_str().ends_with("StateEntered") {
        return None;
    }
    let json = event.to_aws_json();
    let name = json["stateEnteredEventDetails"]["name"].as_str()?;
    Some(name.to_string())
}

/// Reads the store of the run in `dir` (no worker may hold it), with every execution's
/// record and history when `with_executions`.
pub fn snapshot(dir: &Path, with_executions: bool) -> Snapshot {
    let tokio = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    tokio.block_on(async {
        let store = SqliteStore::open(worker::store_path(dir)).expect("reopen the store");
        // A runtime that drives nothing (it does not resume): it rebuilds histories.
        let runtime = Runtime::builder().store(store).build();
        let store = runtime.store().clone();
        let mut records = Vec::new();
        let mut page = PageRequest::first(1000);
        loop {
            let got = runtime
                .list_executions(&ExecutionFilter::all(), page)
                .await
                .expect("list the executions");
            records.extend(got.items);
            match got.next {
                Some(token) => page = PageRequest::after(1000, token),
                None => break,
            }
        }
        let mut snapshot = Snapshot {
            executions: records.len(),
            ..Snapshot::default()
        };
        for unfinished in store.unfinished().await.expect("the unfinished executions") {
            snapshot.unfinished += 1;
            snapshot.in_flight += usize::from(unfinished.waiting.tasks_in_flight);
            snapshot.waiting_for_token += usize::from(!unfinished.waiting.tokens.is_empty());
        }
        let top = top_level_states();
        let plan = runtime
            .load(ORDER)
            .expect("the definition loads")
            .plan()
            .clone();
        for record in records {
            snapshot.names.insert(record.name.clone());
            let (start, entries) = store
                .journal(&record.arn)
                .await
                .expect("read a journal")
                .expect("a recorded execution has a journal");
            // The worker's runtime makes an execution's random numbers with SplitMix64 from
            // its journaled seed (the default): so does this replay.
            let replayed = replay(plan.clone(), &start, &entries, &mut SplitMix64(start.seed))
                .unwrap_or_else(|e| panic!("{} does not replay: {e}", record.arn));
            for command in &replayed.outstanding {
                if let Command::Invoke(invocation) = command {
                    snapshot
                        .scheduled
                        .insert(key(&record.arn, invocation.task.0));
                }
            }
            let mut tokens = HashMap::new();
            for entry in entries {
                match entry.event {
                    Event::TaskSubmitted { task, output } => {
                        snapshot.recorded.insert(key(&record.arn, task.0), true);
                        if let Some(token) = worker::token_of_message(&output) {
                            tokens.insert(task, token.to_string());
                        }
                    }
                    // A callback's answer is not its handler's: its submission is.
                    Event::TaskSucceeded { task, .. } => {
                        snapshot
                            .recorded
                            .entry(key(&record.arn, task.0))
                            .or_insert(true);
                        if let Some(token) = tokens.remove(&task) {
                            snapshot.answered.insert(token);
                        }
                    }
                    Event::TaskFailed { task, .. } => {
                        snapshot.recorded.insert(key(&record.arn, task.0), false);
                    }
                    _ => {}
                }
            }
            if !record.status.is_finished() || with_executions {
                let history = full_history(&runtime, &record.arn).await;
                if !record.status.is_finished() {
                    let phase = history
                        .iter()
                        .rev()
                        .filter_map(entered)
                        .find(|state| top.contains(state))
                        .unwrap_or_else(|| "ExecutionStarted".to_string());
                    snapshot.phases.insert(phase);
                }
                if with_executions {
                    snapshot.ended.push(Ended {
                        name: record.name,
                        status: record.status,
                        output: record.output.map(|o| (*o).clone()),
                        error: record.error,
                        cause: record.cause,
                        history,
                    });
                }
            }
        }
        snapshot.scheduled.extend(snapshot.recorded.keys().cloned());
        snapshot
    })
}

/// A history with its timestamps set to 0: the only thing a resumed run may change in it.
/// (Event ids, previous event ids, task tokens, UUIDs, retry jitter and every payload must be
/// equal: the ids count the events, and the rest comes from the inputs, the results and the
/// journaled seed, all the same in both runs.)
fn timeless(history: &[HistoryEvent]) -> Vec<HistoryEvent> {
    history
        .iter()
        .map(|e| HistoryEvent {
            timestamp: 0,
            ..e.clone()
        })
        .collect()
}

/// How many times each state is entered in a history.
fn entered_counts(history: &[HistoryEvent]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for state in history.iter().filter_map(entered) {
        *counts.entry(state).or_default() += 1;
    }
    counts
}

/// The states `resumed` enters more often than `uninterrupted`, each with both counts: a
/// diagnostic for a history that differs (equal histories enter every state equally often),
/// telling a state run again after a kill from any other difference.
fn entered_more_often(resumed: &[HistoryEvent], uninterrupted: &[HistoryEvent]) -> String {
    let allowed = entered_counts(uninterrupted);
    entered_counts(resumed)
        .into_iter()
        .filter_map(|(state, count)| {
            let allowed = allowed.get(&state).copied().unwrap_or(0);
            (count > allowed).then(|| {
                format!("\n  entered {state} {count} times, the uninterrupted run {allowed}")
            })
        })
        .collect()
}

/// Checks every execution of a run against the uninterrupted run's: the same status, output,
/// error and cause, and the same history timestamps aside (a history that differs is reported
/// with the states it entered more often).
pub fn compare(reference: &[Ended], run: &[Ended], context: &str, violations: &mut Vec<String>) {
    let by_name: HashMap<&str, &Ended> = run.iter().map(|e| (e.name.as_str(), e)).collect();
    if run.len() != reference.len() {
        violations.push(format!(
            "{context}: {} executions, the uninterrupted run has {}",
            run.len(),
            reference.len()
        ));
    }
    for expected in reference {
        let name = &expected.name;
        let Some(got) = by_name.get(name.as_str()) else {
            violations.push(format!("{context}: {name} is missing"));
            continue;
        };
        let outcome = |e: &Ended| (e.status, e.output.clone(), e.error.clone(), e.cause.clone());
        if outcome(got) != outcome(expected) {
            violations.push(format!(
                "{context}: {name} ended {:?}, the uninterrupted run {:?}",
                outcome(got),
                outcome(expected)
            ));
        }
        let (want, have) = (timeless(&expected.history), timeless(&got.history));
        if want != have {
            let at = want
                .iter()
                .zip(&have)
                .position(|(a, b)| a != b)
                .unwrap_or(want.len().min(have.len()));
            let shown = |h: &[HistoryEvent]| h.get(at).map(|e| e.to_aws_json().to_string());
            violations.push(format!(
                "{context}: {name}'s history ({} events) differs from the uninterrupted run's ({} events) at event {}:\n  resumed:       {:?}\n  uninterrupted: {:?}{}",
                have.len(),
                want.len(),
                at + 1,
                shown(&have),
                shown(&want),
                entered_more_often(&got.history, &expected.history)
            ));
        }
    }
}

/// What the invocation log of a run showed.
#[derive(Default)]
pub struct Invocations {
    /// Handler calls.
    pub calls: usize,
    /// Distinct invocations (idempotency keys).
    pub invocations: usize,
    /// Invocations called again in a later launch (they were in flight at a kill).
    pub again: usize,
    /// Of which had returned before the kill, their result not yet journaled.
    pub again_after_returning: usize,
}

/// Checks the invocation log of a run against its journals, launch by launch: `ends[l]` is
/// what the store held when launch `l` ended (killed, or at the run's end for the last).
///
/// - At-least-once allows a task to be invoked again only if its outcome was not journaled
///   when its last launch was killed: an invocation in launch `l` is not among the outcomes
///   `ends[l - 1]` recorded. None is invoked twice in one launch, nor as another state or
///   attempt.
/// - Write-ahead: an invocation in launch `l` is among those `ends[l]` leads to (the handler
///   logs it before doing anything; the event it follows from was journaled before the
///   call).
/// - Each journaled outcome was returned, as journaled, by a call in the launch that journaled
///   it, and every invocation's outcome is journaled in the end.
pub fn check_invocations(
    log: &[Logged],
    ends: &[Snapshot],
    context: &str,
    violations: &mut Vec<String>,
) -> Invocations {
    let none = HashMap::new();
    let recorded_at_start = |l: usize| l.checked_sub(1).map_or(&none, |p| &ends[p].recorded);
    let last = ends.last().expect("a run has a launch");
    let mut calls: HashMap<&str, Vec<(usize, &str, u32)>> = HashMap::new();
    let mut returns: HashMap<(&str, usize), bool> = HashMap::new();
    let mut figures = Invocations::default();
    for line in log {
        match line {
            Logged::Invoked {
                key,
                state,
                attempt,
                launch,
            } => {
                figures.calls += 1;
                let Some(end) = ends.get(*launch) else {
                    violations.push(format!(
                        "{context}: {key} invoked by an unknown launch {launch}"
                    ));
                    continue;
                };
                if recorded_at_start(*launch).contains_key(key) {
                    violations.push(format!(
                        "{context}: {key} ({state}, attempt {attempt}) was invoked again in launch {launch}, though its outcome was journaled before the launch started"
                    ));
                }
                if !end.scheduled.contains(key) {
                    violations.push(format!(
                        "{context}: {key} ({state}, attempt {attempt}) was invoked in launch {launch} before the event it follows from was journaled"
                    ));
                }
                calls
                    .entry(key)
                    .or_default()
                    .push((*launch, state, *attempt));
            }
            Logged::Returned { key, ok, launch } => {
                if returns.insert((key, *launch), *ok).is_some() {
                    violations.push(format!(
                        "{context}: {key} returned twice in launch {launch}"
                    ));
                }
            }
        }
    }
    figures.invocations = calls.len();
    for (key, calls) in &calls {
        let launches: Vec<usize> = calls.iter().map(|(l, _, _)| *l).collect();
        let distinct: BTreeSet<usize> = launches.iter().copied().collect();
        if distinct.len() != launches.len() {
            violations.push(format!(
                "{context}: {key} was invoked twice in one launch ({launches:?})"
            ));
        }
        let (_, state, attempt) = calls[0];
        if calls.iter().any(|(_, s, a)| (*s, *a) != (state, attempt)) {
            violations.push(format!(
                "{context}: {key} was invoked as different states or attempts: {calls:?}"
            ));
        }
        if distinct.len() > 1 {
            figures.again += 1;
            figures.again_after_returning +=
                usize::from(returns.contains_key(&(*key, launches[0])));
        }
        if !last.recorded.contains_key(*key) {
            violations.push(format!(
                "{context}: {key} ({state}) was invoked, and its outcome never journaled"
            ));
        }
    }
    for (key, ok) in &last.recorded {
        // The launch that journaled it: the first whose end records it (the last one at the
        // latest: `last` is one of `ends`).
        let launch = ends
            .iter()
            .position(|end| end.recorded.contains_key(key))
            .expect("the last end is one of the ends");
        match returns.get(&(key.as_str(), launch)) {
            Some(returned) if returned == ok => {}
            returned => violations.push(format!(
                "{context}: {key}'s outcome (ok: {ok}) was journaled in launch {launch}, where its handler returned {returned:?}"
            )),
        }
    }
    figures
}

/// Checks that what the runtime acknowledged to a launch (`said`: its stdout) is in the store
/// it left: each execution whose start returned, each task token whose answer returned `Ok`.
pub fn check_acknowledged(
    said: &[String],
    found: &Snapshot,
    context: &str,
    violations: &mut Vec<String>,
) {
    for line in said {
        match line.split_once(' ') {
            Some(("start", name)) if !found.names.contains(name) => violations.push(format!(
                "{context}: the start of {name} was acknowledged, and the store does not have it"
            )),
            Some(("answered", token)) if !found.answered.contains(token) => violations.push(format!(
                "{context}: the answer to {token} was acknowledged, and the store does not have it"
            )),
            _ => {}
        }
    }
}

/// What the definition and the `i`th input make of the `i`th execution, by reading them:
/// the uninterrupted run must show it, so that the comparison is with a run that did go
/// through every mechanism (and went through it as AWS documents).
pub fn check_reference(reference: &[Ended], executions: usize) {
    assert_eq!(reference.len(), executions, "every execution is recorded");
    let mut by_name: Vec<&Ended> = reference.iter().collect();
    by_name.sort_by(|a, b| a.name.cmp(&b.name));
    for (i, ended) in by_name.into_iter().enumerate() {
        let name = worker::execution_name(i);
        assert_eq!(ended.name, name);
        assert_eq!(ended.status, Status::Succeeded, "{name}: {:?}", ended.cause);
        let input = worker::input(i);
        let full = input["route"] == "full";
        let failures: Vec<u64> = worker::items(i)
            .iter()
            .map(|item| item["failures"].as_u64().unwrap())
            .collect();
        let count = |event: &str| {
            ended
                .history
                .iter()
                .filter(|e| e.event_type.as_str() == event)
                .count() as u64
        };
        // Prepare fails `prepareFailures` times (within its 3 retries), A2 once; an item
        // fails `failures` times: 3 is its first attempt and its 2 retries, then its Catch.
        let failed = input["prepareFailures"].as_u64().unwrap()
            + u64::from(full)
            + failures.iter().sum::<u64>();
        assert_eq!(count("LambdaFunctionFailed"), failed, "{name}");
        assert_eq!(count("ParallelStateStarted"), u64::from(full), "{name}");
        assert_eq!(
            count("MapIterationStarted"),
            failures.len() as u64,
            "{name}"
        );
        assert_eq!(count("TaskSubmitted"), 1, "{name}");
        // Pause, Nap on the full route, Linger for each item that was not caught.
        let lingering = failures.iter().filter(|f| **f < 3).count() as u64;
        assert_eq!(
            count("WaitStateEntered"),
            1 + u64::from(full) + lingering,
            "{name}"
        );
        let output = ended.output.as_ref().expect("an output");
        assert_eq!(
            output["approval"],
            json!({"done": "approve", "by": input["approver"], "order": name}),
            "{name}"
        );
        assert_eq!(output["finished"], json!({"done": "finish", "attempts": 1}));
        let items = output["items"].as_array().expect("the Map's results");
        for (j, (item, failures)) in items.iter().zip(&failures).enumerate() {
            assert_eq!(item["done"], format!("item-{j}-end"), "{name}");
            let outcome = &item["outcome"];
            if *failures == 3 {
                assert_eq!(outcome["recovered"], "recovered", "{name}");
                assert_eq!(outcome["error"]["Error"], "Flaky", "{name}");
            } else {
                assert_eq!(
                    outcome["result"],
                    json!({"done": format!("item-{j}"), "attempts": failures + 1}),
                    "{name}"
                );
            }
        }
        if full {
            // A Parallel's output is the array of its branches' outputs, in order.
            let fanout = &output["fanout"];
            assert_eq!(fanout[0], json!({"done": "a2", "attempts": 2}), "{name}");
            assert_eq!(fanout[1], json!({"done": "b2", "attempts": 1}), "{name}");
            assert!(fanout[2]["uuid"].is_string(), "{name}: {fanout}");
        } else {
            assert!(output.get("fanout").is_none(), "{name}");
        }
    }
}

/// How many handler calls the uninterrupted run makes: each attempt of each task once.
pub fn expected_calls(executions: usize) -> usize {
    (0..executions)
        .map(|i| {
            let input = worker::input(i);
            let prepare = input["prepareFailures"].as_u64().unwrap() + 1;
            // A1, A2 twice, B1, B2.
            let fanout = if input["route"] == "full" { 5 } else { 0 };
            let items: u64 = worker::items(i)
                .iter()
                .map(|item| item["failures"].as_u64().unwrap() + 1)
                .map(|attempts| attempts.min(3))
                .sum();
            // Approve and Finish.
            (prepare + fanout + items + 2) as usize
        })
        .sum()
}
