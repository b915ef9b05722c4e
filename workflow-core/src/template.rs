//! Payload templates (`Parameters`, `ResultSelector`, `ItemSelector`, `Assign`, ...): JSON
//! objects whose `.$` fields are paths or intrinsic calls. Compiled once; evaluating one never
//! parses a string.

use serde_json::{Map, Value};

use crate::diagnostic::{Diagnostic, Severity, codes, push_pointer};
use crate::entropy::Entropy;
use crate::error::names;
use crate::intrinsics::{IntrinsicCall, is_intrinsic_call};
use crate::nesting::{MAX_JSON_DEPTH, value_too_deep};
use crate::path::{Env, Path, PathError};

/// A failure while a state processes its data: a path that matches nothing, a failed intrinsic.
/// AWS reports these with the state's name and the id of its entered event, which the step
/// logic adds ([`StateFailure::into_error`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StateFailure {
    /// The error name: `States.Runtime` for every failure the engine raises here (a path
    /// that matches nothing, a failed intrinsic call), or a name carried over from elsewhere.
    pub error: String,
    /// What went wrong, without the state prefix.
    pub detail: String,
}

impl StateFailure {
    /// A `States.Runtime` failure.
    pub fn runtime(detail: impl Into<String>) -> StateFailure {
        StateFailure {
            error: names::RUNTIME.to_string(),
            detail: detail.into(),
        }
    }

    /// The ASL error AWS reports for it, naming the state and the event it was entered at.
    pub fn into_error(self, state: &str, entered_event_id: u64) -> crate::AslError {
        crate::AslError::new(
            self.error,
            format!(
                "An error occurred while executing the state '{state}' (entered at the event id #{entered_event_id}). {}",
                self.detail
            ),
        )
    }
}

/// An error from a path or an intrinsic: its cause becomes the detail.
impl From<crate::AslError> for StateFailure {
    fn from(e: crate::AslError) -> StateFailure {
        StateFailure {
            error: e.error,
            detail: e.cause.unwrap_or_default(),
        }
    }
}

/// Message for a `.$` field whose path matched nothing.
pub(crate) fn path_not_found(path: &Path, field: &str, input: &Value) -> StateFailure {
    StateFailure::runtime(format!(
        "The JSONPath '{}' specified for the field '{}' could not be found in the input '{}'",
        path.text(),
        field,
        input
    ))
}

/// A compiled payload template.
#[derive(Clone, Debug)]
pub struct Template {
    root: Node,
}

#[derive(Clone, Debug)]
enum Node {
    /// No dynamic field anywhere below: the value is copied.
    Literal(Value),
    Object(Vec<Field>),
    Array(Vec<Node>),
}

#[derive(Clone, Debug)]
struct Field {
    /// Output key (without `.$`).
    key: String,
    /// The key as written, for messages (`value.$`).
    written: String,
    value: FieldValue,
}

#[derive(Clone, Debug)]
enum FieldValue {
    Node(Node),
    Dynamic(Dynamic),
}

/// Parses the value of a `.$` field (or of ErrorPath/CausePath): a path or an intrinsic call.
pub(crate) fn compile_dynamic(
    text: &str,
    field: &str,
    pointer: &str,
    diags: &mut Vec<Diagnostic>,
) -> Option<Dynamic> {
    if text.starts_with('$') {
        return match Path::parse(text) {
            Ok(p) => Some(Dynamic::Path(p)),
            Err(e) => {
                diags.push(Diagnostic::error(
                    codes::INVALID_DYNAMIC_VALUE,
                    pointer,
                    format!(
                        "The value for the field '{field}' must be a valid JSONPath or a valid intrinsic function call: {}",
                        e.message
                    ),
                ));
                None
            }
        };
    }
    if is_intrinsic_call(text) {
        // A call that does not parse is refused, unknown and misspelled names included: AWS
        // refuses `States.format(...)` with this message when the state machine is created.
        return match IntrinsicCall::parse(text) {
            Ok(call) => Some(Dynamic::Intrinsic(Box::new(call))),
            Err(e) => {
                diags.push(Diagnostic::error(
                    e.code,
                    pointer,
                    format!(
                        "The value for the field '{field}' must be a valid JSONPath or a valid intrinsic function call: {}",
                        e.message
                    ),
                ));
                None
            }
        };
    }
    diags.push(Diagnostic::error(
        codes::INVALID_DYNAMIC_VALUE,
        pointer,
        format!(
            "The value for the field '{field}' must be a valid JSONPath or a valid intrinsic function call{}",
            path_hint(text)
                .map(|p| format!(": a path starts with '$' (did you mean '{p}'?)"))
                .unwrap_or_default()
        ),
    ));
    None
}

