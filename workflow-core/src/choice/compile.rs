//! Compiling the JSON form of a Choice rule.

use serde_json::Value;

use super::{Comparison, Condition, Operand, Pattern, Relation, Test, TypeTest};
use crate::diagnostic::{Diagnostic, codes, push_pointer};
use crate::model::type_name;
use crate::path::Path;
use crate::timestamp::parse_timestamp;

/// The kinds of comparison value an operator takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    String(Relation),
    Numeric(Relation),
    Boolean,
    Timestamp(Relation),
}

/// What an operator key of a rule stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Operator {
    /// A comparison against a literal (`path == false`) or a second path.
    Compare {
        kind: Kind,
        path: bool,
    },
    Matches,
    Is(TypeTest),
    And,
    Or,
    Not,
}

impl Operator {
    fn parse(key: &str) -> Option<Operator> {
        let (base, path) = match key.strip_suffix("Path") {
            Some(base) => (base, true),
            None => (key, false),
        };
        let relation = |suffix: &str| {
            Some(match suffix {
                "Equals" => Relation::Equals,
                "LessThan" => Relation::LessThan,
                "GreaterThan" => Relation::GreaterThan,
                "LessThanEquals" => Relation::LessThanEquals,
                "GreaterThanEquals" => Relation::GreaterThanEquals,
                _ => return None,
            })
        };
        let kind = if let Some(rest) = base.strip_prefix("String") {
            if rest == "Matches" {
                return (!path).then_some(Operator::Matches);
            }
            Kind::String(relation(rest)?)
        } else if let Some(rest) = base.strip_prefix("Numeric") {
            Kind::Numeric(relation(rest)?)
        } else if let Some(rest) = base.strip_prefix("Timestamp") {
            Kind::Timestamp(relation(rest)?)
        } else if base == "BooleanEquals" {
            Kind::Boolean
        } else {
            if path {
                return None;
            }
            return Some(match base {
                "IsNull" => Operator::Is(TypeTest::Null),
                "IsPresent" => Operator::Is(TypeTest::Present),
                "IsNumeric" => Operator::Is(TypeTest::Numeric),
                "IsString" => Operator::Is(TypeTest::String),
                "IsBoolean" => Operator::Is(TypeTest::Boolean),
                "IsTimestamp" => Operator::Is(TypeTest::Timestamp),
                "And" => Operator::And,
                "Or" => Operator::Or,
                "Not" => Operator::Not,
                _ => return None,
            });
        };
        Some(Operator::Compare { kind, path })
    }

    fn is_logical(self) -> bool {
        matches!(self, Operator::And | Operator::Or | Operator::Not)
    }
}

/// What a compiled operator becomes once its rule's `Variable` is known.
enum Compiled {
    Test(Test),
    Logical(Condition),
}

