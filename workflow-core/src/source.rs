//! Where things are in a definition's source text: JSON pointers mapped to lines and columns,
//! and the duplicate keys that a JSON parser silently merges.

use std::collections::{HashMap, HashSet};

use crate::diagnostic::{Diagnostic, Diagnostics, GRAPH_CASCADES, Location, Severity, codes};
use crate::model::{StateMachine, parse_value};

/// The span of one value (and, for an object member, of its key) in the source text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// Byte offset where the value starts.
    pub start: usize,
    /// Byte offset just past the value.
    pub end: usize,
    /// Byte offset of the member's key, when the value is an object member.
    pub key_start: Option<usize>,
    /// Byte offset just past the member's key (its closing quote), when it has one.
    pub key_end: Option<usize>,
}

/// JSON pointers of a source text, each with its span.
///
/// Kept as a tree of the values, each with its key, not as a table of pointers: a value's
/// pointer repeats every key above it, so a table would hold, under a member with a long key
/// (a 70,000-character state name), a copy of that key per value below it (3 GB for a 300 KB
/// definition). The tree holds each key once.
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    /// The values, the root first (when the text has one).
    nodes: Vec<Node>,
    line_starts: Vec<usize>,
    text_len: usize,
}

#[derive(Clone, Debug)]
struct Node {
    span: Span,
    /// An object's or an array's members; `None` for a scalar.
    members: Option<Members>,
}

#[derive(Clone, Debug)]
enum Members {
    /// An object's members, by key: the first of duplicated keys (the one a reader sees first).
    Object(HashMap<String, usize>),
    /// An array's items, in order.
    Array(Vec<usize>),
}

/// Appends `/token` to `pointer` in place, escaped as [`push_pointer`](crate::diagnostic::push_pointer) does: the scan keeps
/// one pointer buffer rather than a copy per value.
fn append_token(pointer: &mut String, token: &str) {
    pointer.push('/');
    for c in token.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

/// Reverses `push_pointer`'s escapes in one token of a pointer.
fn unescape_token(token: &str) -> std::borrow::Cow<'_, str> {
    if token.contains('~') {
        std::borrow::Cow::Owned(token.replace("~1", "/").replace("~0", "~"))
    } else {
        std::borrow::Cow::Borrowed(token)
    }
}

impl SourceMap {
    /// Scans `text`, which must be valid JSON. Returns the map and the duplicate keys found.
    pub fn scan(text: &str) -> (SourceMap, Vec<Diagnostic>) {
        let mut line_starts = vec![0];
        for (i, b) in text.bytes().enumerate() {
            if b == b'\n' {
                line_starts.push(i + 1);
            }
        }
        let mut scanner = Scanner {
            text: text.as_bytes(),
            pos: 0,
            nodes: Vec::new(),
            duplicates: Vec::new(),
        };
        scanner.skip_ws();
        if scanner.pos < text.len() {
            scanner.value(&mut String::new(), None);
        }
        let map = SourceMap {
            nodes: scanner.nodes,
            line_starts,
            text_len: text.len(),
        };
        // JSON parsers differ on duplicate keys; the common ones (serde_json here, Jackson at AWS)
        // keep the last value, so the definition still means something: a warning.
        let duplicates = scanner
            .duplicates
            .into_iter()
            .map(|(pointer, key, key_at, end)| {
                let mut d = Diagnostic::warning(
                    codes::DUPLICATE_KEY,
                    pointer,
                    format!(
                        "The key '{key}' appears more than once in the same object: only its last value counts. Remove or rename one of them"
                    ),
                );
                d.location = Some(map.location_of(key_at, end));
                d
            })
            .collect();
        (map, duplicates)
    }

    /// The value at `pointer`, or else its nearest ancestor that exists (`false` then).
    fn find(&self, pointer: &str) -> Option<(&Node, bool)> {
        let mut node = self.nodes.first()?;
        if pointer.is_empty() {
            return Some((node, true));
        }
        // A pointer that does not start with '/' names nothing below the root.
        let Some(rest) = pointer.strip_prefix('/') else {
            return Some((node, false));
        };
        for token in rest.split('/') {
            let child = match &node.members {
                Some(Members::Object(members)) => members.get(&*unescape_token(token)),
                Some(Members::Array(items)) => {
                    token.parse::<usize>().ok().and_then(|i| items.get(i))
                }
                None => None,
            };
            match child {
                Some(&i) => node = &self.nodes[i],
                None => return Some((node, false)),
            }
        }
        Some((node, true))
    }

