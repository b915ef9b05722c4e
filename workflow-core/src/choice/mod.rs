//! Choice rules: compiled from their JSON form once, evaluated against a state's input.
//!
//! [`Condition::compile`] turns one JSONPath Choice rule (`{"Variable": "$.x",
//! "NumericEquals": 1, "Next": "..."}`, or an `And` / `Or` / `Not` of such rules) into a
//! [`Condition`] whose paths, timestamps and `StringMatches` patterns are parsed up front, and
//! reports every problem of the rule at once. [`Condition::evaluate`] then tests it against an
//! [`Env`] as many times as needed.
//!
//! JSONata rules (`{"Condition": "{% ... %}", "Next": "..."}`) are not compiled here; use
//! [`is_jsonata_rule`] to route them elsewhere.
//!
//! # Semantics
//!
//! These follow what AWS Step Functions does (recorded in the conformance corpus):
//!
//! * A comparison whose `Variable` value has another type than the operator works on is
//!   simply false: `NumericEquals` against `"42"`, `BooleanEquals` against `0`, `StringEquals`
//!   against `null`, `TimestampEquals` against a string that is not a timestamp. The same holds
//!   for the value a `...Path` operand yields.
//! * Numbers compare by value: `0` equals `0.0`.
//! * Strings compare exactly (no trimming, no normalisation), in UTF-16 code unit order as
//!   Java's `String.compareTo` does; `"A"` is less than `"AB"`.
//! * Timestamps compare as instants (see [`crate::timestamp`]).
//! * The type tests (`IsNull`, `IsNumeric`, `IsString`, `IsBoolean`, `IsTimestamp`) are true when
//!   the value's type matches and the operand is `true`, or it does not match and the operand is
//!   `false`. `IsPresent` tests whether `Variable` matches anything.
//! * A `Variable` (or a `...Path` operand) that matches nothing is a `States.Runtime` error,
//!   except for `IsPresent`.
//! * `And` and `Or` evaluate their rules in order and stop at the first one that decides the
//!   result, so `{"And": [{"Variable": "$.x", "IsPresent": true}, {"Variable": "$.x", ...}]}`
//!   never fails on a missing `$.x`.
//! * `StringMatches` patterns treat `*` as "any sequence of characters, possibly empty"; a
//!   backslash makes the next character literal (`\*` is a star, `\\` a backslash). No other
//!   character is special.

mod compile;

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::{Number, Value};

use crate::error::AslError;
use crate::path::{Env, Path};
use crate::timestamp::{Timestamp, is_timestamp, parse_timestamp};

/// A compiled Choice condition (a rule without its `Next` / `Assign`).
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    /// One comparison of the value `Variable` names.
    Compare(Comparison),
    /// True when every rule is true (evaluated in order, stopping at the first false one).
    And(Vec<Condition>),
    /// True when some rule is true (evaluated in order, stopping at the first true one).
    Or(Vec<Condition>),
    /// True when the rule is false.
    Not(Box<Condition>),
}

/// A comparison: the value `Variable` names, tested by an operator.
#[derive(Clone, Debug, PartialEq)]
pub struct Comparison {
    /// The `Variable` path.
    pub variable: Path,
    /// The operator and its operand.
    pub test: Test,
}

/// A comparison operator with its operand.
#[derive(Clone, Debug, PartialEq)]
pub enum Test {
    /// `StringEquals`, `StringLessThan`, ... and their `...Path` forms.
    String(Relation, Operand<String>),
    /// `NumericEquals`, `NumericLessThan`, ... and their `...Path` forms.
    Numeric(Relation, Operand<Number>),
    /// `BooleanEquals` and `BooleanEqualsPath`.
    Boolean(Operand<bool>),
    /// `TimestampEquals`, `TimestampLessThan`, ... and their `...Path` forms.
    Timestamp(Relation, Operand<Timestamp>),
    /// `StringMatches`.
    Matches(Pattern),
    /// `IsNull`, `IsPresent`, `IsNumeric`, `IsString`, `IsBoolean`, `IsTimestamp` with the
    /// expected answer.
    Is(TypeTest, bool),
}

/// How the variable's value must relate to the operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Relation {
    /// `...Equals`.
    Equals,
    /// `...LessThan`.
    LessThan,
    /// `...GreaterThan`.
    GreaterThan,
    /// `...LessThanEquals`.
    LessThanEquals,
    /// `...GreaterThanEquals`.
    GreaterThanEquals,
}

