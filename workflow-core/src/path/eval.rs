//! Evaluating parsed paths against JSON documents.

use std::borrow::Cow;

use serde_json::{Number, Value};

use super::{Path, PathFunction, Root, Segment, resolve_index};

/// Gives `$$` paths their values without building the whole context object for every lookup.
pub trait ContextLookup {
    /// Resolves as many leading `segments` as can be answered cheaply. Returns the node reached
    /// and the number of segments consumed; the rest of the path is evaluated on that node.
    /// Returns `None` when a consumed segment names nothing.
    fn context_node(&self, segments: &[Segment]) -> Option<(Cow<'_, Value>, usize)>;
}

/// Gives `$name` paths their values.
pub trait VariableLookup {
    /// The value of a variable in scope, if it is set.
    fn variable(&self, name: &str) -> Option<&Value>;
}

/// No context object: `$$` evaluates to an empty object.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoContext;

impl ContextLookup for NoContext {
    fn context_node(&self, _segments: &[Segment]) -> Option<(Cow<'_, Value>, usize)> {
        Some((Cow::Owned(Value::Object(Default::default())), 0))
    }
}

/// No variables in scope.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoVariables;

impl VariableLookup for NoVariables {
    fn variable(&self, _name: &str) -> Option<&Value> {
        None
    }
}

impl ContextLookup for Value {
    fn context_node(&self, _segments: &[Segment]) -> Option<(Cow<'_, Value>, usize)> {
        Some((Cow::Borrowed(self), 0))
    }
}

impl VariableLookup for serde_json::Map<String, Value> {
    fn variable(&self, name: &str) -> Option<&Value> {
        self.get(name)
    }
}

/// What a path is evaluated against: the document for `$`, the context object for `$$` and
/// the variables for `$name`.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    /// The document `$` refers to.
    pub input: &'a Value,
    /// The context object `$$`.
    pub context: &'a dyn ContextLookup,
    /// Variables in scope.
    pub variables: &'a dyn VariableLookup,
}

impl<'a> Env<'a> {
    /// An environment with only a document: `$$` is empty and no variables are set.
    pub fn document(input: &'a Value) -> Env<'a> {
        Env {
            input,
            context: &NoContext,
            variables: &NoVariables,
        }
    }
}

/// Why a path yielded no value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    /// A definite path matched nothing.
    #[error("no results for path")]
    NoMatch,
    /// `$name` names a variable that is not set.
    #[error("the variable '{0}' is not defined")]
    UnknownVariable(String),
}

impl Path {
    /// Evaluates the path. A definite path yields the node itself (an error when there is
    /// none); an indefinite path yields the array of every node it matches.
    pub fn select<'a>(&self, env: &Env<'a>) -> Result<Cow<'a, Value>, PathError> {
        let (base, segments): (Cow<'a, Value>, &[Segment]) = match &self.root {
            Root::Input => (Cow::Borrowed(env.input), &self.segments),
            Root::Variable(name) => match env.variables.variable(name) {
                Some(v) => (Cow::Borrowed(v), &self.segments),
                None => return Err(PathError::UnknownVariable(name.to_string())),
            },
            Root::Context => {
                let (node, consumed) = env
                    .context
                    .context_node(&self.segments)
                    .ok_or(PathError::NoMatch)?;
                (node, &self.segments[consumed..])
            }
        };
        match base {
            Cow::Borrowed(root) => select_from(root, segments, self.definite),
            Cow::Owned(root) => {
                select_from(&root, segments, self.definite).map(|v| Cow::Owned(v.into_owned()))
            }
        }
    }

    /// Evaluates the path and returns an owned value.
    pub fn select_owned(&self, env: &Env<'_>) -> Result<Value, PathError> {
        self.select(env).map(Cow::into_owned)
    }

    /// True when the path matches at least one node (Choice's `IsPresent`).
    pub fn is_present(&self, env: &Env<'_>) -> bool {
        match self.select(env) {
            Ok(v) => self.definite || v.as_array().is_some_and(|a| !a.is_empty()),
            Err(_) => false,
        }
    }
}

