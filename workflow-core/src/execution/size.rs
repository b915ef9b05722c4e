//! The payload limit: every state input and output, task input and result must fit in
//! 256 KiB of JSON text.

use serde_json::Value;

/// AWS's limit on a payload, in bytes of UTF-8 JSON text.
pub const PAYLOAD_LIMIT_BYTES: usize = 262_144;

/// AWS's cause for `States.DataLimitExceeded` when `name` (a state, or for a task's own result
/// the function, the activity or the service) returned more than [`PAYLOAD_LIMIT_BYTES`].
pub(crate) fn result_too_large_cause(name: &str) -> String {
    format!(
        "The state/task '{name}' returned a result with a size exceeding the maximum number of bytes service limit."
    )
}

/// The length in bytes of the compact JSON text of `value`, computed without writing it.
pub fn json_size(value: &Value) -> usize {
    match value {
        Value::Null => 4,
        Value::Bool(true) => 4,
        Value::Bool(false) => 5,
        Value::Number(n) => number_len(n),
        Value::String(s) => string_len(s),
        Value::Array(items) => {
            2 + items.iter().map(json_size).sum::<usize>() + items.len().saturating_sub(1)
        }
        Value::Object(map) => {
            2 + map
                .iter()
                .map(|(k, v)| string_len(k) + 1 + json_size(v))
                .sum::<usize>()
                + map.len().saturating_sub(1)
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
}
