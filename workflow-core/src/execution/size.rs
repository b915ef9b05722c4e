//! The payload limit: every state input and output, task input and result must fit in
//! 256 KiB of JSON text.

use serde_json::Value;

use super::Failure;
use crate::error::names;
use crate::nesting::MAX_JSON_DEPTH;

/// AWS's limit on a payload, in bytes of UTF-8 JSON text.
pub const PAYLOAD_LIMIT_BYTES: usize = 262_144;

/// AWS's cause for `States.DataLimitExceeded` when `name` (a state, or for a task's own result
/// the function, the activity or the service) returned more than [`PAYLOAD_LIMIT_BYTES`].
pub(crate) fn result_too_large_cause(name: &str) -> String {
    format!(
        "The state/task '{name}' returned a result with a size exceeding the maximum number of bytes service limit."
    )
}

/// The failure of a state whose result, task input or variable nests deeper than
/// [`MAX_JSON_DEPTH`] levels: the payload limit of the size, `States.DataLimitExceeded`, and a
/// cause in the words of its size message. `what` is "a result", "an input", ...
pub(crate) fn too_deep_failure(state: &str, what: &str) -> Failure {
    Failure::new(
        names::DATA_LIMIT_EXCEEDED,
        format!(
            "The state/task '{state}' returned {what} nested deeper than the maximum of {MAX_JSON_DEPTH} levels."
        ),
    )
}

/// The length in bytes of the compact JSON text of `value`, computed without writing it.
/// Exact for a value within [`MAX_JSON_DEPTH`]; see `measure`.
pub fn json_size(value: &Value) -> usize {
    measure(value).size
}

/// What the payload limits look at: the size of a value's compact JSON text and how deep it
/// nests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Measure {
    /// The length in bytes of the compact JSON text. For a value that nests deeper than
    /// [`MAX_JSON_DEPTH`], only the levels down to the first one past it are counted.
    pub size: usize,
    /// How many levels it nests (see [`crate::nesting::json_depth`]); at most
    /// `MAX_JSON_DEPTH + 1`, which says "too deep".
    pub depth: usize,
}

impl Measure {
    /// True when the value nests deeper than [`MAX_JSON_DEPTH`].
    pub fn too_deep(&self) -> bool {
        self.depth > MAX_JSON_DEPTH
    }
}

/// Measures `value` in one walk, which goes no deeper than one level past
/// [`MAX_JSON_DEPTH`]: any value can be measured.
pub fn measure(value: &Value) -> Measure {
    let (size, depth) = walk(value, 0);
    Measure { size, depth }
}

/// The size and depth of `value`, found at `level`. Recursion stops one level past the
/// bound, so the stack it takes is bounded whatever the value.
fn walk(value: &Value, level: usize) -> (usize, usize) {
    match value {
        Value::Null | Value::Bool(true) => (4, 0),
        Value::Bool(false) => (5, 0),
        Value::Number(n) => (number_len(n), 0),
        Value::String(s) => (string_len(s), 0),
        Value::Array(items) => {
            let level = level + 1;
            let mut size = 2 + items.len().saturating_sub(1);
            let mut depth = level;
            if level <= MAX_JSON_DEPTH {
                for item in items {
                    let (s, d) = walk(item, level);
                    size += s;
                    depth = depth.max(d);
                }
            }
            (size, depth)
        }
        Value::Object(map) => {
            let level = level + 1;
            let mut size = 2 + map.len().saturating_sub(1);
            let mut depth = level;
            if level <= MAX_JSON_DEPTH {
                for (k, v) in map {
                    let (s, d) = walk(v, level);
                    size += string_len(k) + 1 + s;
                    depth = depth.max(d);
                }
            }
            (size, depth)
        }
    }
}

fn number_len(n: &serde_json::Number) -> usize {
    if let Some(i) = n.as_u64() {
        digits(i)
    } else if let Some(i) = n.as_i64() {
        1 + digits(i.unsigned_abs())
    } else {
        n.to_string().len()
    }
}

fn digits(mut i: u64) -> usize {
    let mut d = 1;
    while i >= 10 {
        i /= 10;
        d += 1;
    }
    d
}

fn string_len(s: &str) -> usize {
    // Bytes are the UTF-8 length; only quotes, backslashes and control characters grow when
    // escaped, and all of them are ASCII.
    let mut len = 2 + s.len();
    for b in s.bytes() {
        len += match b {
            b'"' | b'\\' | b'\n' | b'\r' | b'\t' | 0x08 | 0x0c => 1,
            b if b < 0x20 => 5,
            _ => 0,
        };
    }
    len
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn matches_the_serialized_length() {
        for v in [
            json!(null),
            json!(true),
            json!(false),
            json!(0),
            json!(-12345),
            json!(u64::MAX),
            json!(1.5),
            json!("a\"b\\c\nd\u{1}é"),
            json!([]),
            json!({}),
            json!({"a": [1, {"b": "x"}, null], "c": {"d": false}}),
        ] {
            assert_eq!(json_size(&v), v.to_string().len(), "{v}");
        }
    }

    #[test]
    fn measures_depth_and_stops_past_the_bound() {
        assert_eq!(measure(&json!(1)).depth, 0);
        assert_eq!(measure(&json!({"a": [1, {"b": []}]})).depth, 4);
        let mut deep = Value::Null;
        for _ in 0..10_000 {
            deep = Value::Array(vec![deep]);
        }
        // Runs on a small stack: the walk goes no deeper than the bound.
        let m = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || {
                let m = measure(&deep);
                crate::nesting::drop_deep(deep);
                m
            })
            .unwrap()
            .join()
            .unwrap();
        assert!(m.too_deep());
        assert_eq!(m.depth, MAX_JSON_DEPTH + 1);
    }
}