impl Relation {
    /// The operator name's suffix after `String`, `Numeric` or `Timestamp`.
    pub fn suffix(self) -> &'static str {
        match self {
            Relation::Equals => "Equals",
            Relation::LessThan => "LessThan",
            Relation::GreaterThan => "GreaterThan",
            Relation::LessThanEquals => "LessThanEquals",
            Relation::GreaterThanEquals => "GreaterThanEquals",
        }
    }

    /// Whether `variable.cmp(operand)` satisfies the relation.
    pub fn holds(self, ordering: Ordering) -> bool {
        match self {
            Relation::Equals => ordering == Ordering::Equal,
            Relation::LessThan => ordering == Ordering::Less,
            Relation::GreaterThan => ordering == Ordering::Greater,
            Relation::LessThanEquals => ordering != Ordering::Greater,
            Relation::GreaterThanEquals => ordering != Ordering::Less,
        }
    }
}

/// The type tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TypeTest {
    /// `IsNull`: the value is `null`.
    Null,
    /// `IsPresent`: the `Variable` path matches a value (which may be `null`).
    Present,
    /// `IsNumeric`: the value is a number.
    Numeric,
    /// `IsString`: the value is a string.
    String,
    /// `IsBoolean`: the value is `true` or `false`.
    Boolean,
    /// `IsTimestamp`: the value is a string holding a timestamp AWS accepts.
    Timestamp,
}

impl TypeTest {
    /// The operator name (`IsNull`, ...).
    pub fn name(self) -> &'static str {
        match self {
            TypeTest::Null => "IsNull",
            TypeTest::Present => "IsPresent",
            TypeTest::Numeric => "IsNumeric",
            TypeTest::String => "IsString",
            TypeTest::Boolean => "IsBoolean",
            TypeTest::Timestamp => "IsTimestamp",
        }
    }
}

/// What a comparison compares against: a literal given in the rule, or the value of a second
/// path (the `...Path` operators).
#[derive(Clone, Debug, PartialEq)]
pub enum Operand<T> {
    /// A literal, already parsed.
    Literal(T),
    /// A path evaluated at run time in the same environment as `Variable`.
    Path(Path),
}

/// A compiled `StringMatches` pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    source: String,
    /// The literal pieces between the unescaped stars; a pattern with `n` stars has `n + 1`
    /// pieces.
    pieces: Vec<String>,
}

impl Pattern {
    /// Compiles a `StringMatches` pattern: `*` matches any sequence of characters, `\` makes
    /// the next character literal (a trailing lone `\` stands for itself).
    pub fn new(source: &str) -> Pattern {
        let mut pieces = vec![String::new()];
        let mut chars = source.chars();
        while let Some(c) = chars.next() {
            match c {
                '*' => pieces.push(String::new()),
                '\\' => {
                    let literal = chars.next().unwrap_or('\\');
                    pieces.last_mut().expect("never empty").push(literal);
                }
                c => pieces.last_mut().expect("never empty").push(c),
            }
        }
        Pattern {
            source: source.to_string(),
            pieces,
        }
    }

    /// The pattern as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Whether the whole of `text` matches the pattern.
    pub fn matches(&self, text: &str) -> bool {
        let (first, rest) = self.pieces.split_first().expect("never empty");
        let Some((last, middle)) = rest.split_last() else {
            return text == first;
        };
        let Some(after_prefix) = text.strip_prefix(first.as_str()) else {
            return false;
        };
        let Some(mut between) = after_prefix.strip_suffix(last.as_str()) else {
            return false;
        };
        // Anchored prefix and suffix; the pieces in between are found left to right, each as
        // early as possible, which is optimal when `*` is the only wildcard.
        for piece in middle {
            match between.find(piece.as_str()) {
                Some(at) => between = &between[at + piece.len()..],
                None => return false,
            }
        }
        true
    }
}

/// True when `rule` is a JSONata Choice rule: an object with a `Condition` field. Such rules are
/// not compiled by [`Condition::compile`].
pub fn is_jsonata_rule(rule: &Value) -> bool {
    rule.as_object()
        .is_some_and(|rule| rule.contains_key("Condition"))
}

