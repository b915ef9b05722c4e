//! Evaluating parsed paths against JSON documents.

use std::borrow::Cow;
use std::cell::Cell;

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

/// Why a path yielded no value: it matched nothing, or it would have done more work than one
/// evaluation may.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PathError {
    /// A definite path matched nothing.
    #[error("no results for path")]
    NoMatch,
    /// `$name` names a variable that is not set.
    #[error("the variable '{0}' is not defined")]
    UnknownVariable(String),
    /// The path selects, visits or copies more than 2^20 nodes in one evaluation.
    #[error("the path selects more than {MAX_PATH_WORK} nodes")]
    TooLarge,
}

/// How much one evaluation may do: nodes visited by deep scans, held between two steps and
/// copied into the result, together. Unions with repeats (`[0,0,0]`) and scans of scans
/// (`..a..a`) multiply their matches at every step (Jayway keeps the duplicates), so a short
/// path on a small document could ask for billions of nodes; a result of this many nodes
/// would take 2 MB of JSON at the least, eight times AWS's 256 KiB payload limit.
pub(crate) const MAX_PATH_WORK: usize = 1 << 20;

/// What an evaluation has left to spend, shared with the paths inside its filters.
pub(crate) struct Budget {
    left: Cell<usize>,
    over: Cell<bool>,
}

impl Budget {
    pub(crate) fn new() -> Budget {
        Budget {
            left: Cell::new(MAX_PATH_WORK),
            over: Cell::new(false),
        }
    }

    /// Spends `n` units; `Err(TooLarge)` once there were not enough.
    pub(crate) fn spend(&self, n: usize) -> Result<(), PathError> {
        match self.left.get().checked_sub(n) {
            Some(left) if !self.over.get() => {
                self.left.set(left);
                Ok(())
            }
            _ => {
                self.over.set(true);
                Err(PathError::TooLarge)
            }
        }
    }

    /// True once an evaluation using it, a filter's included, ran out.
    fn is_over(&self) -> bool {
        self.over.get()
    }

    /// Copies `node`, spending one unit per node inside it.
    pub(crate) fn copy(&self, node: &Value) -> Result<Value, PathError> {
        let mut stack = vec![node];
        while let Some(v) = stack.pop() {
            self.spend(1)?;
            match v {
                Value::Object(map) => stack.extend(map.values()),
                Value::Array(items) => stack.extend(items.iter()),
                _ => {}
            }
        }
        Ok(node.clone())
    }

    /// Copies `nodes` into an array, spending one unit per node copied.
    pub(crate) fn copy_all(&self, nodes: Vec<&Value>) -> Result<Value, PathError> {
        nodes
            .into_iter()
            .map(|n| self.copy(n))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array)
    }
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
    let budget = Budget::new();
    let mut found = Vec::new();
    if let Some(value) = select_segments(root, segments, root, &mut found, &budget)? {
        return Ok(Cow::Owned(value));
    }
    budget.copy_all(found).map(Cow::Owned)
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
/// function, returns the function's value instead. Every node held or visited is spent from
/// `budget`.
pub(crate) fn select_segments<'v>(
    start: &'v Value,
    segments: &[Segment],
    root: &'v Value,
    out: &mut Vec<&'v Value>,
    budget: &Budget,
) -> Result<Option<Value>, PathError> {
    let (plain, function) = split_function(segments);
    let mut current: Vec<&'v Value> = vec![start];
    for segment in plain {
        let mut next = Vec::new();
        for node in current {
            let before = next.len();
            step(node, segment, root, &mut next, budget)?;
            budget.spend(next.len() - before)?;
            if budget.is_over() {
                return Err(PathError::TooLarge);
            }
        }
        current = next;
    }
    if let Some(f) = function {
        let definite = plain
            .iter()
            .all(|s| matches!(s, Segment::Name(_) | Segment::Index(_)));
        let target = if definite {
            let Some(first) = current.first() else {
                return Ok(None);
            };
            budget.copy(first)?
        } else {
            budget.copy_all(current)?
        };
        return Ok(apply_function(f, &target).or(Some(Value::Null)));
    }
    out.extend(current);
    Ok(None)
}

