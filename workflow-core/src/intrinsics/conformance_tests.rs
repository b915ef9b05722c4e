//! Replays every `intrinsic_functions` case of the conformance corpus (recorded on AWS): each
//! is a machine of Pass states whose Parameters call intrinsic functions. A minimal Pass state
//! (Parameters, ResultPath, OutputPath) is enough to run them here.

use std::path::PathBuf;

use serde_json::{Map, Value, json};

use super::{IntrinsicCall, is_intrinsic_call};
use crate::entropy::SplitMix64;
use crate::path::{Env, Path, write_reference};

const CASES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/conformance/cases");

/// The state machine and execution the cases run as. Hyphens in the machine name matter:
/// `nested_calls_*` split it at `-`.
const MACHINE: &str = "IntrinsicMachine-abc-xyz";
const EXECUTION: &str = "0b5e8a6c-9c7e-4a52-9d0e-3f2b1c4d5e6f";

fn context(input: &Value, state: &str) -> Value {
    json!({
        "Execution": {
            "Id": format!("arn:aws:states:us-east-1:111111111111:execution:{MACHINE}:{EXECUTION}"),
            "Input": input,
            "Name": EXECUTION,
            "RoleArn": "arn:aws:iam::111111111111:role/StepFunctionsRole",
            "StartTime": "2024-01-01T00:00:00.000Z",
        },
        "StateMachine": {
            "Id": format!("arn:aws:states:us-east-1:111111111111:stateMachine:{MACHINE}"),
            "Name": MACHINE,
        },
        "State": {"EnteredTime": "2024-01-01T00:00:00.000Z", "Name": state, "RetryCount": 0},
    })
}

/// A payload template: `.$` members are paths or intrinsic calls, others are copied (objects
/// are walked).
fn template(value: &Value, env: &Env<'_>, entropy: &mut SplitMix64) -> Result<Value, String> {
    let Value::Object(map) = value else {
        return Ok(value.clone());
    };
    let mut out = Map::new();
    for (key, v) in map {
        if let Some(name) = key.strip_suffix(".$") {
            let text = v.as_str().ok_or_else(|| format!("{key} is not a string"))?;
            let result = if is_intrinsic_call(text) {
                let call = IntrinsicCall::parse(text).map_err(|e| format!("{text}: {e}"))?;
                call.evaluate(env, entropy)
                    .map_err(|e| format!("{text}: {e}"))?
            } else {
                Path::parse(text)
                    .map_err(|e| e.to_string())?
                    .select_owned(env)
                    .map_err(|e| format!("{text}: {e}"))?
            };
            out.insert(name.to_string(), result);
        } else {
            out.insert(key.clone(), template(v, env, entropy)?);
        }
    }
    Ok(Value::Object(out))
}

/// Runs a machine made of Pass states.
fn run(definition: &Value, input: &Value) -> Result<Value, String> {
    let states = definition["States"].as_object().ok_or("no States")?;
    let mut name = definition["StartAt"]
        .as_str()
        .ok_or("no StartAt")?
        .to_string();
    let mut data = input.clone();
    let variables = Map::new();
    let mut entropy = SplitMix64(0x5EED);
    loop {
        let state = &states[&name];
        if state["Type"] != "Pass" {
            return Err(format!("state {name} is not a Pass state"));
        }
        let ctx = context(input, &name);
        let env = Env {
            input: &data,
            context: &ctx,
            variables: &variables,
        };
        let result = match state.get("Parameters") {
            Some(p) => template(p, &env, &mut entropy)?,
            None => data.clone(),
        };
        match state.get("ResultPath").and_then(Value::as_str) {
            None | Some("$") => data = result,
            Some(path) => {
                let path = Path::parse(path).map_err(|e| e.to_string())?;
                write_reference(&mut data, path.segments(), result)
                    .map_err(|e| format!("ResultPath: {e:?}"))?;
            }
        }
        if let Some(path) = state.get("OutputPath").and_then(Value::as_str) {
            data = Path::parse(path)
                .map_err(|e| e.to_string())?
                .select_owned(&Env::document(&data))
                .map_err(|e| e.to_string())?;
        }
        if state["End"] == true {
            return Ok(data);
        }
        name = state["Next"].as_str().ok_or("no Next")?.to_string();
    }
}

/// The placeholders a case's notes list: `... recording placeholders (<A>, B) ...`.
fn placeholders(notes: &str) -> Vec<String> {
    let Some(start) = notes.find("placeholders (") else {
        return Vec::new();
    };
    let rest = &notes[start + "placeholders (".len()..];
    let end = rest.find(')').unwrap_or(rest.len());
    rest[..end].split(", ").map(str::to_string).collect()
}