    /// The node at exactly `pointer`.
    fn node(&self, pointer: &str) -> Option<&Node> {
        self.find(pointer).and_then(|(n, exact)| exact.then_some(n))
    }

    /// The span of the value at `pointer`.
    pub fn span(&self, pointer: &str) -> Option<Span> {
        self.node(pointer).map(|n| n.span)
    }

    /// Line and column of the value at `pointer`, or of its nearest ancestor that exists.
    pub fn location(&self, pointer: &str) -> Option<Location> {
        self.find(pointer)
            .map(|(n, _)| self.location_of(n.span.start, n.span.end))
    }

    /// Line and column of a byte range.
    pub fn location_of(&self, start: usize, end: usize) -> Location {
        let start = start.min(self.text_len);
        let line = match self.line_starts.binary_search(&start) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        Location {
            line: line + 1,
            column: start - self.line_starts[line] + 1,
            offset: start,
            length: end.saturating_sub(start),
        }
    }

    /// Line and column of the member at `pointer`, starting at its key (the whole object for
    /// the root or an array item); falls back like [`SourceMap::location`].
    pub fn member_location(&self, pointer: &str) -> Option<Location> {
        match self.span(pointer) {
            Some(span) => Some(self.location_of(span.key_start.unwrap_or(span.start), span.end)),
            None => self.location(pointer),
        }
    }

    /// Fills in the location of every diagnostic that has none. A problem with a member's name
    /// (an unknown field, a state name) or with a whole object or array (a state, `Choices`)
    /// points at the member's key; a problem with a scalar value points at the value.
    pub fn locate(&self, diagnostics: &mut [Diagnostic]) {
        for d in diagnostics {
            if d.location.is_none() {
                let whole = KEY_CODES.contains(&d.code)
                    || self
                        .node(&d.pointer)
                        .is_some_and(|n| n.span.key_start.is_some() && n.members.is_some());
                d.location = if whole {
                    self.member_location(&d.pointer)
                } else {
                    self.location(&d.pointer)
                };
            }
        }
    }

    /// Line and column of the key of the member at `pointer`, when its value is an object or
    /// an array (a state, `Catch`): what names it, rather than its whole body.
    pub fn key_location(&self, pointer: &str) -> Option<Location> {
        let node = self.node(pointer)?;
        match (node.span.key_start, node.span.key_end) {
            (Some(start), Some(end)) if node.members.is_some() => {
                Some(self.location_of(start, end))
            }
            _ => None,
        }
    }
}

/// Codes about a member's name rather than its value.
const KEY_CODES: &[&str] = &[
    codes::UNKNOWN_FIELD,
    codes::DUPLICATE_STATE_NAME,
    codes::INVALID_STATE_NAME,
    codes::INVALID_VARIABLE_NAME,
];

struct Scanner<'t> {
    text: &'t [u8],
    pos: usize,
    nodes: Vec<Node>,
    /// Pointer, key, where the repeated key starts and where its value ends.
    duplicates: Vec<(String, String, usize, usize)>,
}