fn select_from<'v>(
    root: &'v Value,
    segments: &[Segment],
    definite: bool,
) -> Result<Cow<'v, Value>, PathError> {
    if definite {
        let (plain, function) = split_function(segments);
        let node = walk_definite(root, plain).ok_or(PathError::NoMatch)?;
        return match function {
            None => Ok(Cow::Borrowed(node)),
            Some(f) => apply_function(f, node)
                .map(Cow::Owned)
                .ok_or(PathError::NoMatch),
        };
    }
    let mut found = Vec::new();
    if let Some(value) = select_segments(root, segments, root, &mut found) {
        return Ok(Cow::Owned(value));
    }
    Ok(Cow::Owned(Value::Array(
        found.into_iter().cloned().collect(),
    )))
}

fn split_function(segments: &[Segment]) -> (&[Segment], Option<PathFunction>) {
    match segments.split_last() {
        Some((Segment::Function(f), rest)) => (rest, Some(*f)),
        _ => (segments, None),
    }
}

/// Follows names and indices only.
fn walk_definite<'v>(mut node: &'v Value, segments: &[Segment]) -> Option<&'v Value> {
    for segment in segments {
        node = match (segment, node) {
            (Segment::Name(name), Value::Object(map)) => map.get(&**name)?,
            (Segment::Index(i), Value::Array(items)) => &items[resolve_index(*i, items.len())?],
            _ => return None,
        };
    }
    Some(node)
}

/// Collects every node `segments` match from `start` into `out`. When the path ends in a
/// function, returns the function's value instead.
pub(crate) fn select_segments<'v>(
    start: &'v Value,
    segments: &[Segment],
    root: &'v Value,
    out: &mut Vec<&'v Value>,
) -> Option<Value> {
    let (plain, function) = split_function(segments);
    let mut current: Vec<&'v Value> = vec![start];
    for segment in plain {
        let mut next = Vec::new();
        for node in current {
            step(node, segment, root, &mut next);
        }
        current = next;
    }
    if let Some(f) = function {
        let definite = plain
            .iter()
            .all(|s| matches!(s, Segment::Name(_) | Segment::Index(_)));
        let target = if definite {
            current.first().map(|v| (*v).clone())?
        } else {
            Value::Array(current.into_iter().cloned().collect())
        };
        return apply_function(f, &target).or(Some(Value::Null));
    }
    out.extend(current);
    None
}

fn step<'v>(node: &'v Value, segment: &Segment, root: &'v Value, out: &mut Vec<&'v Value>) {
    match segment {
        Segment::Name(name) => {
            if let Value::Object(map) = node
                && let Some(v) = map.get(&**name)
            {
                out.push(v);
            }
        }
        Segment::Index(i) => {
            if let Value::Array(items) = node
                && let Some(idx) = resolve_index(*i, items.len())
            {
                out.push(&items[idx]);
            }
        }
        Segment::Wildcard => match node {
            Value::Object(map) => out.extend(map.values()),
            Value::Array(items) => out.extend(items.iter()),
            _ => {}
        },
        Segment::Names(names) => {
            if let Value::Object(map) = node {
                for name in names {
                    if let Some(v) = map.get(&**name) {
                        out.push(v);
                    }
                }
            }
        }
        Segment::Indices(indices) => {
            if let Value::Array(items) = node {
                for i in indices {
                    if let Some(idx) = resolve_index(*i, items.len()) {
                        out.push(&items[idx]);
                    }
                }
            }
        }
        Segment::Slice { start, end, step } => {
            if let Value::Array(items) = node {
                for idx in slice_indices(items.len(), *start, *end, *step) {
                    out.push(&items[idx]);
                }
            }
        }
        Segment::Filter(expr) => match node {
            Value::Array(items) => {
                for item in items {
                    if expr.test(item, root) {
                        out.push(item);
                    }
                }
            }
            // Jayway applies a filter on an object to the object itself.
            Value::Object(_) if expr.test(node, root) => {
                out.push(node);
            }
            _ => {}
        },
        Segment::Descendant(inner) => {
            let mut stack = vec![node];
            let mut all = Vec::new();
            // Pre-order: a node before its children, children in document order.
            while let Some(n) = stack.pop() {
                all.push(n);
                match n {
                    Value::Object(map) => stack.extend(map.values().rev()),
                    Value::Array(items) => stack.extend(items.iter().rev()),
                    _ => {}
                }
            }
            // Applying the inner step to every node (the start included) makes `..*` yield
            // every descendant but not the start itself, as Jayway does.
            for n in all {
                step(n, inner, root, out);
            }
        }
        Segment::Function(_) => {}
    }
}

