//! What the fuzz targets share: how an input is cut into the text under test and the JSON
//! document it is evaluated against, and the invariants more than one target checks.
//!
//! Input layout for the `jsonpath`, `template` and `intrinsic` targets: the text under test on
//! the first line, then the document (JSON) on the following lines. `seed_corpus.py` writes
//! its seeds that way; a document that is not JSON is replaced by [`default_document`], so
//! that mutations of the first line still meet objects, arrays and scalars.

use serde_json::{Map, Value, json};
use workflow_core::Location;
use workflow_core::entropy::SplitMix64;
use workflow_core::path::Env;

/// The text under test and the document, or `None` for input that is not UTF-8 (the engine
/// only ever sees text).
pub fn text_and_document(data: &[u8]) -> Option<(&str, Value)> {
    let text = std::str::from_utf8(data).ok()?;
    let (head, rest) = text.split_once('\n').unwrap_or((text, ""));
    let document = serde_json::from_str(rest).unwrap_or_else(|_| default_document());
    Some((head, document))
}

/// A document with a bit of everything, for inputs whose own document is not JSON.
pub fn default_document() -> Value {
    json!({
        "a": {"b": [1, 2.5, {"c": "x"}], "d": null, "e": true},
        "list": [3, 1, 2, 3, "3", [1], {"k": 1}],
        "text": "hello {} world",
        "n": -7,
        "big": 9007199254740993u64,
        "empty": {},
        "strings": ["a", "b,c", "", "\\u0000"],
        "name with spaces": {"x'y": 1, "x\"y": 2}
    })
}

/// The variables a document stands for: its members, when it is an object (so `$a` finds
/// what `$.a` finds).
pub fn variables_of(document: &Value) -> Map<String, Value> {
    document.as_object().cloned().unwrap_or_default()
}

/// The environment the targets evaluate in: the document as `$` and as `$$`, its members as
/// the variables.
pub fn environment<'a>(document: &'a Value, variables: &'a Map<String, Value>) -> Env<'a> {
    Env {
        input: document,
        context: document,
        variables,
    }
}

/// Evaluates twice with the same entropy and checks that both give the same result: nothing
/// but the entropy passed in may change what an evaluation gives.
pub fn deterministic<T: PartialEq + std::fmt::Debug>(evaluate: impl Fn(&mut SplitMix64) -> T) -> T {
    let first = evaluate(&mut SplitMix64(7));
    let second = evaluate(&mut SplitMix64(7));
    assert_eq!(first, second, "not deterministic");
    first
}

/// Checks that a diagnostic's location agrees with the text it points into: a 1-based line and
/// a byte column that match its byte offset, and a span that stays inside the text.
pub fn check_location(text: &str, location: &Location, what: &dyn std::fmt::Debug) {
    let Location {
        line,
        column,
        offset,
        length,
    } = *location;
    assert!(
        offset <= text.len(),
        "offset {offset} past the end ({}) for {what:?}",
        text.len()
    );
    // A one-byte caret just past the end marks where text that stops too early stops.
    let caret_at_end = offset == text.len() && length <= 1;
    assert!(
        offset + length <= text.len() || caret_at_end,
        "span {offset}+{length} past the end ({}) for {what:?}",
        text.len()
    );
    let before = &text.as_bytes()[..offset];
    let expected_line = 1 + before.iter().filter(|&&b| b == b'\n').count();
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    assert_eq!(line, expected_line, "line of offset {offset} for {what:?}");
    assert_eq!(
        column,
        offset - line_start + 1,
        "column of offset {offset} for {what:?}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_line_is_the_text_and_the_rest_the_document() {
        let (text, doc) = text_and_document(b"$.a\n{\"a\": [1,\n 2]}").unwrap();
        assert_eq!(text, "$.a");
        assert_eq!(doc, json!({"a": [1, 2]}));
        let (text, doc) = text_and_document(b"States.Array(1)").unwrap();
        assert_eq!(text, "States.Array(1)");
        assert_eq!(doc, default_document());
        assert!(text_and_document(b"\xff").is_none());
    }

    #[test]
    fn a_location_must_match_its_offset() {
        let text = "{\n  \"a\": 1\n}";
        let good = Location {
            line: 2,
            column: 3,
            offset: 4,
            length: 3,
        };
        check_location(text, &good, &"good");
        let wrong_column = Location { column: 4, ..good };
        assert!(std::panic::catch_unwind(|| check_location(text, &wrong_column, &"bad")).is_err());
    }
}
