//! Deploying a state machine to AWS: the least-privilege policy of its execution role
//! ([`policy`]) and an AWS SAM template with the state machine, one Lambda function per task,
//! logging, tracing and that role ([`template`]).
//!
//! Both are pure functions of the model, as the lint rules are: the `workflow iam` and
//! `workflow template` commands and a `workflow!` type call the same code, so a typed
//! workflow and its exported ASL deploy the same way.
//!
//! A definition names what differs between environments with `${Name}` placeholders, which
//! CloudFormation's `DefinitionSubstitutions` fill in when the stack is deployed
//! (<https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-stepfunctions-statemachine.html>).
//! [`substitutions`] lists them; [`substitute`] fills them in where their values are known.

pub mod pattern;
pub mod policy;
pub mod template;

use serde_json::Value;

use pattern::{Piece, pieces};

/// Every `${Name}` placeholder of a definition, each once, in the order they first appear
/// (in keys and string values alike, as CloudFormation replaces them in the whole text).
pub fn substitutions(definition: &Value) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut add = |text: &str| {
        for piece in pieces(text) {
            if let Piece::Substitution(name) = piece
                && !names.contains(&name)
            {
                names.push(name);
            }
        }
    };
    // A stack rather than recursion: the walk's depth does not follow the input's. Keys are
    // read before their values, in order, so items are pushed in reverse.
    enum Item<'a> {
        Value(&'a Value),
        Key(&'a str),
    }
    let mut stack = vec![Item::Value(definition)];
    while let Some(item) = stack.pop() {
        match item {
            Item::Key(key) => add(key),
            Item::Value(Value::String(s)) => add(s),
            Item::Value(Value::Array(items)) => stack.extend(items.iter().rev().map(Item::Value)),
            Item::Value(Value::Object(map)) => {
                for (key, v) in map.iter().rev() {
                    stack.push(Item::Value(v));
                    stack.push(Item::Key(key));
                }
            }
            Item::Value(_) => {}
        }
    }
    names
}

/// Replaces every `${Name}` placeholder that `value_of` knows, in keys and string values
/// (what CloudFormation does with `DefinitionSubstitutions`); the others stay as written.
pub fn substitute(definition: &mut Value, value_of: &dyn Fn(&str) -> Option<String>) {
    let fill = |text: &str| -> Option<String> {
        let pieces = pieces(text);
        if !pieces.iter().any(|p| matches!(p, Piece::Substitution(_))) {
            return None;
        }
        Some(
            pieces
                .into_iter()
                .map(|p| match p {
                    Piece::Substitution(name) => {
                        value_of(&name).unwrap_or_else(|| format!("${{{name}}}"))
                    }
                    Piece::Text(t) => t,
                    _ => String::new(),
                })
                .collect(),
        )
    };
    let mut stack = vec![definition];
    while let Some(value) = stack.pop() {
        match value {
            Value::String(s) => {
                if let Some(filled) = fill(s) {
                    *s = filled;
                }
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            Value::Object(map) => {
                if map.keys().any(|k| k.contains("${")) {
                    let entries = std::mem::take(map);
                    for (key, v) in entries {
                        map.insert(fill(&key).unwrap_or(key), v);
                    }
                }
                stack.extend(map.values_mut());
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn placeholders_are_found_in_keys_and_values_in_order() {
        let definition = json!({"StartAt": "A", "States": {"A": {"Type": "Task",
            "Resource": "${Charge}", "Parameters": {"${Field}.$": "$.x", "t": "${Table}-${Charge}"},
            "End": true}}});
        assert_eq!(substitutions(&definition), ["Charge", "Field", "Table"]);
    }

    #[test]
    fn known_placeholders_are_filled_in_and_the_others_kept() {
        let mut definition = json!({"a": "${Charge}", "b": ["x-${Table}-${Other}"], "${Key}": 1});
        substitute(&mut definition, &|name| match name {
            "Charge" => Some("arn:aws:lambda:eu-west-1:1:function:charge".into()),
            "Table" => Some("orders".into()),
            "Key" => Some("k".into()),
            _ => None,
        });
        assert_eq!(
            definition,
            json!({"a": "arn:aws:lambda:eu-west-1:1:function:charge", "b": ["x-orders-${Other}"], "k": 1})
        );
    }
}
