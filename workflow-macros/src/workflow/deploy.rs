//! What the exported ASL needs to run on AWS as it runs here.
//!
//! A `#[task(callback)]` function receives its task token through `TaskContext` when it runs
//! in-process. Deployed, the function is a Lambda function invoked with
//! `arn:aws:states:::lambda:invoke.waitForTaskToken`, which needs the function's name and the
//! token in its payload: the export says so, and the runtime reads the same form (the payload
//! is the function's input, with the token as its `TaskToken` field).

use serde_json::{Map, Value};
use workflow_core::model::{State, StateKind, StateMachine, States};
use workflow_core::plan::{Integration, ResourceKind, classify_resource};

/// The resource of a callback task, as exported.
pub const CALLBACK_RESOURCE: &str = "arn:aws:states:::lambda:invoke.waitForTaskToken";

/// The state input with the task token added, for a callback task without `parameters`.
/// (`States.JsonMerge` of the input and `{"TaskToken": <token>}`; the input is an object.)
const INPUT_WITH_TOKEN: &str = r#"States.JsonMerge($, States.StringToJson(States.Format('\{"TaskToken":"{}"\}', $$.Task.Token)), false)"#;

/// Rewrites every `${Name}.waitForTaskToken` task of the machine into a Lambda invocation of
/// `${Name}` that hands over the task token.
pub fn callbacks_as_lambda_invocations(machine: &mut StateMachine) {
    rewrite(&mut machine.states);
}

fn rewrite(states: &mut States) {
    for state in states.values_mut() {
        match &mut state.kind {
            StateKind::Task(task) => {
                let Ok(ResourceKind::Substitution {
                    name,
                    integration: Integration::Callback,
                }) = classify_resource(&task.resource)
                else {
                    continue;
                };
                task.resource = CALLBACK_RESOURCE.to_string();
                hand_over_token(state, &name);
            }
            StateKind::Parallel(parallel) => {
                for branch in &mut parallel.branches {
                    rewrite(&mut branch.states);
                }
            }
            StateKind::Map(map) => rewrite(&mut map.item_processor.states),
            _ => {}
        }
    }
}

fn hand_over_token(state: &mut State, name: &str) {
    let mut parameters = Map::new();
    parameters.insert("FunctionName".into(), Value::String(format!("${{{name}}}")));
    match state.parameters.take() {
        Some(Value::Object(mut payload)) => {
            payload.insert("TaskToken.$".into(), Value::String("$$.Task.Token".into()));
            parameters.insert("Payload".into(), Value::Object(payload));
        }
        Some(other) => {
            // Not an object: it cannot carry the token; the function gets it as written.
            parameters.insert("Payload".into(), other);
        }
        None => {
            parameters.insert("Payload.$".into(), Value::String(INPUT_WITH_TOKEN.into()));
        }
    }
    state.parameters = Some(Value::Object(parameters));
}
