//! How many state transitions an execution makes, found without running it: the fewest and
//! the most along every path from `StartAt` to an end, for pricing (a STANDARD execution is
//! billed per transition).
//!
//! A transition is one state executed: entering a state counts one, each retry of a state
//! counts one more, and the states inside Parallel branches and Map iterations count like any
//! other. The most transitions is unbounded (`None`) when a path can loop or iterates a Map
//! over a list of unknown length.
//!
//! ```
//! use workflow_core::model::StateMachine;
//! use workflow_core::transitions::{CountOptions, count};
//!
//! let machine = StateMachine::from_json_str(r#"{"StartAt": "A", "States": {
//!     "A": {"Type": "Pass", "Next": "B"},
//!     "B": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "C"}], "Default": "D"},
//!     "C": {"Type": "Pass", "Next": "D"},
//!     "D": {"Type": "Succeed"}}}"#).unwrap();
//! let counted = count(&machine, &CountOptions::default());
//! assert_eq!((counted.min, counted.max), (3, Some(4)));
//! assert_eq!(counted.paths.len(), 2);
//! ```

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use crate::model::{State, StateKind, StateMachine, States};

/// Assumptions for counting.
#[derive(Clone, Debug, Default)]
pub struct CountOptions {
    /// How many items a Map iterates when the definition does not say (`None`: unknown, so
    /// the most is unbounded; the fewest assumes an empty list).
    pub map_items: Option<u64>,
}

/// The fewest and most transitions along one path from `StartAt` to an end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathCount {
    /// The states of the top level along the path, in order.
    pub states: Vec<String>,
    /// How the path ends: `Succeed`, `Fail` or `End`.
    pub ends_with: &'static str,
    /// Transitions when nothing is retried and Maps iterate the fewest items.
    pub min: u64,
    /// Transitions when everything is retried to the last attempt; `None` when unbounded.
    pub max: Option<u64>,
}

/// The transitions of a whole state machine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counted {
    /// The fewest transitions of any execution that ends.
    pub min: u64,
    /// The most transitions of any execution; `None` when unbounded.
    pub max: Option<u64>,
    /// Every loop-free path of the top level (at most [`MAX_PATHS`]).
    pub paths: Vec<PathCount>,
    /// True when there were more paths than [`MAX_PATHS`].
    pub truncated: bool,
}

/// The most paths [`count`] lists.
pub const MAX_PATHS: usize = 64;

/// Counts the transitions of `machine`. A machine whose scopes nest deeper than
/// [`crate::nesting::MAX_SCOPE_DEPTH`] (the validator refuses it) is not counted: no path, at
/// least none and at most unbounded.
pub fn count(machine: &StateMachine, options: &CountOptions) -> Counted {
    // Counting recurses into nested scopes; the validator refuses a machine nested this deep.
    if crate::nesting::scopes_too_deep(machine) {
        return Counted {
            min: 0,
            max: None,
            paths: Vec::new(),
            truncated: true,
        };
    }
    let cost = |s: &State| state_cost(s, options);
    let (min, max) = scope_bounds(&machine.start_at, &machine.states, &cost);
    let cyclic = cyclic_states(&machine.states);
    let (paths, truncated) = walk(&machine.start_at, &machine.states, &cost, &cyclic);
    Counted {
        min,
        max,
        paths,
        truncated,
    }
}

/// The fewest and most of some per-state cost along the paths of one scope: the fewest
/// over every path to an end, the most over every path (`None` when a reachable loop or an
/// unbounded state makes it so). Used for transitions and, by the linter, for history events.
pub fn scope_bounds(
    start: &str,
    states: &States,
    cost: &dyn Fn(&State) -> (u64, Option<u64>),
) -> (u64, Option<u64>) {
    // Fewest: Dijkstra over positive weights (every state costs at least one).
    let mut best: HashMap<&str, u64> = HashMap::new();
    let mut queue: std::collections::BinaryHeap<std::cmp::Reverse<(u64, &str)>> =
        Default::default();
    let mut min_end: Option<u64> = None;
    if let Some((name, _)) = states.get_key_value(start) {
        queue.push(std::cmp::Reverse((0, name.as_str())));
    }
    while let Some(std::cmp::Reverse((d, name))) = queue.pop() {
        if best.get(name).is_some_and(|&b| b <= d) {
            continue;
        }
        best.insert(name, d);
        let Some(state) = states.get(name) else {
            continue;
        };
        let here = d + cost(state).0;
        if state.is_terminal() {
            min_end = Some(min_end.map_or(here, |m| m.min(here)));
        }
        for next in state.transitions() {
            if let Some((n, _)) = states.get_key_value(next) {
                queue.push(std::cmp::Reverse((here, n.as_str())));
            }
        }
    }
    let min = min_end.unwrap_or(0);
    // Most: longest path over a DAG, unbounded if a loop is reachable.
    let max = longest(start, states, cost);
    (min, max)
}