impl Scanner<'_> {
    fn skip_ws(&mut self) {
        while self.pos < self.text.len()
            && matches!(self.text[self.pos], b' ' | b'\t' | b'\n' | b'\r')
        {
            self.pos += 1;
        }
    }

    /// Scans the value at `self.pos`, whose pointer is `pointer` (restored on return: one
    /// buffer serves the whole scan), and returns its node's index.
    fn value(&mut self, pointer: &mut String, key: Option<(usize, usize)>) -> usize {
        let start = self.pos;
        let index = self.nodes.len();
        self.nodes.push(Node {
            span: Span {
                start,
                end: start,
                key_start: key.map(|(start, _)| start),
                key_end: key.map(|(_, end)| end),
            },
            members: None,
        });
        let members = match self.text.get(self.pos) {
            Some(b'{') => {
                self.pos += 1;
                let mut members: HashMap<String, usize> = HashMap::new();
                loop {
                    self.skip_ws();
                    match self.text.get(self.pos) {
                        Some(b'}') => {
                            self.pos += 1;
                            break;
                        }
                        Some(b',') => {
                            self.pos += 1;
                            continue;
                        }
                        Some(b'"') => {
                            let key_at = self.pos;
                            let key = self.string();
                            let key_end = self.pos;
                            self.skip_ws();
                            if self.text.get(self.pos) == Some(&b':') {
                                self.pos += 1;
                            }
                            self.skip_ws();
                            let depth = pointer.len();
                            append_token(pointer, &key);
                            let child = self.value(pointer, Some((key_at, key_end)));
                            match members.entry(key) {
                                std::collections::hash_map::Entry::Vacant(v) => {
                                    v.insert(child);
                                }
                                std::collections::hash_map::Entry::Occupied(o) => {
                                    self.duplicates.push((
                                        pointer.clone(),
                                        o.key().clone(),
                                        key_at,
                                        self.pos,
                                    ));
                                }
                            }
                            pointer.truncate(depth);
                        }
                        _ => break,
                    }
                }
                Some(Members::Object(members))
            }
            Some(b'[') => {
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws();
                    match self.text.get(self.pos) {
                        Some(b']') => {
                            self.pos += 1;
                            break;
                        }
                        Some(b',') => {
                            self.pos += 1;
                            continue;
                        }
                        Some(_) => {
                            let depth = pointer.len();
                            append_token(pointer, &items.len().to_string());
                            items.push(self.value(pointer, None));
                            pointer.truncate(depth);
                        }
                        None => break,
                    }
                }
                Some(Members::Array(items))
            }
            Some(b'"') => {
                self.string();
                None
            }
            Some(_) => {
                while self.pos < self.text.len()
                    && !matches!(
                        self.text[self.pos],
                        b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'
                    )
                {
                    self.pos += 1;
                }
                None
            }
            None => None,
        };
        let node = &mut self.nodes[index];
        node.span.end = self.pos;
        node.members = members;
        index
    }

    /// Reads a string starting at a quote and returns its decoded content.
    fn string(&mut self) -> String {
        let start = self.pos;
        self.pos += 1;
        while self.pos < self.text.len() {
            match self.text[self.pos] {
                b'\\' => self.pos += 2,
                b'"' => {
                    self.pos += 1;
                    break;
                }
                _ => self.pos += 1,
            }
        }
        let raw = &self.text[start..self.pos.min(self.text.len())];
        serde_json::from_slice::<String>(raw).unwrap_or_default()
    }
}

/// A definition read from text, before the semantic checks.
#[derive(Clone, Debug)]
pub struct ParsedDefinition {
    /// The model: best effort when there are structural errors.
    pub machine: StateMachine,
    /// Where things are.
    pub map: SourceMap,
    /// The JSON as read.
    pub value: serde_json::Value,
    /// Duplicate keys (warnings) and structural problems, located.
    pub diagnostics: Vec<Diagnostic>,
}

impl ParsedDefinition {
    /// True when the definition is too broken at its root (not an object, no `States` or no
    /// `StartAt`) for the semantic checks to say anything useful.
    pub fn root_is_broken(&self) -> bool {
        self.diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error && d.pointer.is_empty())
    }

    /// Adds the semantic problems found on the best-effort model, leaving out those that
    /// only follow from a structural error already reported (a state the parser could not
    /// read is not also an unknown transition target, a misspelt `Next` does not also make
    /// its target unreachable, ...).
    pub fn merge_semantic(&mut self, mut semantic: Vec<Diagnostic>) {
        let structural: Vec<(&str, Structure)> = self
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| (d.pointer.as_str(), structure(&d.pointer)))
            .collect();
        if !structural.is_empty() {
            // Sets, not a scan of every structural error per semantic one: a definition with
            // thousands of each would take the product.
            let pointers: HashSet<&str> = structural.iter().map(|(p, _)| *p).collect();
            let states: HashSet<&str> = structural
                .iter()
                .filter_map(|(_, s)| s.state.as_deref())
                .collect();
            let scopes: HashSet<&str> = structural.iter().map(|(_, s)| s.scope.as_str()).collect();
            semantic.retain(|d| {
                let at = structure(&d.pointer);
                let below = pointer_and_ancestors(&d.pointer).any(|p| pointers.contains(p));
                let cascade = below
                    || (STATE_CASCADES.contains(&d.code)
                        && at.state.as_deref().is_some_and(|s| states.contains(s)))
                    || (GRAPH_CASCADES.contains(&d.code) && scopes.contains(at.scope.as_str()))
                    || (TARGET_CODES.contains(&d.code)
                        && names_unread_state(&self.value, &d.pointer, &at.scope))
                    || (d.code == codes::MISSING_FIELD
                        && self
                            .value
                            .pointer(&d.pointer)
                            .and_then(|v| v.as_object())
                            .is_some_and(|o| !o.is_empty()));
                !cascade
            });
        }
        self.map.locate(&mut semantic);
        self.diagnostics.extend(semantic);
    }
}