fn slice_indices(
    len: usize,
    start: Option<i64>,
    end: Option<i64>,
    step: Option<i64>,
) -> Vec<usize> {
    let len = len as i64;
    let step = step.unwrap_or(1);
    let clamp = |i: i64| if i < 0 { (len + i).max(0) } else { i.min(len) };
    let mut out = Vec::new();
    if step > 0 {
        let mut i = clamp(start.unwrap_or(0));
        let end = clamp(end.unwrap_or(len));
        while i < end {
            out.push(i as usize);
            i += step;
        }
    } else {
        let mut i = match start {
            Some(s) => clamp(s).min(len - 1),
            None => len - 1,
        };
        let end = match end {
            Some(e) => clamp(e),
            None => -1,
        };
        while i > end && i >= 0 {
            out.push(i as usize);
            i += step;
        }
    }
    out
}

fn numbers(value: &Value) -> Option<Vec<f64>> {
    value.as_array()?.iter().map(Value::as_f64).collect()
}

fn number_value(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        Value::Number(Number::from(x as i64))
    } else {
        Number::from_f64(x)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    }
}

fn apply_function(function: PathFunction, value: &Value) -> Option<Value> {
    match function {
        PathFunction::Length => Some(Value::from(match value {
            Value::Array(a) => a.len(),
            Value::Object(m) => m.len(),
            Value::String(s) => s.chars().count(),
            _ => return None,
        })),
        PathFunction::Keys => Some(Value::Array(
            value
                .as_object()?
                .keys()
                .map(|k| Value::String(k.clone()))
                .collect(),
        )),
        PathFunction::First => value.as_array()?.first().cloned(),
        PathFunction::Last => value.as_array()?.last().cloned(),
        PathFunction::Min => {
            let n = numbers(value)?;
            n.into_iter().reduce(f64::min).map(number_value)
        }
        PathFunction::Max => {
            let n = numbers(value)?;
            n.into_iter().reduce(f64::max).map(number_value)
        }
        PathFunction::Sum => Some(number_value(numbers(value)?.into_iter().sum())),
        PathFunction::Avg => {
            let n = numbers(value)?;
            if n.is_empty() {
                return None;
            }
            Some(number_value(n.iter().sum::<f64>() / n.len() as f64))
        }
        PathFunction::Stddev => {
            let n = numbers(value)?;
            if n.is_empty() {
                return None;
            }
            let mean = n.iter().sum::<f64>() / n.len() as f64;
            let var = n.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n.len() as f64;
            Some(number_value(var.sqrt()))
        }
    }
}

/// Numeric equality across integer and float representations (`1 == 1.0`).
pub(crate) fn numbers_equal(a: &Number, b: &Number) -> bool {
    match (a.as_i64(), b.as_i64()) {
        (Some(x), Some(y)) => x == y,
        _ => match (a.as_u64(), b.as_u64()) {
            (Some(x), Some(y)) => x == y,
            _ => a.as_f64() == b.as_f64(),
        },
    }
}
