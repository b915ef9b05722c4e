//! Comparing our results with the corpus's recordings: the recording placeholders a case's
//! notes list (`<...>` pieces, or a whole value) match whatever we produce there. Shared by
//! the conformance runner and the CLI's corpus test.

use serde_json::Value;

/// The placeholders a case's notes list.
pub fn placeholders(notes: &str) -> Vec<String> {
    let Some(start) = notes.find("recording placeholders (") else {
        return Vec::new();
    };
    let rest = &notes[start + "recording placeholders (".len()..];
    let end = rest.find(')').unwrap_or(rest.len());
    rest[..end]
        .split(", ")
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// Glob match: `pattern` pieces separated by wildcards.
fn glob(pieces: &[&str], text: &str) -> bool {
    match pieces.split_first() {
        None => text.is_empty(),
        Some((first, [])) => text == *first,
        Some((first, rest)) => {
            let Some(after) = text.strip_prefix(first) else {
                return false;
            };
            // Try every split point for the wildcard that follows `first`.
            (0..=after.len())
                .filter(|i| after.is_char_boundary(*i))
                .any(|i| glob(rest, &after[i..]))
        }
    }
}

/// Whether a string matches the recorded one, `<...>` placeholders matching any text.
pub fn string_matches(expected: &str, actual: &str, placeholders: &[String]) -> bool {
    if expected == actual {
        return true;
    }
    let bracketed: Vec<&String> = placeholders.iter().filter(|p| p.starts_with('<')).collect();
    if bracketed.iter().all(|p| !expected.contains(p.as_str())) {
        return false;
    }
    // Split the expected text at every bracketed placeholder.
    let mut pieces: Vec<String> = vec![expected.to_string()];
    for p in bracketed {
        pieces = pieces
            .iter()
            .flat_map(|s| s.split(p.as_str()).map(str::to_string).collect::<Vec<_>>())
            .collect();
    }
    let refs: Vec<&str> = pieces.iter().map(String::as_str).collect();
    glob(&refs, actual)
}

/// Whether `actual` matches `expected`, where the placeholders stand for what a recording
/// could not know (ARNs, ids, timestamps).
pub fn json_matches(expected: &Value, actual: &Value, placeholders: &[String]) -> bool {
    match (expected, actual) {
        (Value::String(e), _) if placeholders.iter().any(|p| p == e) => true,
        (Value::String(e), Value::String(a)) => string_matches(e, a, placeholders),
        (Value::Number(e), Value::Number(a)) => e.as_f64() == a.as_f64(),
        (Value::Array(e), Value::Array(a)) => {
            e.len() == a.len()
                && e.iter()
                    .zip(a)
                    .all(|(x, y)| json_matches(x, y, placeholders))
        }
        (Value::Object(e), Value::Object(a)) => {
            e.len() == a.len()
                && e.iter()
                    .all(|(k, v)| a.get(k).is_some_and(|w| json_matches(v, w, placeholders)))
        }
        _ => expected == actual,
    }
}

/// Whether a FAILED execution's cause matches the recorded one: both absent, or both present
/// and matching (as JSON documents when the case's notes say "compare `cause` as JSON" and
/// both parse, else as strings), the placeholders matching whatever stands in their place.
pub fn cause_matches(
    expected: Option<&str>,
    actual: Option<&str>,
    notes: &str,
    placeholders: &[String],
) -> bool {
    match (expected, actual) {
        (None, None) => true,
        (Some(e), Some(a)) if notes.contains("compare `cause` as JSON") => {
            match (
                serde_json::from_str::<Value>(e),
                serde_json::from_str::<Value>(a),
            ) {
                (Ok(e), Ok(a)) => json_matches(&e, &a, placeholders),
                _ => e == a,
            }
        }
        (Some(e), Some(a)) => string_matches(e, a, placeholders),
        _ => false,
    }
}