/// The most of `cost` along any path from `start`, `None` when a loop (or a transition to a
/// state that is not there) is reachable. A depth-first walk with its own stack: a chain of
/// states as long as a definition can hold is no deeper for the thread's stack than one state.
fn longest(
    start: &str,
    states: &States,
    cost: &dyn Fn(&State) -> (u64, Option<u64>),
) -> Option<u64> {
    enum Mark {
        /// On the walk's current path: reaching it again is a loop.
        OnPath,
        Done(Option<u64>),
    }
    /// A state being walked: its transitions, how many are done, the most after it so far.
    struct Step<'s> {
        name: &'s str,
        state: &'s State,
        next: Vec<&'s str>,
        done: usize,
        rest: Option<u64>,
    }
    fn join(rest: Option<u64>, after: Option<u64>) -> Option<u64> {
        rest.zip(after).map(|(a, b)| a.max(b))
    }
    let (name, state) = states.get_key_value(start)?;
    let mut marks: HashMap<&str, Mark> = HashMap::new();
    marks.insert(name, Mark::OnPath);
    let mut path = vec![Step {
        name,
        state,
        next: state.transitions(),
        done: 0,
        rest: Some(0),
    }];
    loop {
        let top = path
            .last_mut()
            .expect("the walk ends when its path is empty");
        if let Some(&next) = top.next.get(top.done) {
            top.done += 1;
            match (marks.get(next), states.get_key_value(next)) {
                (Some(Mark::Done(after)), _) => top.rest = join(top.rest, *after),
                (Some(Mark::OnPath), _) | (None, None) => top.rest = None,
                (None, Some((name, state))) => {
                    marks.insert(name, Mark::OnPath);
                    path.push(Step {
                        name,
                        state,
                        next: state.transitions(),
                        done: 0,
                        rest: Some(0),
                    });
                }
            }
            continue;
        }
        let finished = path.pop().expect("the walk ends when its path is empty");
        let total = cost(finished.state)
            .1
            .zip(finished.rest)
            .and_then(|(a, b)| a.checked_add(b));
        marks.insert(finished.name, Mark::Done(total));
        match path.last_mut() {
            Some(parent) => parent.rest = join(parent.rest, total),
            None => return total,
        }
    }
}

/// The transitions one state makes, nested states included: (fewest, most).
fn state_cost(state: &State, options: &CountOptions) -> (u64, Option<u64>) {
    let attempts: u64 = state
        .retry
        .iter()
        .flatten()
        .map(|r| r.max_attempts.unwrap_or(3).max(0) as u64)
        .sum();
    let (inner_min, inner_max) = match &state.kind {
        StateKind::Parallel(p) => p.branches.iter().fold((0, Some(0)), |(lo, hi), b| {
            let (bl, bh) = scope_bounds(&b.start_at, &b.states, &|s| state_cost(s, options));
            (lo + bl, hi.zip(bh).map(|(x, y)| x + y))
        }),
        StateKind::Map(m) => {
            let (per_min, per_max) =
                scope_bounds(&m.item_processor.start_at, &m.item_processor.states, &|s| {
                    state_cost(s, options)
                });
            let literal = match &m.items {
                Some(Value::Array(items)) => Some(items.len() as u64),
                _ => None,
            };
            let fewest = literal.unwrap_or(0);
            let most = literal.or(options.map_items);
            (
                fewest * per_min,
                most.zip(per_max).and_then(|(n, p)| n.checked_mul(p)),
            )
        }
        _ => (0, Some(0)),
    };
    let once_max = inner_max.map(|m| m + 1);
    (
        1 + inner_min,
        once_max.and_then(|m| m.checked_mul(1 + attempts)),
    )
}

