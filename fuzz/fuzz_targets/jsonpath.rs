//! JSONPath: parse the first line, evaluate it against the document on the following lines
//! (as `$`, as `$$` and, through its members, as the variables), and write through it when
//! it is a reference path (ResultPath's two writers).
//!
//! Invariants: a parsed path keeps its text; its normalized form (Jayway's bracket form, the
//! one printer) parses back to the same root and segments, where that form can say the path
//! (no filter or function, names without quotes or backslashes); an indefinite path yields an
//! array (but for a function's value); what is present selects something; both reference
//! writers agree, and reading back after a write gives the value written.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::json;
use workflow_core::path::{Env, Path, Root, Segment, with_reference, write_reference};
use workflow_fuzz::{environment, text_and_document, variables_of};

fuzz_target!(|data: &[u8]| {
    let Some((text, document)) = text_and_document(data) else {
        return;
    };
    let Ok(path) = Path::parse(text) else {
        return;
    };
    assert_eq!(path.text(), text);

    if printable(path.segments()) {
        let normalized = path.normalized();
        let again = Path::parse(&normalized)
            .unwrap_or_else(|e| panic!("the normalized form '{normalized}' of '{text}': {e}"));
        assert_eq!(again.root(), path.root(), "root of '{normalized}'");
        assert_eq!(
            again.segments(),
            path.segments(),
            "segments of '{normalized}'"
        );
    }

    let variables = variables_of(&document);
    let env = environment(&document, &variables);
    let selected = path.select(&env);
    let ends_in_function = matches!(path.segments().last(), Some(Segment::Function(_)));
    if let Ok(value) = &selected
        && !path.is_definite()
        && !ends_in_function
    {
        assert!(value.is_array(), "indefinite '{text}' gave {value}");
    }
    if path.is_present(&env) {
        assert!(selected.is_ok(), "'{text}' is present but selects nothing");
    }

    if path.is_reference() {
        let marker = json!({"written by": "the fuzzer"});
        let copied = with_reference(&document, path.segments(), marker.clone());
        let mut in_place = document.clone();
        let written = write_reference(&mut in_place, path.segments(), marker.clone());
        match (&copied, &written) {
            (Ok(copy), Ok(())) => {
                assert_eq!(copy, &in_place, "the two writers of '{text}' disagree");
                let back = Path::parse(text).expect("parsed above");
                let read = back.select(&Env::document(&in_place));
                // Only `$` paths read the document that was written to.
                if matches!(path.root(), Root::Input) {
                    assert_eq!(
                        read.as_deref(),
                        Ok(&marker),
                        "'{text}' does not read back what was written"
                    );
                }
            }
            (Err(a), Err(b)) => assert_eq!(a, b, "the writers of '{text}' fail differently"),
            _ => panic!("one writer of '{text}' fails: {copied:?} / {written:?}"),
        }
    }
});

/// True when the normalized form can say every segment.
fn printable(segments: &[Segment]) -> bool {
    let name_ok = |n: &str| !n.contains(['\'', '\\']);
    segments.iter().all(|s| match s {
        Segment::Name(n) => name_ok(n),
        Segment::Names(ns) => ns.iter().all(|n| name_ok(n)),
        Segment::Index(_) | Segment::Indices(_) | Segment::Wildcard | Segment::Slice { .. } => true,
        Segment::Descendant(inner) => printable(std::slice::from_ref(&**inner)),
        Segment::Filter(_) | Segment::Function(_) => false,
    })
}