/// Whether `actual` can be obtained from `pattern` by replacing each placeholder with some
/// text.
fn glob(pattern: &str, actual: &str, holes: &[String]) -> bool {
    if pattern.is_empty() {
        return actual.is_empty();
    }
    if let Some(hole) = holes.iter().find(|h| pattern.starts_with(h.as_str())) {
        let rest = &pattern[hole.len()..];
        return actual
            .char_indices()
            .map(|(i, _)| i)
            .chain([actual.len()])
            .any(|i| glob(rest, &actual[i..], holes));
    }
    let c = pattern.chars().next().unwrap_or_default();
    actual.starts_with(c) && glob(&pattern[c.len_utf8()..], &actual[c.len_utf8()..], holes)
}

fn matches(expected: &Value, actual: &Value, holes: &[String]) -> bool {
    match (expected, actual) {
        (Value::String(e), _) if holes.iter().any(|h| h == e) => true,
        (Value::String(e), Value::String(a)) => glob(e, a, holes),
        (Value::Array(e), Value::Array(a)) => {
            e.len() == a.len() && e.iter().zip(a).all(|(e, a)| matches(e, a, holes))
        }
        (Value::Object(e), Value::Object(a)) => {
            e.len() == a.len()
                && e.iter()
                    .all(|(k, e)| a.get(k).is_some_and(|a| matches(e, a, holes)))
        }
        _ => expected == actual,
    }
}

fn case_files(category: &str) -> Option<Vec<PathBuf>> {
    let dir = PathBuf::from(CASES).join(category);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    Some(files)
}

#[test]
fn glob_matching() {
    let holes = vec!["<A>".to_string(), "R".to_string()];
    assert!(glob("x=<A>.", "x=anything.", &holes));
    assert!(glob("x=<A>.", "x=.", &holes));
    assert!(!glob("x=<A>.", "x=abc", &holes));
    assert!(glob("<A>-<A>", "a-b-c", &holes));
    assert!(matches(&json!("R"), &json!(42), &holes));
    assert!(!matches(&json!(3), &json!(3.0), &holes));
    assert!(matches(
        &json!({"a": [1, "<A>"]}),
        &json!({"a": [1, "z"]}),
        &holes
    ));
}

#[test]
fn replays_recorded_intrinsic_function_cases() {
    let files = case_files("intrinsic_functions").unwrap_or_else(|| panic!("{CASES}: the conformance corpus (tests/conformance/cases) is missing from the repository"));
    assert!(!files.is_empty(), "no cases in {CASES}/intrinsic_functions");
    let mut failures = Vec::new();
    for file in &files {
        let case: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let name = case["name"].as_str().unwrap_or("?");
        let expected = &case["expected"];
        assert_eq!(
            expected["status"], "SUCCEEDED",
            "{name}: only successes are recorded"
        );
        let holes = placeholders(case["notes"].as_str().unwrap_or(""));
        match run(&case["definition"], &case["input"]) {
            Ok(output) if matches(&expected["output"], &output, &holes) => {}
            Ok(output) => failures.push(format!(
                "{name}: expected {}, got {output}",
                expected["output"]
            )),
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    assert_eq!(
        files.len(),
        88,
        "the corpus has 88 intrinsic_functions cases"
    );
}

#[test]
fn placeholder_cases_give_the_values_they_stand_for() {
    // Where the recording hides a value, check the real one against the run's names.
    let files = case_files("intrinsic_functions").unwrap_or_else(|| panic!("{CASES}: the conformance corpus (tests/conformance/cases) is missing from the repository"));
    let find = |id: &str| -> Value {
        let file = files
            .iter()
            .find(|f| f.file_stem().is_some_and(|s| s == id))
            .unwrap_or_else(|| panic!("case {id} is missing"));
        serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap()
    };
    let output = |id: &str| {
        let case = find(id);
        run(&case["definition"], &case["input"]).unwrap()["FunctionResult"].clone()
    };
    assert_eq!(output("nested_calls_1"), json!("IntrinsicMachine"));
    assert_eq!(output("nested_calls_2"), json!("xyz"));
    assert_eq!(
        output("context_json_path"),
        json!(format!(
            "Formatting arguments fst={EXECUTION} and snd={{Id=arn:aws:states:us-east-1:111111111111:stateMachine:{MACHINE}, Name={MACHINE}}}."
        ))
    );
    let random = output("math_random__00").as_i64().unwrap();
    assert!((13..45).contains(&random), "{random}");
}

#[test]
fn definitions_aws_rejected_do_not_parse() {
    // invalid_definition/illegal_escapes_*: AWS refused these intrinsic calls.
    let files = case_files("invalid_definition").unwrap_or_else(|| panic!("{CASES}: the conformance corpus (tests/conformance/cases) is missing from the repository"));
    let mut seen = 0;
    for file in files {
        let stem = file.file_stem().unwrap().to_string_lossy().to_string();
        if !stem.contains("intrinsic") {
            continue;
        }
        let case: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let text = case["definition"]["States"]["IntrinsicEscape"]["Parameters"]["parsed.$"]
            .as_str()
            .unwrap_or_else(|| panic!("{stem}: unexpected shape"));
        assert!(is_intrinsic_call(text));
        assert!(IntrinsicCall::parse(text).is_err(), "{stem}: {text} parsed");
        seen += 1;
    }
    assert_eq!(seen, 2);
}