/// States that can reach themselves: those of a strongly connected component with more than
/// one state, or with a transition to itself. Tarjan's algorithm, with its own stack.
fn cyclic_states(states: &States) -> HashSet<&str> {
    struct Visit<'s> {
        name: &'s str,
        next: Vec<&'s str>,
        done: usize,
    }
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut low: HashMap<&str, usize> = HashMap::new();
    let mut on_stack: HashSet<&str> = HashSet::new();
    let mut stack: Vec<&str> = Vec::new();
    let mut cyclic: HashSet<&str> = HashSet::new();
    for (root, root_state) in states {
        if index.contains_key(root.as_str()) {
            continue;
        }
        let mut visits = vec![Visit {
            name: root,
            next: root_state.transitions(),
            done: 0,
        }];
        index.insert(root, index.len());
        low.insert(root, index[root.as_str()]);
        stack.push(root);
        on_stack.insert(root);
        while let Some(top) = visits.last_mut() {
            let name = top.name;
            if let Some(&next) = top.next.get(top.done) {
                top.done += 1;
                if next == name {
                    cyclic.insert(name);
                }
                let Some((next, next_state)) = states.get_key_value(next) else {
                    continue;
                };
                if !index.contains_key(next.as_str()) {
                    index.insert(next, index.len());
                    low.insert(next, index[next.as_str()]);
                    stack.push(next);
                    on_stack.insert(next);
                    visits.push(Visit {
                        name: next,
                        next: next_state.transitions(),
                        done: 0,
                    });
                } else if on_stack.contains(next.as_str()) {
                    let lowest = low[name].min(index[next.as_str()]);
                    low.insert(name, lowest);
                }
                continue;
            }
            visits.pop();
            if let Some(parent) = visits.last() {
                let lowest = low[parent.name].min(low[name]);
                low.insert(parent.name, lowest);
            }
            if low[name] == index[name] {
                let mut component = Vec::new();
                while let Some(member) = stack.pop() {
                    on_stack.remove(member);
                    component.push(member);
                    if member == name {
                        break;
                    }
                }
                if component.len() > 1 {
                    cyclic.extend(component);
                }
            }
        }
    }
    cyclic
}

/// Every loop-free path from `start` to an end (at most [`MAX_PATHS`]; the flag says when
/// there were more). A depth-first walk with its own stack, like [`longest`].
fn walk<'s>(
    start: &'s str,
    states: &'s States,
    cost: &dyn Fn(&State) -> (u64, Option<u64>),
    cyclic: &HashSet<&str>,
) -> (Vec<PathCount>, bool) {
    let mut paths = Vec::new();
    let mut truncated = false;
    // The path so far, each state with the transitions still to follow from it.
    let mut on_path: Vec<(&'s str, Vec<&'s str>)> = Vec::new();
    let mut on_path_set: HashSet<&str> = HashSet::new();
    let mut arrive = Some(start);
    loop {
        if let Some(name) = arrive.take() {
            if paths.len() >= MAX_PATHS {
                truncated = true;
            } else if let Some((key, state)) = states.get_key_value(name)
                && !on_path_set.contains(key.as_str())
            {
                on_path_set.insert(key);
                if state.is_terminal() {
                    let mut min = 0u64;
                    let mut max = Some(0u64);
                    for (s, _) in &on_path {
                        if let Some(st) = states.get(*s) {
                            let (lo, hi) = cost(st);
                            min += lo;
                            max = max.zip(hi).and_then(|(a, b)| a.checked_add(b));
                        }
                    }
                    let (lo, hi) = cost(state);
                    min += lo;
                    max = max.zip(hi).and_then(|(a, b)| a.checked_add(b));
                    if cyclic.contains(key.as_str())
                        || on_path.iter().any(|(s, _)| cyclic.contains(s))
                    {
                        max = None;
                    }
                    let mut names: Vec<String> =
                        on_path.iter().map(|(s, _)| s.to_string()).collect();
                    names.push(key.clone());
                    paths.push(PathCount {
                        states: names,
                        ends_with: match state.kind {
                            StateKind::Succeed => "Succeed",
                            StateKind::Fail(_) => "Fail",
                            _ => "End",
                        },
                        min,
                        max,
                    });
                }
                let mut next: Vec<&str> = Vec::new();
                for n in state.transitions() {
                    if !next.contains(&n) {
                        next.push(n);
                    }
                }
                // Followed in order: the last one is taken from the end.
                next.reverse();
                on_path.push((key, next));
            }
        }
        let Some((name, next)) = on_path.last_mut() else {
            break;
        };
        match next.pop() {
            Some(n) => arrive = Some(n),
            None => {
                on_path_set.remove(*name);
                on_path.pop();
            }
        }
    }
    (paths, truncated)
}

