//! The JSONata parts of validation: every `{% ... %}` expression of a JSONata state, and the
//! Choice rules of JSONata states.

use serde_json::Value;

use super::Compiler;
use crate::diagnostic::{codes, push_pointer};
use crate::model;

/// What a JSONata field may read from `$states` besides `input` and `context`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Site {
    /// Nothing more.
    Plain,
    /// `$states.result`: the Output and Assign of a Task, Parallel or Map state.
    Result,
    /// `$states.errorOutput`: the Output and Assign of a catcher.
    ErrorOutput,
}

/// A JSONata expression is a string that starts with `{%` and ends with `%}`, exactly: AWS
/// takes `" {% states.input %} "` (with spaces around) as a literal string.
pub(super) fn is_jsonata(text: &str) -> bool {
    text.len() >= 4 && text.starts_with("{%") && text.ends_with("%}")
}

impl Compiler<'_> {
    /// Checks every JSONata expression (`"{% ... %}"` string) in a field of a JSONata state,
    /// at any depth. `site` tells what the field may read from `$states`.
    pub(super) fn jsonata_value(&mut self, value: &Value, pointer: &str, site: Site) {
        match value {
            Value::String(s) => self.jsonata_string(s, pointer, site),
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    self.jsonata_value(item, &push_pointer(pointer, &i.to_string()), site);
                }
            }
            Value::Object(map) => {
                for (k, v) in map {
                    self.jsonata_value(v, &push_pointer(pointer, k), site);
                }
            }
            _ => {}
        }
    }

    pub(super) fn jsonata_string(&mut self, text: &str, pointer: &str, site: Site) {
        let t = text;
        if !t.starts_with("{%") {
            return;
        }
        if !is_jsonata(t) {
            // AWS's rule for a string that opens an expression and does not close it is not
            // known; it reads as a literal string.
            self.warning(
                codes::INVALID_JSONATA,
                pointer,
                "This string starts with '{%' but does not end with '%}', so it is a literal string, not a JSONata expression: close the expression with '%}'",
            );
            return;
        }
        match crate::plan::jsonata_check::check(&t[2..t.len() - 2]) {
            Err(crate::plan::jsonata_check::Problem::Invalid(m)) => self.error(
                codes::INVALID_JSONATA,
                pointer,
                format!("Invalid JSONata expression '{t}': {m}"),
            ),
            Err(crate::plan::jsonata_check::Problem::Unsupported(m)) => {
                self.error(codes::UNSUPPORTED_JSONATA, pointer, m)
            }
            Ok(reads) => {
                if reads.result && site != Site::Result {
                    self.error(
                        codes::UNSUPPORTED_JSONATA,
                        pointer,
                        "$states.result is only available in the 'Output' and 'Assign' of a Task, Parallel or Map state, once the state has a result",
                    );
                }
                if reads.error_output && site != Site::ErrorOutput {
                    self.error(
                        codes::UNSUPPORTED_JSONATA,
                        pointer,
                        "$states.errorOutput is only available in the 'Output' and 'Assign' of a Catch",
                    );
                }
            }
        }
    }

    /// A Choice rule of a JSONata state: `Condition` and `Next`, and optionally `Assign`,
    /// `Output` and `Comment`.
    pub(super) fn jsonata_rule(&mut self, rule: &model::ChoiceRule, rp: &str) {
        for (key, value) in &rule.condition {
            let kp = push_pointer(rp, key);
            if key == "Condition" {
                match value {
                    Value::Bool(_) => {}
                    Value::String(s) if is_jsonata(s) => self.jsonata_string(s, &kp, Site::Plain),
                    other => self.error(
                        codes::WRONG_TYPE,
                        &kp,
                        format!(
                            "'Condition' must be true, false or a JSONata expression such as \"{{% $states.input.total > 100 %}}\", not {}",
                            crate::model::type_name(other)
                        ),
                    ),
                }
            } else if key == "Variable"
                || ["And", "Or", "Not"].contains(&key.as_str())
                || ["String", "Numeric", "Boolean", "Timestamp", "Is"]
                    .iter()
                    .any(|p| key.starts_with(p))
            {
                self.error(
                    codes::UNKNOWN_FIELD,
                    &kp,
                    format!(
                        "{}: a JSONata Choice rule tests a 'Condition' expression",
                        super::wrong_language(crate::model::QueryLanguage::Jsonata, key)
                    ),
                );
            } else {
                let hint =
                    crate::suggest::hint(key, ["Condition", "Next", "Assign", "Output", "Comment"]);
                self.error(
                    codes::UNKNOWN_FIELD,
                    &kp,
                    format!("Field '{key}' is not supported in a Choice rule{hint}"),
                );
            }
        }
        if !rule.condition.contains_key("Condition") {
            self.error(
                codes::MISSING_FIELD,
                rp,
                "These fields are required: [Condition]: a JSONata Choice rule goes to 'Next' when its 'Condition' expression is true",
            );
        }
        if rule.next.is_none() {
            self.error(
                codes::CHOICE_RULE_NEXT,
                rp,
                "These fields are required: [Next]: a Choice rule names the state to go to when it matches",
            );
        }
        if let Some(output) = &rule.output {
            self.jsonata_value(output, &push_pointer(rp, "Output"), Site::Plain);
        }
    }
}