fn step<'v>(
    node: &'v Value,
    segment: &Segment,
    root: &'v Value,
    out: &mut Vec<&'v Value>,
    budget: &Budget,
) -> Result<(), PathError> {
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
                    if expr.test(item, root, budget) {
                        out.push(item);
                    }
                }
            }
            // Jayway applies a filter on an object to the object itself.
            Value::Object(_) if expr.test(node, root, budget) => {
                out.push(node);
            }
            _ => {}
        },
        Segment::Descendant(inner) => {
            let mut stack = vec![node];
            let mut all = Vec::new();
            // Pre-order: a node before its children, children in document order.
            while let Some(n) = stack.pop() {
                budget.spend(1)?;
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
                step(n, inner, root, out, budget)?;
            }
        }
        Segment::Function(_) => {}
    }
    Ok(())
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

#[cfg(test)]
mod work_bound_tests {
    use serde_json::json;

    use super::*;
    use crate::entropy::SplitMix64;
    use crate::template::Template;

    /// `{"a": {"a": ... {}}}`, `depth` levels.
    fn chain(depth: usize) -> Value {
        (0..depth).fold(json!({}), |inner, _| json!({ "a": inner }))
    }

    fn select(path: &str, doc: &Value) -> Result<Value, PathError> {
        Path::parse(path)
            .expect("a path")
            .select_owned(&Env::document(doc))
    }

    #[test]
    fn scans_of_scans_stop_at_the_bound() {
        // Found by the `jsonpath` fuzz target (its deep seeds): each `..a` yields every `a`
        // below every node the one before yielded, duplicates included as Jayway keeps them,
        // so six scans of a 100-deep document asked for billions of nodes (an allocation
        // failure, past 1 GiB), from a path of 19 characters.
        let doc = chain(100);
        assert_eq!(
            select("$..a..a..a..a..a..a", &doc),
            Err(PathError::TooLarge)
        );
        // What stays under the bound is untouched: one scan finds the 100 members.
        assert_eq!(
            select("$..a", &doc).unwrap().as_array().map(Vec::len),
            Some(100)
        );
        assert_eq!(
            select("$..a..a", &doc).unwrap().as_array().map(Vec::len),
            Some(100 * 99 / 2)
        );
    }

    #[test]
    fn unions_with_repeats_stop_at_the_bound() {
        // Ten repeats a level, seven levels: ten million nodes.
        let doc = (0..7).fold(json!(1), |inner, _| json!([inner]));
        let path = format!("${}", "[0,0,0,0,0,0,0,0,0,0]".repeat(7));
        assert_eq!(select(&path, &doc), Err(PathError::TooLarge));
        let path = format!("${}", "[0,0,0,0,0,0,0,0,0,0]".repeat(3));
        assert_eq!(
            select(&path, &doc).unwrap().as_array().map(Vec::len),
            Some(1000)
        );
    }

    #[test]
    fn copies_count_every_node_they_hold() {
        // Few matches, each a large subtree: the copy into the result is what grows.
        let big = json!([(0..20_000).collect::<Vec<_>>()]);
        let many = format!("$[{}]", vec!["0"; 100].join(","));
        assert_eq!(select(&many, &big), Err(PathError::TooLarge));
        assert!(select("$[0,0]", &big).is_ok());
    }

    #[test]
    fn a_filter_spends_from_the_same_budget() {
        let doc = json!([chain(100)]);
        assert_eq!(
            select("$[?(@..a..a..a..a..a..a)]", &doc),
            Err(PathError::TooLarge)
        );
    }

    #[test]
    fn a_state_gets_a_runtime_error() {
        let mut diags = Vec::new();
        let template = Template::compile(&json!({"x.$": "$..a..a..a..a..a..a"}), "", &mut diags)
            .expect("compiles");
        let doc = chain(100);
        let failure = template
            .evaluate(&Env::document(&doc), &mut SplitMix64(0))
            .unwrap_err();
        assert_eq!(failure.error, "States.Runtime");
        assert!(
            failure
                .detail
                .contains("specified for the field 'x.$' could not be evaluated"),
            "{failure:?}"
        );
    }
}
