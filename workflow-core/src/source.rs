//! Where things are in a definition's source text: JSON pointers mapped to lines and columns,
//! and the duplicate keys that a JSON parser silently merges.

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Diagnostics, Location, codes, push_pointer};
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
}

/// JSON pointers of a source text, each with its span.
#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    spans: HashMap<String, Span>,
    line_starts: Vec<usize>,
    text_len: usize,
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
            spans: HashMap::new(),
            duplicates: Vec::new(),
        };
        scanner.skip_ws();
        scanner.value(String::new(), None);
        let map = SourceMap {
            spans: scanner.spans,
            line_starts,
            text_len: text.len(),
        };
        let duplicates = scanner
            .duplicates
            .into_iter()
            .map(|(pointer, key)| {
                let mut d = Diagnostic::error(
                    codes::DUPLICATE_KEY,
                    pointer.clone(),
                    format!("The key '{key}' appears more than once in the same object"),
                );
                d.location = map.location(&pointer);
                d
            })
            .collect();
        (map, duplicates)
    }

    /// The span of the value at `pointer`.
    pub fn span(&self, pointer: &str) -> Option<Span> {
        self.spans.get(pointer).copied()
    }

    /// Line and column of the value at `pointer`, or of its nearest ancestor that exists.
    pub fn location(&self, pointer: &str) -> Option<Location> {
        let mut p = pointer;
        loop {
            if let Some(span) = self.spans.get(p) {
                return Some(self.location_of(span.start, span.end));
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return None,
            }
        }
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

    /// Fills in the location of every diagnostic that has none.
    pub fn locate(&self, diagnostics: &mut [Diagnostic]) {
        for d in diagnostics {
            if d.location.is_none() {
                d.location = self.location(&d.pointer);
            }
        }
    }
}

struct Scanner<'t> {
    text: &'t [u8],
    pos: usize,
    spans: HashMap<String, Span>,
    duplicates: Vec<(String, String)>,
}

impl Scanner<'_> {
    fn skip_ws(&mut self) {
        while self.pos < self.text.len()
            && matches!(self.text[self.pos], b' ' | b'\t' | b'\n' | b'\r')
        {
            self.pos += 1;
        }
    }

    fn value(&mut self, pointer: String, key_start: Option<usize>) {
        let start = self.pos;
        match self.text.get(self.pos) {
            Some(b'{') => {
                self.pos += 1;
                let mut seen: Vec<String> = Vec::new();
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
                            self.skip_ws();
                            if self.text.get(self.pos) == Some(&b':') {
                                self.pos += 1;
                            }
                            self.skip_ws();
                            let child = push_pointer(&pointer, &key);
                            if seen.contains(&key) {
                                self.duplicates.push((child.clone(), key.clone()));
                            } else {
                                seen.push(key);
                            }
                            self.value(child, Some(key_at));
                        }
                        _ => break,
                    }
                }
            }
            Some(b'[') => {
                self.pos += 1;
                let mut index = 0usize;
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
                            let child = push_pointer(&pointer, &index.to_string());
                            self.value(child, None);
                            index += 1;
                        }
                        None => break,
                    }
                }
            }
            Some(b'"') => {
                self.string();
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
            }
            None => {}
        }
        // The first occurrence of a duplicated key keeps its span: that is the one a reader
        // sees first.
        self.spans.entry(pointer).or_insert(Span {
            start,
            end: self.pos,
            key_start,
        });
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

/// Parses a definition's text: JSON syntax, duplicate keys and the structural checks of the
/// model. Every problem is reported at once, with its location.
pub fn parse_definition(text: &str) -> Result<(StateMachine, SourceMap), Diagnostics> {
    let value: serde_json::Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            let message = if text.trim().is_empty() {
                "Definition must be a valid JSON object".to_string()
            } else {
                format!("The definition is not valid JSON: {e}")
            };
            let mut d = Diagnostic::error(codes::INVALID_JSON, "", message);
            if e.line() > 0 {
                let map = SourceMap::scan("");
                let _ = map;
                d.location = Some(Location {
                    line: e.line(),
                    column: e.column(),
                    offset: line_column_offset(text, e.line(), e.column()),
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
    if diagnostics.is_empty() {
        Ok((machine, map))
    } else {
        Err(Diagnostics(diagnostics))
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
        assert_eq!(dups[0].pointer, "/States/A");
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
