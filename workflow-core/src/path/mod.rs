//! JSONPath in the dialect AWS Step Functions uses.
//!
//! AWS evaluates JSONPath with a Jayway-style engine, which differs from RFC 9535 in ways that
//! matter to state machines:
//!
//! * a *definite* path (names and single indices only) yields the value itself, and it is an
//!   error when it matches nothing;
//! * an *indefinite* path (wildcards, slices, filters, unions, deep scan) yields a list, empty
//!   when nothing matches;
//! * dot-notation names may contain hyphens (`$.detail-type`);
//! * a filter applied to an object tests the object itself;
//! * `$$` is the context object and `$name` a workflow variable.
//!
//! Paths are parsed once, when a definition is compiled ([`Path::parse`]), and evaluated many
//! times without touching the source text again.

mod eval;
mod filter;
mod parse;

use std::fmt;

use crate::nesting::MAX_JSON_DEPTH;

pub use eval::{ContextLookup, Env, PathError, VariableLookup};
pub use filter::{FilterExpr, FilterOp, Operand};

/// Where a path starts.
#[derive(Clone, Debug, PartialEq)]
pub enum Root {
    /// `$`: the state's input (or whatever document the field is evaluated against).
    Input,
    /// `$$`: the context object.
    Context,
    /// `$name`: a workflow variable.
    Variable(Box<str>),
}

/// One step of a path after its root.
#[derive(Clone, Debug, PartialEq)]
pub enum Segment {
    /// `.name` or `['name']`.
    Name(Box<str>),
    /// `[3]` or `[-1]`.
    Index(i64),
    /// `.*` or `[*]`.
    Wildcard,
    /// `['a','b']`.
    Names(Vec<Box<str>>),
    /// `[0,2]`.
    Indices(Vec<i64>),
    /// `[start:end]` with either bound optional, and an optional step.
    Slice {
        /// First index (inclusive); negative counts from the end.
        start: Option<i64>,
        /// Last index (exclusive); negative counts from the end.
        end: Option<i64>,
        /// Stride, 1 when absent.
        step: Option<i64>,
    },
    /// `[?(...)]`.
    Filter(Box<FilterExpr>),
    /// `..` followed by the segment it applies to at every depth.
    Descendant(Box<Segment>),
    /// A Jayway function at the end of a path, such as `.length()`.
    Function(PathFunction),
}

/// Functions that Jayway allows at the end of a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathFunction {
    /// `length()`: the number of elements of an array, members of an object, or characters of
    /// a string.
    Length,
    /// `min()` of an array of numbers.
    Min,
    /// `max()` of an array of numbers.
    Max,
    /// `avg()` of an array of numbers.
    Avg,
    /// `sum()` of an array of numbers.
    Sum,
    /// `stddev()` of an array of numbers.
    Stddev,
    /// `keys()` of an object.
    Keys,
    /// `first()` element of an array.
    First,
    /// `last()` element of an array.
    Last,
}

impl PathFunction {
    fn from_name(name: &str) -> Option<PathFunction> {
        Some(match name {
            "length" | "size" => PathFunction::Length,
            "min" => PathFunction::Min,
            "max" => PathFunction::Max,
            "avg" => PathFunction::Avg,
            "sum" => PathFunction::Sum,
            "stddev" => PathFunction::Stddev,
            "keys" => PathFunction::Keys,
            "first" => PathFunction::First,
            "last" => PathFunction::Last,
            _ => return None,
        })
    }
}

/// A parsed JSONPath.
#[derive(Clone, Debug)]
pub struct Path {
    text: Box<str>,
    root: Root,
    segments: Vec<Segment>,
    definite: bool,
    /// The quote each name step was written with (`'` for `.name`), in order, for
    /// [`Path::normalized`].
    quotes: Box<[char]>,
}

impl PartialEq for Path {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

/// Why a path could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at character {offset} of '{path}')")]
pub struct PathSyntaxError {
    /// The path text as written.
    pub path: String,
    /// Byte offset of the problem.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

impl Path {
    /// Parses a path (`$...`, `$$...` or `$variable...`).
    pub fn parse(text: &str) -> Result<Path, PathSyntaxError> {
        parse::parse_path(text)
    }

    /// The path exactly as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Where the path starts.
    pub fn root(&self) -> &Root {
        &self.root
    }

