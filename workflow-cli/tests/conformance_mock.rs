//! `workflow run` against the AWS-recorded conformance corpus (`tests/conformance`): the
//! corpus's Lambda behaviours are converted into one MockConfigFile (one state machine per
//! case, one test case `Recorded`), and a sample of cases from every category runs through
//! the binary, which must reproduce what AWS did. Definitions AWS rejected go through
//! `workflow validate`, which must reject them.
//!
//! Conversion, from the corpus README: a `return` is a mocked `Return` (for
//! `arn:aws:states:::lambda:invoke` the whole invoke response, `{"ExecutedVersion", "Payload",
//! "StatusCode"}`, since a mock's Return is the service's response); a `fail` is a `Throw`
//! whose cause is verbatim for a direct Lambda ARN and re-serialised compactly for
//! `lambda:invoke` (unless the error is `Lambda.*`). An `echo` returns its input, which no
//! static mock can: those functions are bound with `--bind FUNCTION=cat` instead.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Map, Value, json};

#[path = "../../tests/support/recording.rs"]
mod recording;
use recording::{cause_matches, json_matches, placeholders};
use workflow_runtime::lambda::function_name;

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance/cases")
}

fn expected_failures() -> HashSet<String> {
    let list =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance/expected-failures.txt");
    std::fs::read_to_string(list)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .collect()
}

/// Every Task state of a definition, nested ones included: (name, resource, FunctionName).
fn tasks(states: &Map<String, Value>, out: &mut Vec<(String, String, Option<String>)>) {
    for (name, state) in states {
        match state["Type"].as_str() {
            Some("Task") => out.push((
                name.clone(),
                state["Resource"].as_str().unwrap_or("").to_string(),
                state["Parameters"]["FunctionName"]
                    .as_str()
                    .map(str::to_string),
            )),
            Some("Parallel") => {
                for b in state["Branches"].as_array().into_iter().flatten() {
                    if let Some(s) = b["States"].as_object() {
                        tasks(s, out);
                    }
                }
            }
            Some("Map") => {
                let p = if state.get("ItemProcessor").is_some() {
                    &state["ItemProcessor"]
                } else {
                    &state["Iterator"]
                };
                if let Some(s) = p["States"].as_object() {
                    tasks(s, out);
                }
            }
            _ => {}
        }
    }
}

/// The behaviour of the function a Task calls.
fn behaviour<'r>(resources: &'r Map<String, Value>, key: &str) -> Option<(&'r String, &'r Value)> {
    resources.get_key_value(key).or_else(|| {
        resources
            .iter()
            .find(|(k, _)| function_name(k) == function_name(key))
    })
}

/// The mocked responses of one Task, or None when an `echo` needs a `--bind`.
fn mocked(b: &Value, invoke: bool) -> Option<Value> {
    let kind = b["behavior"]
        .as_str()
        .or(b["behaviour"].as_str())
        .unwrap_or("echo");
    let ret = |v: &Value| {
        if invoke {
            json!({"Return": {"ExecutedVersion": "$LATEST", "Payload": v, "StatusCode": 200}})
        } else {
            json!({"Return": v})
        }
    };
    let throw = || {
        let error = b["error"].as_str().unwrap_or("Exception");
        let mut cause = b["cause"].as_str().map(str::to_string);
        if invoke && !error.starts_with("Lambda.") {
            cause = cause.map(|c| match serde_json::from_str::<Value>(&c) {
                Ok(doc @ (Value::Object(_) | Value::Array(_))) => doc.to_string(),
                _ => c,
            });
        }
        let mut t = json!({"Error": error});
        if let Some(c) = cause {
            t["Cause"] = json!(c);
        }
        json!({"Throw": t})
    };
    match kind {
        "return" => Some(json!({"0": ret(&b["value"])})),
        "fail" => Some(json!({"0": throw()})),
        "fail_then_return" => {
            let n = b["failures"].as_u64().unwrap_or(0);
            let mut m = Map::new();
            if n > 0 {
                m.insert(
                    if n == 1 {
                        "0".into()
                    } else {
                        format!("0-{}", n - 1)
                    },
                    throw(),
                );
            }
            m.insert(n.to_string(), ret(&b["value"]));
            Some(Value::Object(m))
        }
        _ => None,
    }
}

struct Case {
    name: String,
    category: String,
    case: Value,
}