/// The transitions a recorded execution made, from its history event types: every state
/// entered, plus every retry (a task scheduled again within one entry of its state).
pub fn count_history<'e>(event_types: impl IntoIterator<Item = &'e str>) -> u64 {
    let mut entered = 0u64;
    let mut task_entered = 0u64;
    let mut scheduled = 0u64;
    for t in event_types {
        if t.ends_with("StateEntered") {
            entered += 1;
        }
        if t == "TaskStateEntered" {
            task_entered += 1;
        }
        if matches!(
            t,
            "TaskScheduled" | "LambdaFunctionScheduled" | "ActivityScheduled"
        ) {
            scheduled += 1;
        }
    }
    entered + scheduled.saturating_sub(task_entered)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counted(text: &str, map_items: Option<u64>) -> Counted {
        count(
            &StateMachine::from_json_str(text).unwrap(),
            &CountOptions { map_items },
        )
    }

    #[test]
    fn a_chain_counts_one_per_state() {
        let states: Vec<String> = (1..=8)
            .map(|i| {
                if i == 8 {
                    format!(r#""S{i}": {{"Type": "Pass", "End": true}}"#)
                } else {
                    format!(r#""S{i}": {{"Type": "Pass", "Next": "S{}"}}"#, i + 1)
                }
            })
            .collect();
        let text = format!(r#"{{"StartAt": "S1", "States": {{{}}}}}"#, states.join(","));
        let c = counted(&text, None);
        assert_eq!((c.min, c.max), (8, Some(8)));
        assert_eq!(c.paths.len(), 1);
        assert_eq!(c.paths[0].states.len(), 8);
        assert_eq!(c.paths[0].ends_with, "End");
    }

    #[test]
    fn retries_catches_and_nesting() {
        // Charge: 1 entry + up to 2 retries = 3 at most. Its Catch leads to Failed (a path of
        // 2 states). Parallel: 1 + two branches of one Pass = 3.
        let text = r#"{"StartAt": "Charge", "States": {
            "Charge": {"Type": "Task", "Resource": "${Charge}",
                "Retry": [{"ErrorEquals": ["States.ALL"], "MaxAttempts": 2}],
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed"}], "Next": "Notify"},
            "Notify": {"Type": "Parallel", "Branches": [
                {"StartAt": "Email", "States": {"Email": {"Type": "Pass", "End": true}}},
                {"StartAt": "Sms", "States": {"Sms": {"Type": "Pass", "End": true}}}], "End": true},
            "Failed": {"Type": "Fail"}}}"#;
        let c = counted(text, None);
        assert_eq!(c.min, 2);
        assert_eq!(c.max, Some(3 + 3));
        let ends: Vec<(&str, u64, Option<u64>)> = c
            .paths
            .iter()
            .map(|p| (p.ends_with, p.min, p.max))
            .collect();
        assert_eq!(ends, vec![("End", 4, Some(6)), ("Fail", 2, Some(4))]);
    }

    #[test]
    fn maps_and_loops() {
        let text = r#"{"StartAt": "Each", "States": {
            "Each": {"Type": "Map", "ItemProcessor": {"StartAt": "Work", "States": {
                "Work": {"Type": "Pass", "Next": "Check"},
                "Check": {"Type": "Pass", "End": true}}}, "End": true}}}"#;
        let c = counted(text, None);
        assert_eq!((c.min, c.max), (1, None));
        let c = counted(text, Some(10));
        assert_eq!((c.min, c.max), (1, Some(1 + 10 * 2)));
        let literal = text.replace(r#""Type": "Map","#, r#""Type": "Map", "Items": [1, 2, 3],"#);
        let c = counted(&literal, None);
        assert_eq!((c.min, c.max), (7, Some(7)));

        let looping = r#"{"StartAt": "Poll", "States": {
            "Poll": {"Type": "Wait", "Seconds": 5, "Next": "Ready?"},
            "Ready?": {"Type": "Choice", "Choices": [{"Variable": "$.ready", "BooleanEquals": true, "Next": "Done"}], "Default": "Poll"},
            "Done": {"Type": "Succeed"}}}"#;
        let c = counted(looping, None);
        assert_eq!((c.min, c.max), (3, None));
        assert_eq!(c.paths.len(), 1);
        assert_eq!(c.paths[0].max, None);
    }

    #[test]
    fn history_counts() {
        let events = [
            "ExecutionStarted",
            "TaskStateEntered",
            "TaskScheduled",
            "TaskStarted",
            "TaskFailed",
            "TaskScheduled",
            "TaskStarted",
            "TaskSucceeded",
            "TaskStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded",
        ];
        assert_eq!(count_history(events), 3);
    }
}
