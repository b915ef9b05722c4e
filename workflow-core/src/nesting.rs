//! How deep JSON values, and the structures of a definition, may nest.
//!
//! Cloning, comparing, serialising, parsing and dropping a `serde_json::Value` each recurse
//! once per level of nesting, and so does every walk of a definition's nested scopes, Choice
//! rules and payload templates. None of them may follow the depth of user input without a
//! bound: a state machine runs on a tokio worker thread with a 2 MiB stack, and a payload of
//! 256 KiB can nest some 40,000 levels deep (`{"a":{"a":...}}`). So:
//!
//! * no JSON value the engine keeps (an execution's input, a state's output, a task's input
//!   or result, a variable) nests deeper than [`MAX_JSON_DEPTH`] levels. A state that would
//!   produce one fails with `States.DataLimitExceeded`, the error of the other payload limit;
//! * no definition nests paths, templates, Choice rules or Parallel and Map scopes deeper
//!   than the validator allows (see [`MAX_SCOPE_DEPTH`] and [`MAX_JSON_DEPTH`]);
//! * a value too deep to keep is taken apart without recursion ([`drop_deep`]), so that even
//!   refusing it cannot exhaust the stack.
//!
//! # The bound
//!
//! AWS documents no nesting limit for payloads. Its engine reads JSON with Jackson (what
//! `States.Format` prints is Java's `toString` of Jackson's values), whose parser refuses
//! documents nested deeper than 1,000 levels by default since version 2.15 (500 in Jackson
//! 3). This engine reads JSON with serde_json, whose parser refuses 128 levels and more: an
//! execution input, a task result or a `States.StringToJson` argument that nests 128 levels is
//! already refused. [`MAX_JSON_DEPTH`] is that same bound, 127, applied to the values built
//! at run time as well, so that everything the engine keeps can be written out and read back
//! by serde_json (a saved history, a bound command's input, `States.StringToJson` of
//! `States.JsonToString`). Values between 128 and Jackson's limit are the difference with AWS.

use serde_json::Value;

use crate::diagnostic::{Diagnostic, codes};
use crate::model::{StateKind, StateMachine, States};

/// The most levels a JSON value may nest: `{}` and `[]` are one level, `{"a": []}` two, a
/// scalar none. The deepest value serde_json's parser reads (its recursion limit of 128
/// refuses a 128th level).
pub const MAX_JSON_DEPTH: usize = 127;

/// The most levels Parallel branches and Map processors may nest (the top level is the
/// first). A definition's JSON text cannot nest scopes deeper than 42 levels within
/// [`MAX_JSON_DEPTH`] (each level takes at least three levels of JSON), so only a model built
/// in code can reach this bound.
pub const MAX_SCOPE_DEPTH: usize = 64;

/// How many levels `value` nests: 0 for a scalar, 1 for `[]` or `{"a": 1}`, ... Walks
/// without recursion, so any value can be measured.
pub fn json_depth(value: &Value) -> usize {
    depth_until(value, usize::MAX)
}

/// True when `value` nests deeper than `max` levels. Stops at the first level past `max`.
pub(crate) fn exceeds_depth(value: &Value, max: usize) -> bool {
    depth_until(value, max) > max
}

/// The depth of `value`, or the first depth past `max` when it nests deeper.
fn depth_until(value: &Value, max: usize) -> usize {
    // One iterator per open container: the stack holds the path to the current value.
    enum Open<'v> {
        Array(std::slice::Iter<'v, Value>),
        Object(serde_json::map::Values<'v>),
    }
    fn open(value: &Value) -> Option<Open<'_>> {
        match value {
            Value::Array(items) => Some(Open::Array(items.iter())),
            Value::Object(map) => Some(Open::Object(map.values())),
            _ => None,
        }
    }
    let Some(first) = open(value) else {
        return 0;
    };
    let mut stack = vec![first];
    let mut deepest = 1;
    while let Some(top) = stack.last_mut() {
        let next = match top {
            Open::Array(items) => items.next(),
            Open::Object(values) => values.next(),
        };
        match next {
            None => {
                stack.pop();
            }
            Some(child) => {
                if let Some(container) = open(child) {
                    stack.push(container);
                    deepest = deepest.max(stack.len());
                    if deepest > max {
                        return deepest;
                    }
                }
            }
        }
    }
    deepest
}

/// Drops `value` without recursion: dropping a `serde_json::Value` recurses once per level,
/// which a value nested thousands of levels deep (built in code, never parsed) turns into a
/// stack overflow. Shallow values are dropped as usual.
pub fn drop_deep(value: Value) {
    if !exceeds_depth(&value, MAX_JSON_DEPTH) {
        return;
    }
    let mut pending = vec![value];
    while let Some(mut v) = pending.pop() {
        // Move the children out before `v` is dropped, so that `v` is dropped empty.
        match &mut v {
            Value::Array(items) => pending.append(items),
            Value::Object(map) => {
                let members = std::mem::take(map);
                pending.extend(members.into_iter().map(|(_, child)| child));
            }
            _ => {}
        }
    }
}