/// `pointer`, then each pointer above it up to the root (`""`).
fn pointer_and_ancestors(pointer: &str) -> impl Iterator<Item = &str> {
    let mut next = Some(pointer);
    std::iter::from_fn(move || {
        let current = next?;
        next = current.rfind('/').map(|i| &current[..i]);
        Some(current)
    })
}

/// Semantic codes that a structural problem in the same state can cause.
const STATE_CASCADES: &[&str] = &[
    codes::MISSING_TRANSITION,
    codes::EMPTY_CHOICES,
    codes::EMPTY_ERROR_EQUALS,
    codes::MISSING_FIELD,
];

// Graph codes that a structural problem in the same scope can cause: `GRAPH_CASCADES`.

const TARGET_CODES: &[&str] = &[codes::UNKNOWN_TARGET, codes::UNKNOWN_START_AT];

// Also left out: a `States` found empty because the parser could read none of its states.

/// True when the transition at `pointer` names a state that is in the text of its scope (so
/// the parser dropped it, and said why).
fn names_unread_state(value: &serde_json::Value, pointer: &str, scope: &str) -> bool {
    let Some(target) = value.pointer(pointer).and_then(|v| v.as_str()) else {
        return false;
    };
    value
        .pointer(&format!("{scope}/States"))
        .and_then(|v| v.as_object())
        .is_some_and(|states| states.contains_key(target))
}

/// The innermost scope (top level, branch or item processor) and state a pointer is in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Structure {
    scope: String,
    state: Option<String>,
}

fn structure(pointer: &str) -> Structure {
    let tokens: Vec<&str> = pointer.split('/').skip(1).collect();
    let mut out = Structure::default();
    let mut current = String::new();
    let mut i = 0;
    // At a scope: expect `States`, then a state name.
    while i < tokens.len() {
        if tokens[i] != "States" || i + 1 >= tokens.len() {
            break;
        }
        let state = format!("{current}/States/{}", tokens[i + 1]);
        out.state = Some(state.clone());
        i += 2;
        // Inside a state: a nested scope, or the end.
        match tokens.get(i).copied() {
            Some("Branches") if i + 1 < tokens.len() => {
                current = format!("{state}/Branches/{}", tokens[i + 1]);
                i += 2;
            }
            Some(field @ ("ItemProcessor" | "Iterator")) => {
                current = format!("{state}/{field}");
                i += 1;
            }
            _ => break,
        }
        out.scope = current.clone();
    }
    out
}

/// Reads a definition's text: JSON syntax, duplicate keys and the structural checks of the
/// model. Fails only when the text is not JSON.
pub fn read_definition(text: &str) -> Result<ParsedDefinition, Diagnostics> {
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let message = if text.trim().is_empty() {
                "Definition must be a valid JSON object".to_string()
            } else {
                format!(
                    "The definition is not valid JSON: {}",
                    crate::nesting::parse_error_message(&e)
                )
            };
            let mut d = Diagnostic::error(codes::INVALID_JSON, "", message);
            if e.line() > 0 {
                // serde_json says column 0 at the start of a line (an empty file's end).
                let column = e.column().max(1);
                d.location = Some(Location {
                    line: e.line(),
                    column,
                    offset: line_column_offset(text, e.line(), column),
                    length: 1,
                });
            }
            return Err(Diagnostics(vec![d]));
        }
    };
    let (map, mut diagnostics) = SourceMap::scan(text);
    let (machine, mut structural) = parse_value(&value);
    map.locate(&mut structural);
    diagnostics.extend(structural);
    Ok(ParsedDefinition {
        machine,
        map,
        value,
        diagnostics,
    })
}

/// Parses a definition's text: JSON syntax and the structural checks of the model. Every
/// structural error is reported at once, with its location (duplicate keys are warnings, and
/// are not reported here).
pub fn parse_definition(text: &str) -> Result<(StateMachine, SourceMap), Diagnostics> {
    let parsed = read_definition(text)?;
    let errors: Vec<Diagnostic> = parsed
        .diagnostics
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    if errors.is_empty() {
        Ok((parsed.machine, parsed.map))
    } else {
        Err(Diagnostics(errors))
    }
}

