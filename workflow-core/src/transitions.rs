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

use std::cmp::Reverse;
use std::collections::BinaryHeap;

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
///
/// Counts saturate at `u64::MAX` instead of wrapping: [`Counted::saturated`] says when one
/// did (a `--map-items` of 2^64 - 1, say), so that no price is computed from a wrong count.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counted {
    /// The fewest transitions of any execution that ends.
    pub min: u64,
    /// The most transitions of any execution; `None` when unbounded.
    pub max: Option<u64>,
    /// The first loop-free paths of the top level, in depth-first order (at most
    /// [`MAX_PATHS`], and at most [`MAX_LISTED_NAMES`] state names and
    /// [`MAX_LISTED_NAME_BYTES`] of them in all).
    pub paths: Vec<PathCount>,
    /// How many loop-free paths lead from `StartAt` to an end (saturating at `u64::MAX`):
    /// counted without listing them when the top level has no loop, else by a walk of at most
    /// [`MAX_WALK_STEPS`] steps; `None` when that walk ran out of steps first.
    pub path_count: Option<u64>,
    /// True when `paths` is not every path.
    pub truncated: bool,
}

impl Counted {
    /// True when a count was too large for a `u64` and saturated: `min` and `max` are then
    /// not the real counts.
    pub fn saturated(&self) -> bool {
        self.min == u64::MAX || self.max == Some(u64::MAX)
    }
}

/// The most paths [`count`] lists.
pub const MAX_PATHS: usize = 64;

/// The most bytes of state names [`count`] lists, over all the paths listed: a path that
/// would pass it ends the list (a definition with long names on many paths would otherwise
/// list 64 copies of them).
pub const MAX_LISTED_NAME_BYTES: usize = 1 << 20;

/// The most state names [`count`] lists, over all the paths listed (each one costs its
/// reader more than its bytes).
pub const MAX_LISTED_NAMES: usize = 1 << 16;

/// The most steps (states pushed on the path) of the walk that lists the paths and, when
/// the top level loops, counts them: the number of loop-free paths can be exponential in
/// the number of states.
pub const MAX_WALK_STEPS: u64 = 1_000_000;

/// Counts the transitions of `machine`. A machine whose scopes nest deeper than
/// [`crate::nesting::MAX_SCOPE_DEPTH`] (the validator refuses it) is not counted: no path, at
/// least none and at most unbounded.
pub fn count(machine: &StateMachine, options: &CountOptions) -> Counted {
    // Costing recurses into nested scopes; the validator refuses a machine nested this deep.
    if crate::nesting::scopes_too_deep(machine) {
        return Counted {
            min: 0,
            max: None,
            paths: Vec::new(),
            path_count: None,
            truncated: true,
        };
    }
    let graph = ScopeGraph::new(&machine.start_at, &machine.states);
    let costs = graph.costs(&|s| state_cost(s, options));
    let (min, max) = graph.bounds(&costs);
    let walk = graph.walk(&costs);
    // Without a loop the paths are counted exactly, however many there are.
    let path_count = if graph.cyclic.iter().any(|&c| c) {
        walk.count
    } else {
        Some(graph.count_acyclic_paths())
    };
    let truncated = path_count.is_none_or(|n| n > walk.paths.len() as u64);
    Counted {
        min,
        max,
        paths: walk.paths,
        path_count,
        truncated,
    }
}

/// The fewest and most of some per-state cost along the paths of one scope: the fewest
/// over every path to an end, the most over every path (`None` when a reachable loop or an
/// unbounded state makes it so). Used for transitions and, by the linter, for history events.
/// `cost` is called once per state reachable from `start`; sums saturate at `u64::MAX`.
pub fn scope_bounds(
    start: &str,
    states: &States,
    cost: &dyn Fn(&State) -> (u64, Option<u64>),
) -> (u64, Option<u64>) {
    let graph = ScopeGraph::new(start, states);
    let costs = graph.costs(cost);
    graph.bounds(&costs)
}

/// One scope's states as a graph of indices (the order of `States`), with what every
/// computation here needs: built once, in time linear in states and transitions.
struct ScopeGraph<'s> {
    states: Vec<(&'s str, &'s State)>,
    /// Each state's distinct targets, in the order of [`State::transitions`].
    successors: Vec<Vec<usize>>,
    start: Option<usize>,
    /// Reachable from `start`.
    reachable: Vec<bool>,
    /// The strongly connected components reachable from `start`, each listed after every
    /// component it leads to (Tarjan's order: a reverse topological order).
    components: Vec<Vec<usize>>,
    /// On a loop: in a component of several states, or a transition to itself.
    cyclic: Vec<bool>,
}

