//! Property tests (proptest) of the path and intrinsic evaluators: generated documents, paths
//! and arguments, checked against oracles written independently of the evaluators
//! (`serde_json`'s JSON pointers, a loop instead of a formula, `i64` arithmetic).
//!
//! Case counts are modest so that `cargo test` stays fast; `PROPTEST_CASES=10000 cargo test
//! -p workflow-core --test properties` explores further.

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use workflow_core::entropy::SplitMix64;
use workflow_core::intrinsics::IntrinsicCall;
use workflow_core::path::{Env, Path, with_reference, write_reference};

const CASES: u32 = 96;

/// Object member names: plain ones, and ones that need the bracket form (spaces, dots,
/// brackets, non-ASCII). Quotes and backslashes are left to the unit tests of escaping.
fn name() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z][a-zA-Z0-9_]{0,6}", "[a-z .\\[\\]$@*?()éß中-]{1,6}",]
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e12f64..1e12).prop_map(Value::from),
        "[ -~é中]{0,8}".prop_map(Value::String),
    ]
}

/// JSON documents at most four levels deep, at most five members or items per level.
fn document() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(4, 48, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((name(), inner), 0..5)
                .prop_map(|members| Value::Object(members.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// One step into a document, as path text and as a JSON pointer token.
#[derive(Clone, Debug)]
enum Step {
    Name(String),
    Index(usize),
}

impl Step {
    fn path_text(&self) -> String {
        match self {
            Step::Name(n) if is_dot_name(n) => format!(".{n}"),
            Step::Name(n) => format!("['{n}']"),
            Step::Index(i) => format!("[{i}]"),
        }
    }

    fn pointer_token(&self) -> String {
        match self {
            Step::Name(n) => n.replace('~', "~0").replace('/', "~1"),
            Step::Index(i) => i.to_string(),
        }
    }
}

fn is_dot_name(n: &str) -> bool {
    n.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A document and a walk into it that ends at an existing node; `choices` pick the member
/// or item at each level.
fn document_and_walk() -> impl Strategy<Value = (Value, Vec<Step>)> {
    (
        document(),
        prop::collection::vec(any::<prop::sample::Index>(), 0..5),
    )
        .prop_map(|(doc, choices)| {
            let mut steps = Vec::new();
            let mut node = &doc;
            for choice in choices {
                node = match node {
                    Value::Object(map) if !map.is_empty() => {
                        let (k, v) = map.iter().nth(choice.index(map.len())).expect("in range");
                        steps.push(Step::Name(k.clone()));
                        v
                    }
                    Value::Array(items) if !items.is_empty() => {
                        let i = choice.index(items.len());
                        steps.push(Step::Index(i));
                        &items[i]
                    }
                    _ => break,
                };
            }
            (doc, steps)
        })
}

fn path_of(steps: &[Step]) -> Path {
    let text: String = std::iter::once("$".to_string())
        .chain(steps.iter().map(Step::path_text))
        .collect();
    Path::parse(&text).unwrap_or_else(|e| panic!("'{text}' does not parse: {e}"))
}

fn pointer_of(steps: &[Step]) -> String {
    steps
        .iter()
        .map(|s| format!("/{}", s.pointer_token()))
        .collect()
}

fn call(text: &str, input: &Value) -> Result<Value, workflow_core::AslError> {
    let call = IntrinsicCall::parse(text).unwrap_or_else(|e| panic!("'{text}': {e}"));
    call.evaluate(&Env::document(input), &mut SplitMix64(1))
}

/// Found by `json_to_string_then_string_to_json_round_trips`: JSON text is read into the
/// nearest double, as Jackson (Java's `Double.parseDouble`) reads it at AWS. serde_json's
/// default fast path can be one unit in the last place off; its `float_roundtrip` feature
/// is exact. Rust's own `str::parse::<f64>` is correctly rounded: it is the oracle.
#[test]
fn a_decimal_is_read_into_the_nearest_double() {
    for text in [
        "-987092524700.8965",
        "0.30000000000000004",
        "123456789012.34567",
    ] {
        let nearest: f64 = text.parse().expect("a number");
        let read: Value = serde_json::from_str(text).expect("JSON");
        assert_eq!(read.as_f64(), Some(nearest), "{text}");
        let input = json!({ "text": text, "number": nearest });
        assert_eq!(
            call("States.StringToJson($.text)", &input),
            Ok(Value::from(nearest))
        );
        assert_eq!(
            call("States.StringToJson(States.JsonToString($.number))", &input),
            Ok(Value::from(nearest))
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    /// A definite path into a document selects the node a JSON pointer finds there.
    #[test]
    fn a_definite_path_selects_the_node_it_names((doc, steps) in document_and_walk()) {
        let path = path_of(&steps);
        prop_assert!(path.is_definite() && path.is_reference());
        let expected = doc.pointer(&pointer_of(&steps)).expect("the walk follows the document");
        let selected = path.select(&Env::document(&doc));
        prop_assert_eq!(selected.as_deref(), Ok(expected));
    }

    /// ResultPath's writers put the value at the node and change nothing else: the result
    /// is the document with that one node replaced (by JSON pointer), and reading the path
    /// back gives the value.
    #[test]
    fn writing_through_a_reference_path_replaces_one_node(
        (doc, steps) in document_and_walk(),
        value in document(),
    ) {
        let path = path_of(&steps);
        let mut expected = doc.clone();
        *expected.pointer_mut(&pointer_of(&steps)).expect("exists") = value.clone();

        let copied = with_reference(&doc, path.segments(), value.clone());
        prop_assert_eq!(copied.as_ref(), Ok(&expected));
        let mut in_place = doc.clone();
        prop_assert_eq!(write_reference(&mut in_place, path.segments(), value.clone()), Ok(()));
        prop_assert_eq!(&in_place, &expected);
        let read = path.select(&Env::document(&in_place));
        prop_assert_eq!(read.as_deref(), Ok(&value));
    }

    /// Writing a new member under an existing object adds it and leaves the rest alone.
    #[test]
    fn writing_a_new_member_adds_it(
        (doc, steps) in document_and_walk(),
        new_name in "[a-z]{1,4}_new",
        value in scalar(),
    ) {
        // Under the deepest object of the walk (a document that is not one is wrapped).
        let doc = if doc.is_object() { doc } else { json!({ "doc": doc }) };
        let mut steps: Vec<Step> = (0..=steps.len())
            .rev()
            .map(|n| steps[..n].to_vec())
            .find(|prefix| doc.pointer(&pointer_of(prefix)).is_some_and(Value::is_object))
            .unwrap_or_default();
        steps.push(Step::Name(new_name.clone()));
        let path = path_of(&steps);
        let written = with_reference(&doc, path.segments(), value.clone()).expect("an object");
        let mut expected = doc.clone();
        let parent = pointer_of(&steps[..steps.len() - 1]);
        expected
            .pointer_mut(&parent)
            .and_then(Value::as_object_mut)
            .expect("an object")
            .insert(new_name, value);
        prop_assert_eq!(written, expected);
    }

    /// `States.StringToJson(States.JsonToString(v))` gives `v` back.
    #[test]
    fn json_to_string_then_string_to_json_round_trips(v in document()) {
        let input = json!({ "v": v });
        let back = call("States.StringToJson(States.JsonToString($.v))", &input);
        prop_assert_eq!(back, Ok(input["v"].clone()));
    }

    /// `States.Base64Decode(States.Base64Encode(s))` gives `s` back, for strings within
    /// AWS's 10,000-character limit on both sides (the encoding is a third longer).
    #[test]
    fn base64_decode_undoes_base64_encode(s in "\\PC{0,200}") {
        let input = json!({ "s": s });
        let back = call("States.Base64Decode(States.Base64Encode($.s))", &input);
        prop_assert_eq!(back, Ok(Value::String(s)));
    }

    /// The chunks of `States.ArrayPartition` concatenate to the array; every chunk but the
    /// last has the chunk size, and none is empty.
    #[test]
    fn array_partition_concatenates_back_to_the_array(
        items in prop::collection::vec(scalar(), 0..20),
        size in 1i64..8,
    ) {
        let input = json!({ "items": items, "size": size });
        let chunks = call("States.ArrayPartition($.items, $.size)", &input).expect("valid");
        let chunks = chunks.as_array().expect("an array of chunks");
        let mut joined = Vec::new();
        for (i, chunk) in chunks.iter().enumerate() {
            let chunk = chunk.as_array().expect("a chunk is an array");
            prop_assert!(!chunk.is_empty());
            if i + 1 < chunks.len() {
                prop_assert_eq!(chunk.len() as i64, size);
            } else {
                prop_assert!(chunk.len() as i64 <= size);
            }
            joined.extend(chunk.iter().cloned());
        }
        prop_assert_eq!(joined, items);
    }

    /// `States.ArrayRange(first, last, step)` counts from `first` by `step` up to `last`
    /// (AWS's example: `(1, 9, 2)` is `[1,3,5,7,9]`): the same items as a loop that steps
    /// until it passes `last`, so `floor((last - first) / step) + 1` of them when `step`
    /// goes towards `last`.
    #[test]
    fn array_range_has_the_items_a_loop_counts(
        first in -300i64..300,
        last in -300i64..300,
        step in prop_oneof![-40i64..0, 1i64..40],
    ) {
        let mut expected = Vec::new();
        let mut x = first;
        while (step > 0 && x <= last) || (step < 0 && x >= last) {
            expected.push(Value::from(x));
            x += step;
        }
        let range = call(&format!("States.ArrayRange({first}, {last}, {step})"), &json!({}));
        prop_assert_eq!(&range, &Ok(Value::Array(expected.clone())));
        if !expected.is_empty() {
            prop_assert_eq!(expected.len() as i64, (last - first) / step + 1);
        }
    }

    /// `States.MathAdd` adds as `i64` does, for arguments and sums inside AWS's 32-bit
    /// integer range.
    #[test]
    fn math_add_agrees_with_integer_addition(a in any::<i32>(), b in any::<i32>()) {
        let sum = i64::from(a) + i64::from(b);
        prop_assume!(i32::try_from(sum).is_ok());
        let input = json!({ "a": a, "b": b });
        prop_assert_eq!(call("States.MathAdd($.a, $.b)", &input), Ok(Value::from(sum)));
        prop_assert_eq!(call(&format!("States.MathAdd({a}, {b})"), &json!({})), Ok(Value::from(sum)));
    }

    /// `States.ArrayUnique` is idempotent, keeps every item of the array, and leaves no
    /// two equal items.
    #[test]
    fn array_unique_is_idempotent(
        items in prop::collection::vec(prop_oneof![scalar(), (0i64..3).prop_map(Value::from), Just(json!({"a": 1}))], 0..16),
    ) {
        let input = json!({ "items": items });
        let once = call("States.ArrayUnique($.items)", &input).expect("an array");
        let twice = call("States.ArrayUnique(States.ArrayUnique($.items))", &input);
        prop_assert_eq!(twice.as_ref(), Ok(&once));
        let once = once.as_array().expect("an array");
        for item in &items {
            prop_assert!(once.contains(item));
        }
        for (i, a) in once.iter().enumerate() {
            prop_assert!(!once[i + 1..].contains(a));
        }
    }

    /// `States.Format` with no placeholder gives its template back, literal or from a path.
    #[test]
    fn format_without_placeholders_is_the_identity(s in "[^{}'\\\\]{0,40}") {
        let literal = call(&format!("States.Format('{s}')"), &json!({}));
        prop_assert_eq!(literal, Ok(Value::String(s.clone())));
        let from_path = call("States.Format($.s)", &json!({ "s": s }));
        prop_assert_eq!(from_path, Ok(Value::String(s)));
    }
}