#[test]
fn run_reproduces_the_corpus_with_a_mock_config() {
    let dir = corpus();
    let mut cases = Vec::new();
    for category in std::fs::read_dir(&dir)
        .unwrap_or_else(|e| {
            panic!(
                "{}: {e}: the corpus is part of the repository: is the checkout complete?",
                dir.display()
            )
        })
        .flatten()
    {
        for file in std::fs::read_dir(category.path())
            .into_iter()
            .flatten()
            .flatten()
        {
            let case: Value =
                serde_json::from_str(&std::fs::read_to_string(file.path()).unwrap()).unwrap();
            cases.push(Case {
                name: case["name"].as_str().unwrap().to_string(),
                category: case["category"].as_str().unwrap().to_string(),
                case,
            });
        }
    }
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    let failing = expected_failures();
    let passing: Vec<&Case> = cases
        .iter()
        .filter(|c| !failing.contains(&c.name))
        .collect();

    // The sample: every case with Lambda resources, and an even spread of the rest of each
    // category (at least three, about one in eight).
    let mut by_category: BTreeMap<&str, Vec<&Case>> = BTreeMap::new();
    for c in &passing {
        by_category.entry(&c.category).or_default().push(c);
    }
    let mut sample: Vec<&Case> = Vec::new();
    for list in by_category.values() {
        let with_lambdas: Vec<&&Case> = list
            .iter()
            .filter(|c| {
                c.case["resources"]
                    .as_object()
                    .is_some_and(|r| !r.is_empty())
            })
            .collect();
        sample.extend(with_lambdas.iter().map(|c| **c));
        let rest: Vec<&&Case> = list
            .iter()
            .filter(|c| !with_lambdas.iter().any(|w| w.name == c.name))
            .collect();
        let want = (rest.len() / 8).max(3).min(rest.len());
        for i in 0..want {
            sample.push(rest[i * rest.len() / want]);
        }
    }

    // One MockConfigFile for the whole sample.
    let mut machines = Map::new();
    let mut responses = Map::new();
    let mut binds: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in &sample {
        let Some(resources) = c.case["resources"].as_object() else {
            continue;
        };
        let Some(states) = c.case["definition"]["States"].as_object() else {
            continue;
        };
        let mut found = Vec::new();
        tasks(states, &mut found);
        let mut test_case = Map::new();
        for (state, resource, function) in found {
            let invoke = resource.starts_with("arn:aws:states:::lambda:invoke");
            let key = if invoke {
                // A FunctionName from the input: the case's only function.
                function.or_else(|| {
                    (resources.len() == 1).then(|| resources.keys().next().unwrap().clone())
                })
            } else {
                Some(resource.clone())
            };
            let Some((name, b)) = key.as_deref().and_then(|k| behaviour(resources, k)) else {
                continue;
            };
            match mocked(b, invoke) {
                Some(answers) => {
                    let response = format!("{}.{state}", c.name);
                    responses.insert(response.clone(), answers);
                    test_case.insert(state, json!(response));
                }
                None => binds
                    .entry(c.name.clone())
                    .or_default()
                    .push(format!("{name}=cat")),
            }
        }
        machines.insert(
            c.name.clone(),
            json!({"TestCases": {"Recorded": test_case}}),
        );
    }
    let work = std::env::temp_dir().join(format!("workflow-conformance-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let mock_path = work.join("MockConfigFile.json");
    std::fs::write(
        &mock_path,
        serde_json::to_string_pretty(
            &json!({"StateMachines": machines, "MockedResponses": responses}),
        )
        .unwrap(),
    )
    .unwrap();

    let mut failures = Vec::new();
    let mut per_category: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, c) in sample.iter().enumerate() {
        *per_category.entry(&c.category).or_default() += 1;
        let case = &c.case;
        let notes = case["notes"].as_str().unwrap_or("");
        let definition = match &case["definition"] {
            Value::String(s) => s.clone(),
            other => serde_json::to_string_pretty(other).unwrap(),
        };
        let file = work.join(format!("case{i}.asl.json"));
        std::fs::write(&file, &definition).unwrap();
        let express = notes.contains("EXPRESS");
        let machine_type = if express { "express" } else { "standard" };
        let expected = &case["expected"];
        if expected["status"] == "INVALID_DEFINITION" {
            let o = Command::new(env!("CARGO_BIN_EXE_workflow"))
                .args(["validate", "--type", machine_type, "--format", "json"])
                .arg(&file)
                .output()
                .unwrap();
            if o.status.code() != Some(1) {
                failures.push(format!(
                    "{}: validate exited {:?}, expected 1",
                    c.name,
                    o.status.code()
                ));
            }
            continue;
        }
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_workflow"));
        cmd.arg("run")
            .arg(&file)
            .args([
                "--input",
                &case["input"].to_string(),
                "--format",
                "json",
                "--time-scale",
                "0",
            ])
            .args([
                "--type",
                machine_type,
                "--account",
                "111111111111",
                "--region",
                "us-east-1",
                "--seed",
                "42",
            ])
            .arg("--mock-config")
            .arg(&mock_path)
            .args(["--state-machine", &c.name, "--test-case", "Recorded"]);
        for b in binds.get(&c.name).into_iter().flatten() {
            cmd.args(["--bind", b]);
        }
        let o = cmd.output().unwrap();
        let stdout = String::from_utf8_lossy(&o.stdout);
        let Ok(actual) = serde_json::from_str::<Value>(&stdout) else {
            failures.push(format!(
                "{}: not one JSON object on stdout: {stdout} {}",
                c.name,
                String::from_utf8_lossy(&o.stderr)
            ));
            continue;
        };
        let ph = placeholders(notes);
        let ok = match expected["status"].as_str() {
            Some("SUCCEEDED") => {
                actual["status"] == "SUCCEEDED"
                    && json_matches(&expected["output"], &actual["output"], &ph)
                    && o.status.code() == Some(0)
            }
            Some("FAILED") => {
                let cause_ok = cause_matches(
                    expected["cause"].as_str(),
                    actual["cause"].as_str(),
                    notes,
                    &ph,
                );
                actual["status"] == "FAILED"
                    && actual.get("error") == expected.get("error")
                    && cause_ok
                    && o.status.code() == Some(1)
            }
            _ => false,
        };
        if !ok {
            failures.push(format!("{}: got {actual} expected {expected}", c.name));
        }
    }
    println!(
        "{} cases through the binary: {per_category:?}",
        sample.len()
    );
    assert!(sample.len() >= 60, "only {} cases sampled", sample.len());
    for category in by_category.keys() {
        assert!(
            per_category.contains_key(category),
            "no case of {category} was run"
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        sample.len(),
        failures.join("\n")
    );
}