impl<'s> ScopeGraph<'s> {
    fn new(start: &str, states: &'s States) -> Self {
        let n = states.len();
        let mut successors = Vec::with_capacity(n);
        // `last_source[t] == i` when state i already lists t: no quadratic dedup on a wide
        // Choice.
        let mut last_source = vec![usize::MAX; n];
        for (i, state) in states.values().enumerate() {
            let mut out = Vec::new();
            for target in state.transitions() {
                if let Some(t) = states.get_index_of(target)
                    && last_source[t] != i
                {
                    last_source[t] = i;
                    out.push(t);
                }
            }
            successors.push(out);
        }
        let mut graph = ScopeGraph {
            states: states.iter().map(|(k, v)| (k.as_str(), v)).collect(),
            successors,
            start: states.get_index_of(start),
            reachable: vec![false; n],
            components: Vec::new(),
            cyclic: vec![false; n],
        };
        graph.find_components();
        graph
    }

    /// Tarjan's strongly connected components from `start`, without recursion (a chain of
    /// states is as deep as it is long).
    fn find_components(&mut self) {
        const UNSEEN: usize = usize::MAX;
        struct Search {
            index: Vec<usize>,
            low: Vec<usize>,
            on_stack: Vec<bool>,
            stack: Vec<usize>,
            /// (state, how many of its successors were followed)
            calls: Vec<(usize, usize)>,
            next_index: usize,
        }
        impl Search {
            fn enter(&mut self, v: usize) {
                self.index[v] = self.next_index;
                self.low[v] = self.next_index;
                self.next_index += 1;
                self.stack.push(v);
                self.on_stack[v] = true;
                self.calls.push((v, 0));
            }
        }
        let Some(start) = self.start else { return };
        let n = self.states.len();
        let mut s = Search {
            index: vec![UNSEEN; n],
            low: vec![0; n],
            on_stack: vec![false; n],
            stack: Vec::new(),
            calls: Vec::new(),
            next_index: 0,
        };
        s.enter(start);
        while let Some(&(v, followed)) = s.calls.last() {
            if let Some(&w) = self.successors[v].get(followed) {
                if let Some(call) = s.calls.last_mut() {
                    call.1 += 1;
                }
                if s.index[w] == UNSEEN {
                    s.enter(w);
                } else if s.on_stack[w] {
                    s.low[v] = s.low[v].min(s.index[w]);
                }
                continue;
            }
            s.calls.pop();
            if let Some(&(parent, _)) = s.calls.last() {
                s.low[parent] = s.low[parent].min(s.low[v]);
            }
            if s.low[v] == s.index[v] {
                let mut component = Vec::new();
                while let Some(w) = s.stack.pop() {
                    s.on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                let looping = component.len() > 1 || self.successors[v].contains(&v);
                for &w in &component {
                    self.cyclic[w] = looping;
                    self.reachable[w] = true;
                }
                self.components.push(component);
            }
        }
    }

    /// `cost` of every reachable state, once each.
    fn costs(&self, cost: &dyn Fn(&State) -> (u64, Option<u64>)) -> Vec<(u64, Option<u64>)> {
        self.states
            .iter()
            .zip(&self.reachable)
            .map(|(&(_, state), &reachable)| if reachable { cost(state) } else { (0, Some(0)) })
            .collect()
    }

    /// (fewest to an end, most of any path).
    fn bounds(&self, costs: &[(u64, Option<u64>)]) -> (u64, Option<u64>) {
        let Some(start) = self.start else {
            return (0, Some(0));
        };
        // Fewest: Dijkstra over positive weights (every state costs at least one).
        let mut best = vec![u64::MAX; self.states.len()];
        let mut settled = vec![false; self.states.len()];
        let mut queue = BinaryHeap::new();
        let mut min_end: Option<u64> = None;
        best[start] = 0;
        queue.push(Reverse((0u64, start)));
        while let Some(Reverse((d, v))) = queue.pop() {
            if settled[v] {
                continue;
            }
            settled[v] = true;
            let here = d.saturating_add(costs[v].0);
            if self.states[v].1.is_terminal() {
                min_end = Some(min_end.map_or(here, |m| m.min(here)));
            }
            for &w in &self.successors[v] {
                if here < best[w] {
                    best[w] = here;
                    queue.push(Reverse((here, w)));
                }
            }
        }
        // Most: the longest path over the components, sinks first; unbounded from a loop on.
        let mut most: Vec<Option<u64>> = vec![Some(0); self.states.len()];
        for component in &self.components {
            let v = component[0];
            most[v] = if self.cyclic[v] {
                None
            } else {
                self.successors[v]
                    .iter()
                    .try_fold(0u64, |acc, &w| most[w].map(|m| acc.max(m)))
                    .zip(costs[v].1)
                    .map(|(rest, own)| own.saturating_add(rest))
            };
            for &w in &component[1..] {
                most[w] = None;
            }
        }
        (min_end.unwrap_or(0), most[start])
    }

    /// Loop-free paths from `start` to an end when no loop is reachable: by dynamic
    /// programming over the components (each one state), sinks first.
    fn count_acyclic_paths(&self) -> u64 {
        let Some(start) = self.start else { return 0 };
        let mut paths = vec![0u64; self.states.len()];
        for component in &self.components {
            let v = component[0];
            let own = u64::from(self.states[v].1.is_terminal());
            paths[v] = self.successors[v]
                .iter()
                .fold(own, |acc, &w| acc.saturating_add(paths[w]));
        }
        paths[start]
    }

    /// Lists the first loop-free paths, depth first, within [`MAX_PATHS`],
    /// [`MAX_LISTED_NAMES`], [`MAX_LISTED_NAME_BYTES`] and [`MAX_WALK_STEPS`]; counts them all
    /// when the walk ends within its steps.
    fn walk(&self, costs: &[(u64, Option<u64>)]) -> Walk {
        let Some(start) = self.start else {
            return Walk {
                paths: Vec::new(),
                count: Some(0),
            };
        };
        let looping = self.cyclic.iter().any(|&c| c);
        let mut walk = PathWalk {
            graph: self,
            costs,
            frames: Vec::new(),
            on_path: vec![false; self.states.len()],
            paths: Vec::new(),
            listing: true,
            listed_bytes: 0,
            listed_names: 0,
            found: 0,
        };
        walk.push(start);
        let mut steps = 0u64;
        let mut finished = true;
        while let Some(top) = walk.frames.last_mut() {
            // Without a loop the paths are counted apart: the walk only lists.
            if !walk.listing && !looping {
                finished = false;
                break;
            }
            let v = top.state;
            match self.successors[v].get(top.followed) {
                Some(&w) => {
                    top.followed += 1;
                    if walk.on_path[w] {
                        continue;
                    }
                    steps += 1;
                    if steps > MAX_WALK_STEPS {
                        finished = false;
                        break;
                    }
                    walk.push(w);
                }
                None => {
                    walk.on_path[v] = false;
                    walk.frames.pop();
                }
            }
        }
        Walk {
            count: finished.then_some(walk.found),
            paths: walk.paths,
        }
    }
}

/// The state of [`ScopeGraph::walk`]: the current path, one frame per state.
struct PathWalk<'g, 's> {
    graph: &'g ScopeGraph<'s>,
    costs: &'g [(u64, Option<u64>)],
    frames: Vec<Frame>,
    on_path: Vec<bool>,
    paths: Vec<PathCount>,
    /// Still listing paths (until one does not fit).
    listing: bool,
    listed_bytes: usize,
    listed_names: usize,
    found: u64,
}

struct Frame {
    state: usize,
    /// How many of its successors were followed.
    followed: usize,
    /// Fewest and most transitions from `start` through this state.
    min: u64,
    max: Option<u64>,
}

impl PathWalk<'_, '_> {
    /// Puts `v` at the end of the path; lists the path when `v` ends it.
    fn push(&mut self, v: usize) {
        let (min, max) = self.frames.last().map_or((0, Some(0)), |f| (f.min, f.max));
        let (own_min, own_max) = self.costs[v];
        let frame = Frame {
            state: v,
            followed: 0,
            min: min.saturating_add(own_min),
            // Through a state on a loop, the most is unbounded.
            max: max
                .zip(own_max)
                .map(|(a, b)| a.saturating_add(b))
                .filter(|_| !self.graph.cyclic[v]),
        };
        self.on_path[v] = true;
        self.frames.push(frame);
        let state = self.graph.states[v].1;
        if !state.is_terminal() {
            return;
        }
        self.found = self.found.saturating_add(1);
        if !self.listing {
            return;
        }
        let names = || self.frames.iter().map(|f| self.graph.states[f.state].0);
        let bytes: usize = names().map(str::len).sum();
        if self.paths.len() >= MAX_PATHS
            || self.listed_bytes + bytes > MAX_LISTED_NAME_BYTES
            || self.listed_names + self.frames.len() > MAX_LISTED_NAMES
        {
            self.listing = false;
            return;
        }
        self.listed_bytes += bytes;
        self.listed_names += self.frames.len();
        let last = &self.frames[self.frames.len() - 1];
        self.paths.push(PathCount {
            states: names().map(str::to_string).collect(),
            ends_with: match state.kind {
                StateKind::Succeed => "Succeed",
                StateKind::Fail(_) => "Fail",
                _ => "End",
            },
            min: last.min,
            max: last.max,
        });
    }
}

/// What [`ScopeGraph::walk`] found.
struct Walk {
    paths: Vec<PathCount>,
    /// Every loop-free path, when the walk went through them all.
    count: Option<u64>,
}

/// The transitions one state makes, nested states included: (fewest, most), saturating.
fn state_cost(state: &State, options: &CountOptions) -> (u64, Option<u64>) {
    let attempts: u64 = state
        .retry
        .iter()
        .flatten()
        .map(|r| r.max_attempts.unwrap_or(3).max(0) as u64)
        .fold(0, u64::saturating_add);
    let (inner_min, inner_max) = match &state.kind {
        StateKind::Parallel(p) => p.branches.iter().fold((0u64, Some(0u64)), |(lo, hi), b| {
            let (bl, bh) = scope_bounds(&b.start_at, &b.states, &|s| state_cost(s, options));
            (
                lo.saturating_add(bl),
                hi.zip(bh).map(|(x, y)| x.saturating_add(y)),
            )
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
                fewest.saturating_mul(per_min),
                most.zip(per_max).map(|(n, p)| n.saturating_mul(p)),
            )
        }
        _ => (0, Some(0)),
    };
    let once_max = inner_max.map(|m| m.saturating_add(1));
    (
        inner_min.saturating_add(1),
        once_max.map(|m| m.saturating_mul(attempts.saturating_add(1))),
    )
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

    /// `n` Pass states in a row, `S0` to `S{n-1}`.
    fn chain(n: u64) -> String {
        let states: Vec<String> = (0..n)
            .map(|i| {
                if i + 1 == n {
                    format!(r#""S{i}": {{"Type": "Pass", "End": true}}"#)
                } else {
                    format!(r#""S{i}": {{"Type": "Pass", "Next": "S{}"}}"#, i + 1)
                }
            })
            .collect();
        format!(r#"{{"StartAt": "S0", "States": {{{}}}}}"#, states.join(","))
    }

    #[test]
    fn a_chain_counts_one_per_state() {
        let c = counted(&chain(8), None);
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

    /// `k` diamonds in a row: a Choice to `L{i}` or `R{i}`, both on to the next Choice; the
    /// last two on to `Done`. With `loop_back`, `Start` chooses between `Out` (the only end)
    /// and the first diamond, and the last state goes back to `Start`.
    fn diamonds(k: usize, loop_back: bool) -> String {
        let mut states = Vec::new();
        for i in 0..k {
            let next = if i + 1 < k {
                format!("C{}", i + 1)
            } else {
                "Done".into()
            };
            states.push(format!(
                r#""C{i}": {{"Type": "Choice", "Choices": [{{"Variable": "$.x", "BooleanEquals": true, "Next": "L{i}"}}], "Default": "R{i}"}},
                "L{i}": {{"Type": "Pass", "Next": "{next}"}}, "R{i}": {{"Type": "Pass", "Next": "{next}"}}"#
            ));
        }
        if loop_back {
            states.push(r#""Start": {"Type": "Choice", "Choices": [{"Variable": "$.x", "IsPresent": true, "Next": "Out"}], "Default": "C0"},
                "Out": {"Type": "Succeed"}, "Done": {"Type": "Pass", "Next": "Start"}"#.into());
        } else {
            states.push(r#""Done": {"Type": "Succeed"}"#.into());
        }
        let start = if loop_back { "Start" } else { "C0" };
        format!(
            r#"{{"StartAt": "{start}", "States": {{{}}}}}"#,
            states.join(",")
        )
    }

    #[test]
    fn diamonds_are_counted_without_listing_them() {
        // Each diamond doubles the paths: 2^40 of them, each through 40 Choices, 40 Pass
        // states and Done. Listing them would never end; counting takes one pass.
        let c = counted(&diamonds(40, false), None);
        assert_eq!(c.path_count, Some(1 << 40));
        assert_eq!(c.paths.len(), MAX_PATHS);
        assert!(c.truncated);
        assert_eq!((c.min, c.max), (81, Some(81)));
        assert!(c.paths.iter().all(|p| p.states.len() == 81));
    }

    #[test]
    fn the_listing_is_bounded_in_names() {
        // 2,000 diamonds: each path holds 4,001 names; 16 of them fill MAX_LISTED_NAMES.
        let c = counted(&diamonds(2_000, false), None);
        assert_eq!(c.paths.len(), MAX_LISTED_NAMES / 4_001);
        assert!(c.truncated);
        assert_eq!(c.path_count, Some(u64::MAX));
    }

    #[test]
    fn the_walk_of_a_looping_machine_is_bounded() {
        // One path ends (Start, Out); the 2^30 others through the diamonds come back to Start
        // and end nowhere. The walk stops after MAX_WALK_STEPS steps, when it would otherwise
        // take 2^31 or more.
        let c = counted(&diamonds(30, true), None);
        assert_eq!(c.paths.len(), 1);
        assert_eq!(c.paths[0].states, ["Start", "Out"]);
        assert_eq!(c.path_count, None);
        assert!(c.truncated);
        assert_eq!((c.min, c.max), (2, None));
        // With 5 diamonds the walk ends: the one path, counted.
        let c = counted(&diamonds(5, true), None);
        assert_eq!((c.path_count, c.truncated), (Some(1), false));
    }

    #[test]
    fn a_long_chain_is_linear_and_not_recursive() {
        // 20,000 states: a recursive walk would overflow a test thread's stack, and the cubic
        // search for loops this replaces took hours. One path of 20,000 transitions.
        let n = 20_000;
        let c = counted(&chain(n), None);
        assert_eq!((c.min, c.max), (n, Some(n)));
        assert_eq!((c.path_count, c.paths.len()), (Some(1), 1));
    }

    #[test]
    fn nested_scopes_cost_each_state_once() {
        // A chain of Parallels, each holding the next, four deep, each branch two states: the
        // linter's way of costing a Parallel (scope_bounds inside the cost of a state) must
        // call the cost once per state, not once per path to it and per computation.
        fn scope(depth: usize) -> String {
            let inner = if depth == 0 {
                r#""Type": "Pass""#.to_string()
            } else {
                format!(
                    r#""Type": "Parallel", "Branches": [{}, {}]"#,
                    scope(depth - 1),
                    scope(depth - 1)
                )
            };
            format!(
                r#"{{"StartAt": "A", "States": {{"A": {{{inner}, "Next": "B"}}, "B": {{"Type": "Pass", "End": true}}}}}}"#
            )
        }
        let machine = StateMachine::from_json_str(&scope(4)).unwrap();
        let calls = std::cell::Cell::new(0u64);
        fn cost(s: &State, calls: &std::cell::Cell<u64>) -> (u64, Option<u64>) {
            calls.set(calls.get() + 1);
            let inner = match &s.kind {
                StateKind::Parallel(p) => p
                    .branches
                    .iter()
                    .map(|b| scope_bounds(&b.start_at, &b.states, &|s| cost(s, calls)).0)
                    .sum(),
                _ => 0,
            };
            (1 + inner, Some(1 + inner))
        }
        let (min, max) = scope_bounds(&machine.start_at, &machine.states, &|s| cost(s, &calls));
        // Scopes: 1 + 2 + 4 + 8 + 16 = 31, two states each.
        assert_eq!(calls.get(), 62);
        assert_eq!((min, max), (62, Some(62)));
    }

    #[test]
    fn counts_saturate_and_say_so() {
        let text = r#"{"StartAt": "Each", "States": {
            "Each": {"Type": "Map", "ItemProcessor": {"StartAt": "Work", "States": {
                "Work": {"Type": "Pass", "End": true}}}, "End": true}}}"#;
        // 2^64 - 1 items of one transition, plus the Map's own: one more than a u64 holds.
        let c = counted(text, Some(u64::MAX));
        assert!(c.saturated());
        assert_eq!(c.max, Some(u64::MAX));
        // u64::MAX itself reads as saturated: "that many or more".
        let c = counted(text, Some(u64::MAX - 2));
        assert!(!c.saturated());
        assert_eq!(c.max, Some(u64::MAX - 1));
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