/// True when the Parallel branches and Map processors of `machine` nest deeper than
/// [`MAX_SCOPE_DEPTH`] levels (which the validator refuses). Walks without recursion, for the
/// functions that take a machine that may not have been validated (lint, transition counts)
/// and recurse into its scopes.
pub(crate) fn scopes_too_deep(machine: &StateMachine) -> bool {
    let mut scopes: Vec<(&States, usize)> = vec![(&machine.states, 1)];
    while let Some((states, level)) = scopes.pop() {
        for state in states.values() {
            let inner: Vec<&States> = match &state.kind {
                StateKind::Parallel(p) => p.branches.iter().map(|b| &b.states).collect(),
                StateKind::Map(m) => vec![&m.item_processor.states],
                _ => continue,
            };
            if level >= MAX_SCOPE_DEPTH {
                return true;
            }
            scopes.extend(inner.into_iter().map(|s| (s, level + 1)));
        }
    }
    false
}

/// The message for a value nested too deep, `what` naming it ("the execution input").
pub(crate) fn too_deep(what: &str) -> String {
    format!("{what} nests deeper than {MAX_JSON_DEPTH} levels, the most a JSON value may nest")
}

/// The `nesting-too-deep` problem of a definition's JSON value at `pointer` (a payload
/// template, a Choice rule, ...) that nests deeper than `max` levels; `None` when it does
/// not. Found without recursion.
pub(crate) fn value_too_deep(
    value: &Value,
    max: usize,
    pointer: impl Into<String>,
) -> Option<Diagnostic> {
    exceeds_depth(value, max)
        .then(|| Diagnostic::error(codes::NESTING_TOO_DEEP, pointer, too_deep("This value")))
}

/// serde_json's message for a parse error, with "recursion limit exceeded" (the text is
/// nested too deep) said in words a user of this engine understands.
pub fn parse_error_message(error: &serde_json::Error) -> String {
    let message = error.to_string();
    match message.strip_prefix("recursion limit exceeded") {
        Some(rest) => format!(
            "it nests deeper than {MAX_JSON_DEPTH} levels, the most a JSON value may nest{rest}"
        ),
        None => message,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// `{"a": [{"a": [ ... ]}]}`, `levels` deep, built without recursion.
    pub(crate) fn nested(levels: usize) -> Value {
        let mut v = Value::Null;
        for i in 0..levels {
            v = if i % 2 == 0 {
                Value::Array(vec![v])
            } else {
                // Not `json!`, which would copy `v` through a recursive serialization.
                let mut map = serde_json::Map::new();
                map.insert("a".to_string(), v);
                Value::Object(map)
            };
        }
        v
    }

    #[test]
    fn depth_counts_containers() {
        assert_eq!(json_depth(&json!(1)), 0);
        assert_eq!(json_depth(&json!([])), 1);
        assert_eq!(json_depth(&json!({"a": 1})), 1);
        assert_eq!(json_depth(&json!({"a": [], "b": {"c": [[]]}})), 4);
        assert_eq!(json_depth(&nested(500)), 500);
        assert!(exceeds_depth(&nested(128), MAX_JSON_DEPTH));
        assert!(!exceeds_depth(&nested(127), MAX_JSON_DEPTH));
    }

    /// The bound is what serde_json reads back: 127 levels parse, 128 do not.
    #[test]
    fn the_bound_is_what_serde_json_reads() {
        for levels in [MAX_JSON_DEPTH, MAX_JSON_DEPTH + 1] {
            let text = "[".repeat(levels) + &"]".repeat(levels);
            let parsed = serde_json::from_str::<Value>(&text);
            assert_eq!(parsed.is_ok(), levels <= MAX_JSON_DEPTH, "{levels}");
            if let Err(e) = parsed {
                assert!(
                    parse_error_message(&e)
                        .starts_with("it nests deeper than 127 levels, the most a JSON value may nest at line 1 column 128"),
                    "{e}"
                );
            }
        }
    }

    /// Measuring and dropping a value 100,000 levels deep needs no deep stack: this runs on
    /// a thread with 64 KiB, where a recursive walk would overflow after a few hundred levels.
    #[test]
    fn deep_values_are_measured_and_dropped_without_recursion() {
        let value = nested(100_000);
        std::thread::Builder::new()
            .stack_size(64 * 1024)
            .spawn(move || {
                assert_eq!(json_depth(&value), 100_000);
                assert!(exceeds_depth(&value, MAX_JSON_DEPTH));
                drop_deep(value);
            })
            .unwrap()
            .join()
            .unwrap();
    }
}
