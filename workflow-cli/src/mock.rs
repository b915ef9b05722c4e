//! The MockConfigFile of AWS Step Functions Local: test cases that map state names to
//! mocked responses, each a `Return` (the whole service response) or a `Throw` (`Error`,
//! `Cause`) per invocation (`"0"`, `"1-2"`, ...).
//!
//! ```json
//! {"StateMachines": {"Orders": {"TestCases": {"HappyPath": {"Charge": "ChargeOk"}}}},
//!  "MockedResponses": {"ChargeOk": {"0": {"Return": {"StatusCode": 200, "Payload": {"ok": true}}}}}}
//! ```
//!
//! Invocations are counted per state, from 0. An invocation past the last one listed gets the
//! last response again (our choice: it keeps a mock for a Map's iterations short).

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use anyhow::{Context, bail};
use serde_json::Value;
use workflow_runtime::{TaskContext, TaskError};

/// One answer.
#[derive(Clone, Debug, PartialEq)]
pub enum Response {
    /// The task's result, as the service would return it.
    Return(Value),
    /// The task fails.
    Throw {
        /// Error name.
        error: String,
        /// Cause.
        cause: Option<String>,
    },
}

/// The answers of one mocked response, by invocation range (inclusive).
#[derive(Clone, Debug)]
pub struct Mocked {
    answers: Vec<(u32, u32, Response)>,
}

impl Mocked {
    /// The answer to invocation `n` (0-based).
    pub fn answer(&self, n: u32) -> &Response {
        self.answers
            .iter()
            .find(|(lo, hi, _)| (*lo..=*hi).contains(&n))
            .or_else(|| self.answers.iter().max_by_key(|(_, hi, _)| *hi))
            .map(|(_, _, r)| r)
            .expect("a mocked response has at least one answer")
    }
}

/// The mocks of one test case: state name to mocked response.
#[derive(Clone, Debug, Default)]
pub struct TestCase {
    pub name: String,
    pub states: HashMap<String, Mocked>,
    calls: Arc<Mutex<HashMap<String, u32>>>,
}

impl TestCase {
    /// Answers a call of the state `state`, counting its invocations.
    pub fn call(&self, state: &str) -> Option<Result<Value, TaskError>> {
        let mocked = self.states.get(state)?;
        let n = {
            let mut calls = self.calls.lock().unwrap_or_else(|p| p.into_inner());
            let c = calls.entry(state.to_string()).or_insert(0);
            let n = *c;
            *c += 1;
            n
        };
        Some(match mocked.answer(n) {
            Response::Return(v) => Ok(v.clone()),
            Response::Throw { error, cause } => Err(TaskError {
                error: error.clone(),
                cause: cause.clone(),
            }),
        })
    }

    /// The handler for every task: mocked states answer; others fail with a clear cause.
    pub fn handler(
        self,
    ) -> impl Fn(Value, TaskContext) -> std::future::Ready<Result<Value, TaskError>>
    + Send
    + Sync
    + 'static {
        move |_input: Value, ctx: TaskContext| {
            std::future::ready(self.call(ctx.state_name()).unwrap_or_else(|| {
                Err(TaskError::new(
                    "States.Runtime",
                    format!(
                        "Test case '{}' mocks no response for the state '{}' (resource {}), and no --bind serves it.",
                        self.name,
                        ctx.state_name(),
                        ctx.resource()
                    ),
                ))
            }))
        }
    }
}

fn parse_range(key: &str) -> Option<(u32, u32)> {
    match key.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (a.trim().parse().ok()?, b.trim().parse().ok()?);
            (a <= b).then_some((a, b))
        }
        None => key.trim().parse().ok().map(|n| (n, n)),
    }
}

fn parse_response(name: &str, key: &str, v: &Value) -> anyhow::Result<Response> {
    let Some(obj) = v.as_object() else {
        bail!("MockedResponses.{name}.\"{key}\" must be an object with \"Return\" or \"Throw\"");
    };
    match (obj.get("Return"), obj.get("Throw")) {
        (Some(r), None) => Ok(Response::Return(r.clone())),
        (None, Some(Value::Object(t))) => {
            let Some(error) = t.get("Error").and_then(Value::as_str) else {
                bail!("MockedResponses.{name}.\"{key}\".Throw needs a string \"Error\"");
            };
            Ok(Response::Throw {
                error: error.to_string(),
                cause: t.get("Cause").and_then(Value::as_str).map(str::to_string),
            })
        }
        (None, Some(_)) => bail!(
            "MockedResponses.{name}.\"{key}\".Throw must be an object with \"Error\" and \"Cause\""
        ),
        (Some(_), Some(_)) => {
            bail!("MockedResponses.{name}.\"{key}\" has both \"Return\" and \"Throw\"")
        }
        (None, None) => {
            bail!("MockedResponses.{name}.\"{key}\" has neither \"Return\" nor \"Throw\"")
        }
    }
}