/// Compiles one rule, pushing every problem found onto `diags`. Returns `None` when there was
/// a problem in this rule or below it.
pub(super) fn compile_rule(
    rule: &Value,
    pointer: &str,
    top_level: bool,
    diags: &mut Vec<Diagnostic>,
) -> Option<Condition> {
    let Some(rule) = rule.as_object() else {
        diags.push(Diagnostic::error(
            codes::WRONG_TYPE,
            pointer,
            format!(
                "a Choice rule must be a JSON object, not {}",
                type_name(rule)
            ),
        ));
        return None;
    };
    let errors_before = diags.len();

    let mut variable = None;
    let mut operators = Vec::new();
    for (key, value) in rule {
        let at = push_pointer(pointer, key);
        match key.as_str() {
            "Variable" => variable = Some((value, at)),
            "Next" if top_level => {
                if !value.is_string() {
                    diags.push(Diagnostic::error(
                        codes::WRONG_TYPE,
                        at,
                        format!("Next must be a string, not {}", type_name(value)),
                    ));
                }
            }
            "Next" => diags.push(Diagnostic::error(
                codes::CHOICE_RULE_NEXT,
                at,
                "a rule nested in And, Or or Not must not have Next",
            )),
            "Assign" if top_level => {
                if !value.is_object() {
                    diags.push(Diagnostic::error(
                        codes::WRONG_TYPE,
                        at,
                        format!("Assign must be a JSON object, not {}", type_name(value)),
                    ));
                }
            }
            "Assign" => diags.push(Diagnostic::error(
                codes::UNKNOWN_FIELD,
                at,
                "a rule nested in And, Or or Not must not have Assign",
            )),
            "Comment" => {
                if !value.is_string() {
                    diags.push(Diagnostic::error(
                        codes::WRONG_TYPE,
                        at,
                        format!("Comment must be a string, not {}", type_name(value)),
                    ));
                }
            }
            "Condition" => diags.push(Diagnostic::error(
                codes::UNKNOWN_FIELD,
                at,
                "Condition is a field of JSONata Choice rules; a JSONPath rule uses Variable \
                 and a comparison operator",
            )),
            _ => match Operator::parse(key) {
                Some(op) => operators.push((key.as_str(), op, value, at)),
                None => diags.push(Diagnostic::error(
                    codes::UNKNOWN_FIELD,
                    at,
                    format!("'{key}' is not a field of a Choice rule"),
                )),
            },
        }
    }

    if top_level && !rule.contains_key("Next") {
        diags.push(Diagnostic::error(
            codes::CHOICE_RULE_NEXT,
            pointer,
            "These fields are required: [Next]: a Choice rule names the state to go to when it matches",
        ));
    }

    match operators.as_slice() {
        [] => diags.push(Diagnostic::error(
            codes::CHOICE_RULE_COMPARISONS,
            pointer,
            "a Choice rule must have exactly one comparison operator (or And, Or, Not); it has \
             none",
        )),
        [_] => {}
        several => {
            let names: Vec<&str> = several.iter().map(|(name, ..)| *name).collect();
            diags.push(Diagnostic::error(
                codes::CHOICE_RULE_COMPARISONS,
                pointer,
                format!(
                    "a Choice rule must have exactly one comparison operator (or And, Or, Not); \
                     it has {}: {}",
                    names.len(),
                    names.join(", ")
                ),
            ));
        }
    }

    // Every operator's value is checked, even when there are several.
    let compiled: Vec<Option<Compiled>> = operators
        .iter()
        .map(|&(name, op, value, ref at)| compile_operator(name, op, value, at, diags))
        .collect();

    let needs_variable = operators.iter().any(|(_, op, ..)| !op.is_logical());
    let variable = match variable {
        Some((value, at)) => {
            if operators.len() == 1 && !needs_variable {
                diags.push(Diagnostic::error(
                    codes::UNKNOWN_FIELD,
                    &at,
                    format!(
                        "Variable is not allowed with {}; it belongs in the rules inside it",
                        operators[0].0
                    ),
                ));
                None
            } else {
                compile_path(value, &at, "Variable", diags)
            }
        }
        None => {
            if needs_variable {
                diags.push(Diagnostic::error(
                    codes::MISSING_FIELD,
                    pointer,
                    "a Choice comparison must have Variable, the path of the value to compare",
                ));
            }
            None
        }
    };

    if diags.len() > errors_before {
        return None;
    }
    match compiled.into_iter().next()?? {
        Compiled::Logical(condition) => Some(condition),
        Compiled::Test(test) => Some(Condition::Compare(Comparison {
            variable: variable?,
            test,
        })),
    }
}

fn compile_operator(
    name: &str,
    op: Operator,
    value: &Value,
    at: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Compiled> {
    let wrong = |diags: &mut Vec<Diagnostic>, expected: &str| {
        diags.push(Diagnostic::error(
            codes::CHOICE_RULE_VALUE,
            at,
            format!("{name} takes {expected}, not {}", type_name(value)),
        ));
        None
    };
    match op {
        Operator::Compare { kind, path: true } => {
            if !value.is_string() {
                return wrong(diags, "a path string");
            }
            let path = compile_path(value, at, name, diags)?;
            Some(Compiled::Test(match kind {
                Kind::String(r) => Test::String(r, Operand::Path(path)),
                Kind::Numeric(r) => Test::Numeric(r, Operand::Path(path)),
                Kind::Boolean => Test::Boolean(Operand::Path(path)),
                Kind::Timestamp(r) => Test::Timestamp(r, Operand::Path(path)),
            }))
        }
        Operator::Compare { kind, path: false } => Some(Compiled::Test(match kind {
            Kind::String(r) => match value {
                Value::String(s) => Test::String(r, Operand::Literal(s.clone())),
                _ => return wrong(diags, "a string"),
            },
            Kind::Numeric(r) => match value {
                Value::Number(n) => Test::Numeric(r, Operand::Literal(n.clone())),
                _ => return wrong(diags, "a number"),
            },
            Kind::Boolean => match value {
                Value::Bool(b) => Test::Boolean(Operand::Literal(*b)),
                _ => return wrong(diags, "a boolean"),
            },
            Kind::Timestamp(r) => match value.as_str().map(|s| (s, parse_timestamp(s))) {
                Some((_, Some(t))) => Test::Timestamp(r, Operand::Literal(t)),
                Some((s, None)) => {
                    diags.push(Diagnostic::error(
                        codes::CHOICE_RULE_VALUE,
                        at,
                        format!(
                            "String does not match RFC3339 timestamp: {name} takes a timestamp \
                             such as '2016-03-14T01:59:00Z', not '{s}'"
                        ),
                    ));
                    return None;
                }
                None => return wrong(diags, "an RFC 3339 timestamp string"),
            },
        })),
        Operator::Matches => match value {
            Value::String(s) => Some(Compiled::Test(Test::Matches(Pattern::new(s)))),
            _ => wrong(diags, "a string pattern"),
        },
        Operator::Is(test) => match value {
            Value::Bool(b) => Some(Compiled::Test(Test::Is(test, *b))),
            _ => wrong(diags, "a boolean"),
        },
        Operator::And | Operator::Or => {
            let Value::Array(items) = value else {
                return wrong(diags, "an array of Choice rules");
            };
            if items.is_empty() {
                diags.push(Diagnostic::error(
                    codes::CHOICE_RULE_VALUE,
                    at,
                    format!("{name} must hold at least one Choice rule"),
                ));
                return None;
            }
            let rules: Vec<Option<Condition>> = items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    compile_rule(item, &push_pointer(at, &i.to_string()), false, diags)
                })
                .collect();
            let rules = rules.into_iter().collect::<Option<Vec<_>>>()?;
            Some(Compiled::Logical(if op == Operator::And {
                Condition::And(rules)
            } else {
                Condition::Or(rules)
            }))
        }
        Operator::Not => {
            if !value.is_object() {
                return wrong(diags, "one Choice rule (a JSON object)");
            }
            let rule = compile_rule(value, at, false, diags)?;
            Some(Compiled::Logical(Condition::Not(Box::new(rule))))
        }
    }
}

