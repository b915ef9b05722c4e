//! Filter expressions: `[?(@.price < 10 && @.category == 'fiction')]`.

use serde_json::Value;

use super::Segment;
use super::eval::{Budget, numbers_equal, select_segments};

/// A filter expression.
#[derive(Clone, Debug, PartialEq)]
pub enum FilterExpr {
    /// `a && b && ...` (a chain is one node, so that its length is not a depth).
    And(Vec<FilterExpr>),
    /// `a || b || ...`.
    Or(Vec<FilterExpr>),
    /// `!a`.
    Not(Box<FilterExpr>),
    /// `@.x`: true when the path matches something.
    Exists(Operand),
    /// `left op right`.
    Compare {
        /// Left side.
        left: Operand,
        /// Operator.
        op: FilterOp,
        /// Right side.
        right: Box<Operand>,
    },
}

/// A comparison operator in a filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `=~` (parsed, then rejected: see the parser).
    Matches,
    /// `in`: the left value is an element of the right array.
    In,
    /// `nin`: the left value is not an element of the right array.
    Nin,
    /// `subsetof`: every element of the left array is in the right array.
    SubsetOf,
    /// `anyof`: the two arrays share an element.
    AnyOf,
    /// `noneof`: the two arrays share no element.
    NoneOf,
    /// `size`: the left array or string has the right number of elements.
    Size,
    /// `empty`: the left array or string is empty (right is `true`) or not (`false`).
    Empty,
    /// `contains`: the left array holds the right value, or the left string contains it.
    Contains,
}

/// One side of a comparison.
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    /// `@...`: relative to the element being tested.
    Relative(Vec<Segment>),
    /// `$...`: from the root of the document.
    Absolute(Vec<Segment>),
    /// A literal value.
    Literal(Value),
}

impl FilterExpr {
    /// Tests `current` (with `root` as the document for `$` operands). The paths inside
    /// spend from the evaluation's `budget`; one that runs out resolves to nothing, and the
    /// evaluation around it fails.
    pub(crate) fn test(&self, current: &Value, root: &Value, budget: &Budget) -> bool {
        match self {
            FilterExpr::And(all) => all.iter().all(|e| e.test(current, root, budget)),
            FilterExpr::Or(any) => any.iter().any(|e| e.test(current, root, budget)),
            FilterExpr::Not(a) => !a.test(current, root, budget),
            FilterExpr::Exists(operand) => operand.resolve(current, root, budget).is_some(),
            FilterExpr::Compare { left, op, right } => {
                let l = left.resolve(current, root, budget);
                let r = right.resolve(current, root, budget);
                compare(
                    l.as_ref().map(|v| v.as_ref()),
                    *op,
                    r.as_ref().map(|v| v.as_ref()),
                )
            }
        }
    }
}

impl Operand {
    fn resolve<'v>(
        &'v self,
        current: &'v Value,
        root: &'v Value,
        budget: &Budget,
    ) -> Option<ResolvedOperand<'v>> {
        let (start, segments) = match self {
            Operand::Literal(v) => return Some(ResolvedOperand::Borrowed(v)),
            Operand::Relative(segments) => (current, segments),
            Operand::Absolute(segments) => (root, segments),
        };
        let definite = segments.iter().all(|s| {
            matches!(
                s,
                Segment::Name(_) | Segment::Index(_) | Segment::Function(_)
            )
        });
        let mut found = Vec::new();
        let owned = select_segments(start, segments, root, &mut found, budget).ok()?;
        if let Some(value) = owned {
            return Some(ResolvedOperand::Owned(value));
        }
        if definite {
            found.pop().map(ResolvedOperand::Borrowed)
        } else {
            budget.copy_all(found).ok().map(ResolvedOperand::Owned)
        }
    }
}

enum ResolvedOperand<'v> {
    Borrowed(&'v Value),
    Owned(Value),
}

impl AsRef<Value> for ResolvedOperand<'_> {
    fn as_ref(&self) -> &Value {
        match self {
            ResolvedOperand::Borrowed(v) => v,
            ResolvedOperand::Owned(v) => v,
        }
    }
}

fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => numbers_equal(x, y),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

fn ordering(a: &Value, b: &Value) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn compare(left: Option<&Value>, op: FilterOp, right: Option<&Value>) -> bool {
    use std::cmp::Ordering::*;
    let (Some(l), Some(r)) = (left, right) else {
        // A missing operand only satisfies `!=` against a present one (Jayway semantics).
        return matches!(op, FilterOp::Ne) && left.is_some() != right.is_some();
    };
    match op {
        FilterOp::Eq => json_equal(l, r),
        FilterOp::Ne => !json_equal(l, r),
        FilterOp::Lt => ordering(l, r) == Some(Less),
        FilterOp::Le => matches!(ordering(l, r), Some(Less | Equal)),
        FilterOp::Gt => ordering(l, r) == Some(Greater),
        FilterOp::Ge => matches!(ordering(l, r), Some(Greater | Equal)),
        FilterOp::Matches => false,
        FilterOp::In => r
            .as_array()
            .is_some_and(|items| items.iter().any(|i| json_equal(i, l))),
        FilterOp::Nin => r
            .as_array()
            .is_some_and(|items| !items.iter().any(|i| json_equal(i, l))),
        FilterOp::SubsetOf => match (l.as_array(), r.as_array()) {
            (Some(ls), Some(rs)) => ls.iter().all(|x| rs.iter().any(|y| json_equal(x, y))),
            _ => false,
        },
        FilterOp::AnyOf => match (l.as_array(), r.as_array()) {
            (Some(ls), Some(rs)) => ls.iter().any(|x| rs.iter().any(|y| json_equal(x, y))),
            _ => false,
        },
        FilterOp::NoneOf => match (l.as_array(), r.as_array()) {
            (Some(ls), Some(rs)) => !ls.iter().any(|x| rs.iter().any(|y| json_equal(x, y))),
            _ => false,
        },
        FilterOp::Size => {
            let size = match l {
                Value::Array(a) => a.len(),
                Value::String(s) => s.chars().count(),
                _ => return false,
            };
            r.as_u64() == Some(size as u64)
        }
        FilterOp::Empty => {
            let empty = match l {
                Value::Array(a) => a.is_empty(),
                Value::String(s) => s.is_empty(),
                _ => return false,
            };
            r.as_bool() == Some(empty)
        }
        FilterOp::Contains => match (l, r) {
            (Value::Array(items), _) => items.iter().any(|i| json_equal(i, r)),
            (Value::String(s), Value::String(needle)) => s.contains(needle.as_str()),
            _ => false,
        },
    }
}