fn line_column_offset(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return offset + column.saturating_sub(1).min(l.len());
        }
        offset += l.len();
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_map_to_lines_and_columns() {
        let text = "{\n  \"StartAt\": \"A\",\n  \"States\": {\n    \"A\": {\"Type\": \"Pass\", \"End\": true}\n  }\n}";
        let (map, dups) = SourceMap::scan(text);
        assert!(dups.is_empty());
        let loc = map.location("/StartAt").unwrap();
        assert_eq!((loc.line, loc.column), (2, 14));
        let loc = map.location("/States/A/End").unwrap();
        assert_eq!((loc.line, loc.column), (4, 34));
        // A pointer that does not exist falls back to its nearest ancestor.
        let loc = map.location("/States/A/Next").unwrap();
        assert_eq!((loc.line, loc.column), (4, 10));
    }

    #[test]
    fn duplicate_keys_are_reported() {
        let text = r#"{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}, "A": {"Type": "Succeed"}}}"#;
        let (_, dups) = SourceMap::scan(text);
        assert_eq!(dups.len(), 1);
        assert_eq!(dups[0].code, codes::DUPLICATE_KEY);
        assert_eq!(dups[0].severity, Severity::Warning);
        assert_eq!(dups[0].pointer, "/States/A");
        // At the second key, the one to remove.
        assert_eq!(dups[0].location.unwrap().column, 65);
    }

    #[test]
    fn pointers_know_their_scope_and_state() {
        assert_eq!(structure(""), Structure::default());
        assert_eq!(structure("/StartAt"), Structure::default());
        assert_eq!(
            structure("/States/A/Next"),
            Structure {
                scope: String::new(),
                state: Some("/States/A".into())
            }
        );
        assert_eq!(
            structure("/States/P/Branches/1/States/B/Retry/0"),
            Structure {
                scope: "/States/P/Branches/1".into(),
                state: Some("/States/P/Branches/1/States/B".into())
            }
        );
        assert_eq!(
            structure("/States/M/ItemProcessor/States"),
            Structure {
                scope: "/States/M/ItemProcessor".into(),
                state: Some("/States/M".into())
            }
        );
    }

    #[test]
    fn pointers_list_their_ancestors() {
        let all: Vec<&str> = pointer_and_ancestors("/States/A/Next").collect();
        assert_eq!(all, ["/States/A/Next", "/States/A", "/States", ""]);
        assert_eq!(pointer_and_ancestors("").collect::<Vec<_>>(), [""]);
    }

    #[test]
    fn many_structural_and_semantic_problems_merge_in_linear_time() {
        // 20,000 states with an unknown field (structural) and 20,000 with an unknown target
        // (semantic): the merge compared every pair, 400 million checks; now a few set
        // lookups each. Every target problem stays: none is below a structural one.
        let n = 20_000;
        let mut states = vec![r#""A": {"Type": "Pass", "End": true}"#.to_string()];
        for i in 0..n {
            states.push(format!(
                r#""U{i}": {{"Type": "Pass", "End": true, "X": 1}}"#
            ));
            states.push(format!(r#""T{i}": {{"Type": "Pass", "Next": "Q{i}"}}"#));
        }
        let text = format!(r#"{{"StartAt": "A", "States": {{{}}}}}"#, states.join(","));
        let mut parsed = read_definition(&text).unwrap();
        assert_eq!(parsed.diagnostics.len(), n);
        let semantic: Vec<Diagnostic> = (0..n)
            .map(|i| {
                Diagnostic::error(
                    codes::UNKNOWN_TARGET,
                    format!("/States/T{i}/Next"),
                    format!("Missing 'Next' target: Q{i}"),
                )
            })
            .chain((0..n).map(|i| {
                // Below a structural problem: left out.
                Diagnostic::error(codes::WRONG_TYPE, format!("/States/U{i}/X/Y"), "cascade")
            }))
            .collect();
        parsed.merge_semantic(semantic);
        assert_eq!(parsed.diagnostics.len(), 2 * n);
        assert!(
            parsed.diagnostics[n..]
                .iter()
                .all(|d| d.code == codes::UNKNOWN_TARGET)
        );
    }

    #[test]
    fn invalid_json_is_one_clear_diagnostic() {
        let err = parse_definition("{\"StartAt\": ").unwrap_err();
        assert_eq!(err.0.len(), 1);
        assert_eq!(err.0[0].code, codes::INVALID_JSON);
        assert!(err.0[0].location.is_some());
        let err = parse_definition("").unwrap_err();
        assert_eq!(err.0[0].message, "Definition must be a valid JSON object");
    }
}