/// For a text that is not a path but would be one after `$.`: that path.
pub(crate) fn path_hint(text: &str) -> Option<String> {
    let looks_like_a_name = text
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_');
    let path = format!("$.{text}");
    (!text.starts_with('$') && looks_like_a_name && Path::parse(&path).is_ok()).then_some(path)
}

/// A path or an intrinsic call.
#[derive(Clone, Debug)]
pub enum Dynamic {
    /// A path.
    Path(Path),
    /// An intrinsic function call.
    Intrinsic(Box<IntrinsicCall>),
}

impl Dynamic {
    /// Evaluates it; `field` names the field in error messages.
    pub fn evaluate(
        &self,
        env: &Env<'_>,
        entropy: &mut dyn Entropy,
        field: &str,
    ) -> Result<Value, StateFailure> {
        match self {
            Dynamic::Path(p) => select(p, env, field),
            Dynamic::Intrinsic(call) => call.evaluate(env, entropy).map_err(StateFailure::from),
        }
    }
}

fn select(path: &Path, env: &Env<'_>, field: &str) -> Result<Value, StateFailure> {
    match path.select(env) {
        Ok(v) => Ok(v.into_owned()),
        Err(PathError::NoMatch) | Err(PathError::UnknownVariable(_)) => {
            Err(path_not_found(path, field, env.input))
        }
        Err(e @ PathError::TooLarge) => Err(StateFailure::runtime(format!(
            "The JSONPath '{}' specified for the field '{field}' could not be evaluated: {e}",
            path.text()
        ))),
    }
}

impl Template {
    /// Compiles a template. Problems are pushed to `diags` with their pointers; `None` when
    /// there was an error (warnings do not count).
    pub fn compile(value: &Value, pointer: &str, diags: &mut Vec<Diagnostic>) -> Option<Template> {
        let errors = |diags: &Vec<Diagnostic>| {
            diags
                .iter()
                .filter(|d| d.severity == Severity::Error)
                .count()
        };
        // Compiling and evaluating recurse once per level of the template.
        if let Some(too_deep) = value_too_deep(value, MAX_JSON_DEPTH, pointer) {
            diags.push(too_deep);
            return None;
        }
        let before = errors(diags);
        let root = compile_node(value, pointer, diags);
        (errors(diags) == before).then_some(Template { root })
    }

    /// Evaluates the template against `env`.
    pub fn evaluate(
        &self,
        env: &Env<'_>,
        entropy: &mut dyn Entropy,
    ) -> Result<Value, StateFailure> {
        eval_node(&self.root, env, entropy)
    }

    /// True when the template has no `.$` field: it always yields the same value.
    pub fn is_literal(&self) -> bool {
        matches!(self.root, Node::Literal(_))
    }
}

fn compile_node(value: &Value, pointer: &str, diags: &mut Vec<Diagnostic>) -> Node {
    match value {
        Value::Object(map) => {
            let mut fields = Vec::with_capacity(map.len());
            let mut dynamic = false;
            let mut seen: Vec<&str> = Vec::with_capacity(map.len());
            for (key, v) in map {
                let field_pointer = push_pointer(pointer, key);
                let (out_key, field) = if let Some(stripped) = key.strip_suffix(".$") {
                    dynamic = true;
                    let value = match v {
                        Value::String(text) => {
                            match compile_dynamic(text, key, &field_pointer, diags) {
                                Some(dynamic) => FieldValue::Dynamic(dynamic),
                                None => FieldValue::Node(Node::Literal(Value::Null)),
                            }
                        }
                        _ => {
                            diags.push(Diagnostic::error(
                                codes::INVALID_DYNAMIC_VALUE,
                                &field_pointer,
                                format!(
                                    "The value for the field '{key}' must be a valid JSONPath or a valid intrinsic function call"
                                ),
                            ));
                            FieldValue::Node(Node::Literal(Value::Null))
                        }
                    };
                    (stripped, value)
                } else {
                    let node = compile_node(v, &field_pointer, diags);
                    if !matches!(node, Node::Literal(_)) {
                        dynamic = true;
                    }
                    (key.as_str(), FieldValue::Node(node))
                };
                if seen.contains(&out_key) {
                    diags.push(Diagnostic::error(
                        codes::DUPLICATE_KEY,
                        &field_pointer,
                        format!("The field '{out_key}' is given twice (with and without '.$')"),
                    ));
                }
                seen.push(out_key);
                fields.push(Field {
                    key: out_key.to_string(),
                    written: key.clone(),
                    value: field,
                });
            }
            if dynamic {
                Node::Object(fields)
            } else {
                Node::Literal(value.clone())
            }
        }
        Value::Array(items) => {
            let nodes: Vec<Node> = items
                .iter()
                .enumerate()
                .map(|(i, item)| compile_node(item, &push_pointer(pointer, &i.to_string()), diags))
                .collect();
            if nodes.iter().all(|n| matches!(n, Node::Literal(_))) {
                Node::Literal(value.clone())
            } else {
                Node::Array(nodes)
            }
        }
        other => Node::Literal(other.clone()),
    }
}