/// Parses `Variable` or a `...Path` operand: a string holding a reference path (`$.a.b[0]`,
/// `$$.Execution.Input`, `$variable.field`).
fn compile_path(value: &Value, at: &str, field: &str, diags: &mut Vec<Diagnostic>) -> Option<Path> {
    let Value::String(text) = value else {
        diags.push(Diagnostic::error(
            codes::WRONG_TYPE,
            at,
            format!("{field} must be a path string, not {}", type_name(value)),
        ));
        return None;
    };
    match Path::parse(text) {
        Err(e) => {
            diags.push(Diagnostic::error(
                codes::INVALID_PATH,
                at,
                format!("{field} is not a valid path: {e}"),
            ));
            None
        }
        Ok(path) if !path.is_reference() => {
            diags.push(Diagnostic::error(
                codes::NOT_A_REFERENCE_PATH,
                at,
                format!(
                    "{field} must be a reference path (names and indices only, such as \
                     '$.a.b[0]'): '{text}' can select several values or uses a function"
                ),
            ));
            None
        }
        Ok(path) => Some(path),
    }
}

impl Condition {
    /// Compiles one JSONPath Choice rule. `pointer` is its JSON pointer (for example
    /// `/States/Check/Choices/0`).
    ///
    /// `top_level` tells whether the rule is an element of `Choices` (it must then have `Next`,
    /// a string, and may have `Assign`, an object) or nested inside `And`, `Or` or `Not` (it
    /// must have neither). `Next` and `Assign` are only checked here; the caller reads them.
    /// `Comment` (a string) is allowed anywhere.
    ///
    /// Every problem is reported, each with the pointer of the offending value:
    ///
    /// * `choice-rule-comparisons`: no operator, or more than one (at the rule);
    /// * `choice-rule-value`: an operator's value of the wrong type (`NumericEquals` with a
    ///   string, `TimestampEquals` with a string that is not an RFC 3339 timestamp, `IsNull`
    ///   with a non-boolean, a `...Path` operator with a non-string, an empty or non-array
    ///   `And` / `Or`, a non-object `Not`);
    /// * `invalid-path`: `Variable` or a `...Path` operand that does not parse;
    /// * `not-a-reference-path`: one that parses but is not a reference path (wildcards,
    ///   filters, slices, unions, functions);
    /// * `missing-field`: a comparison without `Variable` (at the rule);
    /// * `choice-rule-next`: a top-level rule without `Next` (at the rule), or a nested rule
    ///   with one (at its `Next`);
    /// * `unknown-field`: a key that is not part of a Choice rule, `Variable` beside `And` /
    ///   `Or` / `Not`, `Assign` in a nested rule, `Condition` (JSONata) in a JSONPath rule;
    /// * `wrong-type`: a rule that is not an object, a `Variable`, `Next` or `Comment` that is
    ///   not a string, an `Assign` that is not an object.
    pub fn compile(
        rule: &Value,
        pointer: &str,
        top_level: bool,
    ) -> Result<Condition, Vec<Diagnostic>> {
        let mut diags = Vec::new();
        // Compiling (and evaluating) recurses once per level of `And`, `Or` and `Not`.
        if let Some(too_deep) =
            crate::nesting::value_too_deep(rule, crate::nesting::MAX_JSON_DEPTH, pointer)
        {
            return Err(vec![too_deep]);
        }
        match compile_rule(rule, pointer, top_level, &mut diags) {
            Some(condition) if diags.is_empty() => Ok(condition),
            _ => {
                debug_assert!(!diags.is_empty(), "a rule failed without a diagnostic");
                Err(diags)
            }
        }
    }
}