    /// The steps after the root.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// True when the path can match at most one node: it then yields the node itself.
    pub fn is_definite(&self) -> bool {
        self.definite
    }

    /// True for `$` alone.
    pub fn is_input_root(&self) -> bool {
        self.root == Root::Input && self.segments.is_empty()
    }

    /// True when the path is a *reference path*: it names one node with `.name`, `['name']`
    /// and `[index]` steps only, so it can be written to (ResultPath).
    pub fn is_reference(&self) -> bool {
        self.segments
            .iter()
            .all(|s| matches!(s, Segment::Name(_) | Segment::Index(_)))
    }

    /// The path in Jayway's normalized bracket form, as AWS quotes it in error messages:
    /// `$.a.b[0]` becomes `$['a']['b'][0]`. Like Jayway's `PropertyPathToken`, a name keeps
    /// the quote it was written with (`$["a"]` stays `$["a"]`, a dot name takes `'`), and its
    /// `\` and `'` are escaped so that the form parses back to the same path.
    pub fn normalized(&self) -> String {
        let mut out = String::from(match &self.root {
            Root::Input => "$",
            Root::Context => "$$",
            Root::Variable(_) => "$",
        });
        if let Root::Variable(name) = &self.root {
            out.push_str(name);
        }
        let mut quotes = self.quotes.iter().copied();
        for segment in &self.segments {
            write_normalized(&mut out, segment, &mut quotes);
        }
        out
    }
}

fn write_normalized(out: &mut String, segment: &Segment, quotes: &mut impl Iterator<Item = char>) {
    use fmt::Write;
    let quoted = |out: &mut String, name: &str, quote: char| {
        out.push(quote);
        for c in name.chars() {
            if matches!(c, '\\' | '\'') {
                out.push('\\');
            }
            out.push(c);
        }
        out.push(quote);
    };
    match segment {
        Segment::Name(name) => {
            let quote = quotes.next().unwrap_or('\'');
            out.push('[');
            quoted(out, name, quote);
            out.push(']');
        }
        Segment::Index(i) => {
            let _ = write!(out, "[{i}]");
        }
        Segment::Wildcard => out.push_str("[*]"),
        Segment::Names(names) => {
            let quote = quotes.next().unwrap_or('\'');
            out.push('[');
            for (i, name) in names.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                quoted(out, name, quote);
            }
            out.push(']');
        }
        Segment::Indices(indices) => {
            out.push('[');
            for (i, index) in indices.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                let _ = write!(out, "{index}");
            }
            out.push(']');
        }
        Segment::Slice { start, end, step } => {
            out.push('[');
            if let Some(s) = start {
                let _ = write!(out, "{s}");
            }
            out.push(':');
            if let Some(e) = end {
                let _ = write!(out, "{e}");
            }
            if let Some(st) = step {
                let _ = write!(out, ":{st}");
            }
            out.push(']');
        }
        Segment::Filter(_) => out.push_str("[?]"),
        Segment::Descendant(inner) => {
            out.push_str("..");
            write_normalized(out, inner, quotes);
        }
        Segment::Function(f) => {
            let _ = write!(out, ".{f:?}()");
        }
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Sets `value` at the node named by a reference path inside `target`, creating the objects on
/// the way. This is how ResultPath places a state's result into its input.
///
/// Fails when a step meets a value that cannot hold it (a name under a non-object, an index
/// under a non-array or out of its bounds).
pub fn write_reference(
    target: &mut serde_json::Value,
    segments: &[Segment],
    value: serde_json::Value,
) -> Result<(), WriteError> {
    use serde_json::Value;
    let Some((last, parents)) = segments.split_last() else {
        *target = value;
        return Ok(());
    };
    let mut node = target;
    for (depth, segment) in parents.iter().enumerate() {
        node = match segment {
            Segment::Name(name) => {
                if node.is_null() {
                    *node = Value::Object(Default::default());
                }
                match node {
                    Value::Object(map) => {
                        // Look up before inserting: the common case needs no key allocation.
                        if !map.contains_key(&**name) {
                            map.insert(name.to_string(), Value::Object(Default::default()));
                        }
                        map.get_mut(&**name).expect("the member was just ensured")
                    }
                    _ => return Err(WriteError { depth }),
                }
            }
            Segment::Index(i) => match node {
                Value::Array(items) => {
                    let idx = resolve_index(*i, items.len()).ok_or(WriteError { depth })?;
                    &mut items[idx]
                }
                _ => return Err(WriteError { depth }),
            },
            _ => return Err(WriteError { depth }),
        };
    }
    let depth = parents.len();
    match last {
        Segment::Name(name) => {
            if node.is_null() {
                *node = Value::Object(Default::default());
            }
            match node {
                Value::Object(map) => {
                    match map.get_mut(&**name) {
                        Some(slot) => *slot = value,
                        None => {
                            map.insert(name.to_string(), value);
                        }
                    }
                    Ok(())
                }
                _ => Err(WriteError { depth }),
            }
        }
        Segment::Index(i) => match node {
            Value::Array(items) => {
                let idx = resolve_index(*i, items.len()).ok_or(WriteError { depth })?;
                items[idx] = value;
                Ok(())
            }
            _ => Err(WriteError { depth }),
        },
        _ => Err(WriteError { depth }),
    }
}

/// Like [`write_reference`], but builds a new document from a borrowed one: only the
/// objects and arrays on the path are copied (shallowly), and the subtree being replaced is
/// never copied at all. This is how ResultPath writes into a state input that the history
/// still holds. A path of more than [`MAX_JSON_DEPTH`] steps is not written.
pub fn with_reference(
    source: &serde_json::Value,
    segments: &[Segment],
    value: serde_json::Value,
) -> Result<serde_json::Value, WriteError> {
    // The copy recurses once per step: no path goes deeper than a value may nest (the parser
    // refuses longer ones), and a deeper write could only build a value too deep to keep.
    if segments.len() > MAX_JSON_DEPTH {
        return Err(WriteError {
            depth: MAX_JSON_DEPTH,
        });
    }
    copy_path(source, segments, value, 0)
}

fn copy_path(
    source: &serde_json::Value,
    segments: &[Segment],
    value: serde_json::Value,
    depth: usize,
) -> Result<serde_json::Value, WriteError> {
    use serde_json::{Map, Value};
    let Some((first, rest)) = segments.split_first() else {
        return Ok(value);
    };
    static EMPTY: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    let empty = || EMPTY.get_or_init(|| Value::Object(Map::new()));
    match (first, source) {
        (Segment::Name(name), Value::Object(map)) => {
            let mut out = Map::with_capacity(map.len() + 1);
            let mut value = Some(value);
            for (k, v) in map {
                if k.as_str() == &**name {
                    let child = copy_path(v, rest, value.take().unwrap_or_default(), depth + 1)?;
                    out.insert(k.clone(), child);
                } else {
                    out.insert(k.clone(), v.clone());
                }
            }
            if let Some(value) = value {
                out.insert(
                    name.to_string(),
                    copy_path(empty(), rest, value, depth + 1)?,
                );
            }
            Ok(Value::Object(out))
        }
        (Segment::Name(name), Value::Null) => {
            let mut out = Map::with_capacity(1);
            out.insert(
                name.to_string(),
                copy_path(empty(), rest, value, depth + 1)?,
            );
            Ok(Value::Object(out))
        }
        (Segment::Index(i), Value::Array(items)) => {
            let idx = resolve_index(*i, items.len()).ok_or(WriteError { depth })?;
            let mut out = Vec::with_capacity(items.len());
            let mut value = Some(value);
            for (j, item) in items.iter().enumerate() {
                if j == idx {
                    out.push(copy_path(
                        item,
                        rest,
                        value.take().unwrap_or_default(),
                        depth + 1,
                    )?);
                } else {
                    out.push(item.clone());
                }
            }
            Ok(Value::Array(out))
        }
        _ => Err(WriteError { depth }),
    }
}

/// A reference path could not be written: the step at `depth` met a value that cannot hold it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteError {
    /// Index of the segment that failed.
    pub depth: usize,
}

pub(crate) fn resolve_index(index: i64, len: usize) -> Option<usize> {
    if index >= 0 {
        let i = index as usize;
        (i < len).then_some(i)
    } else {
        let back = index.unsigned_abs() as usize;
        (back <= len).then(|| len - back)
    }
}

#[cfg(test)]
mod tests;