fn eval_node(node: &Node, env: &Env<'_>, entropy: &mut dyn Entropy) -> Result<Value, StateFailure> {
    match node {
        Node::Literal(v) => Ok(v.clone()),
        Node::Array(items) => items
            .iter()
            .map(|n| eval_node(n, env, entropy))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        Node::Object(fields) => {
            let mut out = Map::with_capacity(fields.len());
            for field in fields {
                let value = match &field.value {
                    FieldValue::Node(n) => eval_node(n, env, entropy)?,
                    FieldValue::Dynamic(d) => d.evaluate(env, entropy, &field.written)?,
                };
                out.insert(field.key.clone(), value);
            }
            Ok(Value::Object(out))
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::entropy::SplitMix64;

    fn compile(v: Value) -> Result<Template, Vec<Diagnostic>> {
        let mut diags = Vec::new();
        Template::compile(&v, "/T", &mut diags).ok_or(diags)
    }

    #[test]
    fn dynamic_fields_are_evaluated_and_renamed() {
        let t = compile(json!({
            "literal": "$.not.a.path",
            "from.$": "$.a",
            "nested": {"deep.$": "$.b[1]", "keep": [1, 2]},
            "list": [{"x.$": "$.a"}, 3]
        }))
        .unwrap();
        let input = json!({"a": "A", "b": [0, 1]});
        let out = t
            .evaluate(&Env::document(&input), &mut SplitMix64(1))
            .unwrap();
        assert_eq!(
            out,
            json!({"literal": "$.not.a.path", "from": "A", "nested": {"deep": 1, "keep": [1, 2]}, "list": [{"x": "A"}, 3]})
        );
    }

    #[test]
    fn templates_without_dynamic_fields_are_literals() {
        assert!(
            compile(json!({"a": {"b": [1, {"c": 2}]}}))
                .unwrap()
                .is_literal()
        );
        assert!(!compile(json!({"a": [{"b.$": "$"}]})).unwrap().is_literal());
    }

    #[test]
    fn missing_paths_give_the_aws_message() {
        let t = compile(json!({"value.$": "$.no_such_jsonpath"})).unwrap();
        let input = json!({"int-literal": 0});
        let err = t
            .evaluate(&Env::document(&input), &mut SplitMix64(1))
            .unwrap_err();
        assert_eq!(err.error, "States.Runtime");
        assert_eq!(
            err.detail,
            "The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not be found in the input '{\"int-literal\":0}'"
        );
        assert_eq!(
            err.into_error("pass", 2).cause.unwrap(),
            "An error occurred while executing the state 'pass' (entered at the event id #2). The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not be found in the input '{\"int-literal\":0}'"
        );
    }

    #[test]
    fn invalid_dynamic_values_are_diagnosed() {
        let diags =
            compile(json!({"a.$": "not a path", "b.$": 3, "c.$": "$.x[", "d": {"e.$": "nope"}}))
                .unwrap_err();
        let pointers: Vec<&str> = diags.iter().map(|d| d.pointer.as_str()).collect();
        assert_eq!(pointers, ["/T/a.$", "/T/b.$", "/T/c.$", "/T/d/e.$"]);
        assert!(diags.iter().all(|d| d.code == codes::INVALID_DYNAMIC_VALUE));
    }

    #[test]
    fn duplicate_keys_after_stripping_are_diagnosed() {
        let diags = compile(json!({"a": 1, "a.$": "$"})).unwrap_err();
        assert_eq!(diags[0].code, codes::DUPLICATE_KEY);
    }
}