impl Condition {
    /// Evaluates the condition against `env` (whose input is the Choice state's effective
    /// input).
    ///
    /// Fails with `States.Runtime` when a path other than an `IsPresent` variable matches
    /// nothing; the cause names the path (`Invalid path '$.x': The choice state's condition path
    /// references an invalid value.`). The caller adds the usual prefix naming the state.
    pub fn evaluate(&self, env: &Env<'_>) -> Result<bool, AslError> {
        match self {
            Condition::Compare(comparison) => comparison.evaluate(env),
            Condition::And(rules) => {
                for rule in rules {
                    if !rule.evaluate(env)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            Condition::Or(rules) => {
                for rule in rules {
                    if rule.evaluate(env)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            Condition::Not(rule) => Ok(!rule.evaluate(env)?),
        }
    }
}

impl Comparison {
    /// Evaluates the comparison against `env`. See [`Condition::evaluate`].
    pub fn evaluate(&self, env: &Env<'_>) -> Result<bool, AslError> {
        if let Test::Is(TypeTest::Present, expected) = self.test {
            return Ok(self.variable.is_present(env) == expected);
        }
        let value = select(&self.variable, env)?;
        let value: &Value = &value;
        Ok(match &self.test {
            // A literal operand is compared as it is; a path's value only when it has the
            // operator's type.
            Test::String(relation, operand) => {
                let selected;
                let other = match operand {
                    Operand::Literal(s) => Some(s.as_str()),
                    Operand::Path(path) => {
                        selected = select(path, env)?;
                        selected.as_str()
                    }
                };
                match (value.as_str(), other) {
                    (Some(a), Some(b)) => relation.holds(compare_strings(a, b)),
                    _ => false,
                }
            }
            Test::Numeric(relation, operand) => {
                let selected;
                let other = match operand {
                    Operand::Literal(n) => Some(n),
                    Operand::Path(path) => {
                        selected = select(path, env)?;
                        selected.as_number()
                    }
                };
                match (value.as_number(), other) {
                    (Some(a), Some(b)) => relation.holds(compare_numbers(a, b)),
                    _ => false,
                }
            }
            Test::Boolean(operand) => {
                let other = match operand {
                    Operand::Literal(b) => Some(*b),
                    Operand::Path(path) => select(path, env)?.as_bool(),
                };
                match (value.as_bool(), other) {
                    (Some(a), Some(b)) => a == b,
                    _ => false,
                }
            }
            Test::Timestamp(relation, operand) => {
                let other = match operand {
                    Operand::Literal(t) => Some(*t),
                    Operand::Path(path) => select(path, env)?.as_str().and_then(parse_timestamp),
                };
                match (value.as_str().and_then(parse_timestamp), other) {
                    (Some(a), Some(b)) => relation.holds(a.cmp(&b)),
                    _ => false,
                }
            }
            Test::Matches(pattern) => value.as_str().is_some_and(|s| pattern.matches(s)),
            Test::Is(test, expected) => {
                let is = match test {
                    TypeTest::Null => value.is_null(),
                    TypeTest::Numeric => value.is_number(),
                    TypeTest::String => value.is_string(),
                    TypeTest::Boolean => value.is_boolean(),
                    TypeTest::Timestamp => value.as_str().is_some_and(is_timestamp),
                    TypeTest::Present => unreachable!("handled above"),
                };
                is == *expected
            }
        })
    }
}

/// The `States.Runtime` error of a Choice path that matches nothing.
pub fn invalid_path_error(path: &Path) -> AslError {
    AslError::runtime(format!(
        "Invalid path '{}': The choice state's condition path references an invalid value.",
        path.text()
    ))
}

fn select<'a>(path: &Path, env: &Env<'a>) -> Result<Cow<'a, Value>, AslError> {
    path.select(env).map_err(|_| invalid_path_error(path))
}

/// Orders strings by UTF-16 code units, as Java's `String.compareTo` does.
fn compare_strings(a: &str, b: &str) -> Ordering {
    if a.is_ascii() || b.is_ascii() {
        // Code point order and UTF-16 order agree unless both sides hold characters at or above
        // U+E000; bytes order like code points.
        return a.cmp(b);
    }
    a.encode_utf16().cmp(b.encode_utf16())
}

/// Orders JSON numbers by value: integers exactly, `1` equal to `1.0`.
fn compare_numbers(a: &Number, b: &Number) -> Ordering {
    match (exact_integer(a), exact_integer(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(x), None) => compare_integer_float(x, float(b)),
        (None, Some(y)) => compare_integer_float(y, float(a)).reverse(),
        (None, None) => float(a).partial_cmp(&float(b)).unwrap_or(Ordering::Equal),
    }
}

fn exact_integer(n: &Number) -> Option<i128> {
    n.as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from))
}

fn float(n: &Number) -> f64 {
    // JSON has no NaN or infinities; a float Number always has an f64.
    n.as_f64().unwrap_or(0.0)
}

fn compare_integer_float(i: i128, f: f64) -> Ordering {
    // Every integer serde_json holds is below 2^64 in magnitude.
    const LIMIT: f64 = 1.0e20;
    if f >= LIMIT {
        return Ordering::Less;
    }
    if f <= -LIMIT {
        return Ordering::Greater;
    }
    let floor = f.floor();
    match i.cmp(&(floor as i128)) {
        Ordering::Equal if f > floor => Ordering::Less,
        ordering => ordering,
    }
}

#[cfg(test)]
mod tests;