fn parse_mocked(name: &str, v: &Value) -> anyhow::Result<Mocked> {
    let Some(obj) = v.as_object() else {
        bail!("MockedResponses.{name} must be an object of invocations (\"0\", \"1-2\", ...)");
    };
    if obj.is_empty() {
        bail!("MockedResponses.{name} has no invocation");
    }
    let mut answers = Vec::new();
    for (key, response) in obj {
        let Some((lo, hi)) = parse_range(key) else {
            bail!(
                "MockedResponses.{name}: \"{key}\" is not an invocation number or range like \"1-2\""
            );
        };
        answers.push((lo, hi, parse_response(name, key, response)?));
    }
    answers.sort_by_key(|(lo, _, _)| *lo);
    Ok(Mocked { answers })
}

/// Loads the test case `test_case` of the state machine `machine` (or of the only one in
/// the file; or of the one named like `default_machine`).
pub fn load(
    path: &Path,
    machine: Option<&str>,
    default_machine: &str,
    test_case: Option<&str>,
) -> anyhow::Result<TestCase> {
    let text = crate::input::read(path)?;
    let file = path.display();
    let config: Value =
        serde_json::from_str(&text).with_context(|| format!("{file} is not JSON"))?;
    let machines = config
        .get("StateMachines")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            anyhow::anyhow!("{file} is not a MockConfigFile: it has no \"StateMachines\" object")
        })?;
    let responses = config
        .get("MockedResponses")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            anyhow::anyhow!("{file} is not a MockConfigFile: it has no \"MockedResponses\" object")
        })?;
    let names: Vec<&str> = machines.keys().map(String::as_str).collect();
    let machine_name = match machine {
        Some(m) => m,
        None if names.len() == 1 => names[0],
        None if names.contains(&default_machine) => default_machine,
        None => bail!(
            "{file} mocks several state machines ({}): pick one with --state-machine",
            names.join(", ")
        ),
    };
    let Some(entry) = machines.get(machine_name) else {
        bail!(
            "{file} has no state machine '{machine_name}' (it has {})",
            names.join(", ")
        );
    };
    let cases = entry
        .get("TestCases")
        .and_then(Value::as_object)
        .ok_or_else(|| {
            anyhow::anyhow!("StateMachines.{machine_name} has no \"TestCases\" object")
        })?;
    let case_names: Vec<&str> = cases.keys().map(String::as_str).collect();
    let case_name = match test_case {
        Some(c) => c,
        None if case_names.len() == 1 => case_names[0],
        None => bail!(
            "--test-case is needed: {machine_name} has the test cases {}",
            case_names.join(", ")
        ),
    };
    let Some(case) = cases.get(case_name).and_then(Value::as_object) else {
        bail!(
            "state machine '{machine_name}' has no test case '{case_name}' (it has {})",
            case_names.join(", ")
        );
    };
    let mut states = HashMap::new();
    for (state, response_name) in case {
        let Some(response_name) = response_name.as_str() else {
            bail!("TestCases.{case_name}.{state} must name a mocked response");
        };
        let Some(response) = responses.get(response_name) else {
            bail!(
                "TestCases.{case_name}.{state} names the mocked response '{response_name}', which MockedResponses does not have"
            );
        };
        states.insert(state.clone(), parse_mocked(response_name, response)?);
    }
    Ok(TestCase {
        name: case_name.to_string(),
        states,
        calls: Arc::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn invocation_ranges() {
        let m = parse_mocked(
            "Retrying",
            &json!({
                "0": {"Throw": {"Error": "Lambda.ResourceNotReadyException", "Cause": "not ready"}},
                "1-2": {"Throw": {"Error": "Lambda.TimeoutException", "Cause": "timed out"}},
                "3": {"Return": {"StatusCode": 200}}
            }),
        )
        .unwrap();
        let kinds: Vec<String> = (0..6)
            .map(|n| match m.answer(n) {
                Response::Return(_) => "ok".to_string(),
                Response::Throw { error, .. } => error.clone(),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "Lambda.ResourceNotReadyException",
                "Lambda.TimeoutException",
                "Lambda.TimeoutException",
                "ok",
                "ok",
                "ok"
            ]
        );
    }

    #[test]
    fn bad_mocks_are_one_line_errors() {
        for (bad, says) in [
            (json!({"x": {"Return": 1}}), "not an invocation number"),
            (json!({"0": {"Return": 1, "Throw": {"Error": "E"}}}), "both"),
            (
                json!({"0": {"Throw": {"Cause": "c"}}}),
                "needs a string \"Error\"",
            ),
            (json!({"0": {}}), "neither"),
            (json!({}), "no invocation"),
            (json!({"2-1": {"Return": 1}}), "not an invocation number"),
        ] {
            let e = parse_mocked("M", &bad).unwrap_err().to_string();
            assert!(e.contains(says), "{e}");
            assert!(!e.contains('\n'), "{e}");
        }
    }
}
