//! The conformance runner: every case of the AWS-recorded corpus under
//! `tests/conformance/cases`, run natively and compared with what AWS Step Functions did.
//!
//! `cargo test --release --test conformance -- --nocapture` prints one line per category and a
//! last line `conformance: N passed, M failed`. Cases that do not pass yet are listed, each
//! with a reason, in `tests/conformance/expected-failures.txt`; the run fails when a case
//! outside that list fails, or when a case on it passes (so the list only shrinks).
//!
//! With `WORKFLOW_CONFORMANCE_DIR=<dir>` it runs that folder (laid out like `cases/`) in
//! report mode: no list, every failing case printed with a one-line diff.
//!
//! Arguments that do not start with `-` filter cases by name (substring match).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use serde_json::Value;
use workflow::core::definition::Definition;
use workflow::core::plan::{CompileOptions, MachineType};
use workflow::runtime::{ExecutionStatus, LoadError, LoadOptions, Runtime, TaskContext, TaskError};

#[path = "support/recording.rs"]
mod recording;
use recording::{cause_matches, json_matches, placeholders};

const LIST: &str = "tests/conformance/expected-failures.txt";

struct Case {
    name: String,
    category: String,
    case: Value,
}

fn load_cases(dir: &Path) -> Vec<Case> {
    let mut cases = Vec::new();
    let Ok(categories) = std::fs::read_dir(dir) else {
        return cases;
    };
    for category in categories.flatten() {
        let category_path = category.path();
        if !category_path.is_dir() {
            continue;
        }
        let category_name = category.file_name().to_string_lossy().to_string();
        for file in std::fs::read_dir(&category_path)
            .into_iter()
            .flatten()
            .flatten()
        {
            let path = file.path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let stem = path
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .to_string();
            let text = match std::fs::read_to_string(&path) {
                Ok(t) => t,
                Err(e) => {
                    eprintln!("cannot read {}: {e}", path.display());
                    continue;
                }
            };
            match serde_json::from_str::<Value>(&text) {
                Ok(case) => cases.push(Case {
                    name: format!("{category_name}/{stem}"),
                    category: category_name.clone(),
                    case,
                }),
                Err(e) => eprintln!("cannot parse {}: {e}", path.display()),
            }
        }
    }
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    cases
}

fn short(v: &impl std::fmt::Display) -> String {
    let s = v.to_string();
    if s.chars().count() > 300 {
        format!("{}...", s.chars().take(300).collect::<String>())
    } else {
        s
    }
}

fn binding(behaviour: &Value) -> impl workflow::runtime::TaskHandler {
    let behaviour = behaviour.clone();
    let calls = Arc::new(AtomicU32::new(0));
    move |input: Value, _ctx: TaskContext| {
        let behaviour = behaviour.clone();
        let call = calls.fetch_add(1, Ordering::SeqCst);
        async move {
            let kind = behaviour["behavior"]
                .as_str()
                .or_else(|| behaviour["behaviour"].as_str())
                .unwrap_or("echo");
            let fail = || TaskError {
                error: behaviour["error"]
                    .as_str()
                    .unwrap_or("Exception")
                    .to_string(),
                cause: behaviour["cause"].as_str().map(str::to_string),
            };
            match kind {
                "echo" => Ok(input),
                "return" => Ok(behaviour["value"].clone()),
                "fail" => Err(fail()),
                "fail_then_return" => {
                    if u64::from(call) < behaviour["failures"].as_u64().unwrap_or(0) {
                        Err(fail())
                    } else {
                        Ok(behaviour["value"].clone())
                    }
                }
                other => Err(TaskError::new(
                    "Conformance.UnknownBehaviour",
                    format!("the corpus names an unknown behaviour '{other}'"),
                )),
            }
        }
    }
}

fn machine_type(notes: &str) -> MachineType {
    if notes.contains("EXPRESS") {
        MachineType::Express
    } else {
        MachineType::Standard
    }
}

fn definition_text(case: &Value) -> String {
    match &case["definition"] {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Runs one case; `Err` carries a one-line diff.
fn run_case(case: &Value, rt: &tokio::runtime::Runtime) -> Result<(), String> {
    let notes = case["notes"].as_str().unwrap_or_default();
    let expected = &case["expected"];
    let text = definition_text(case);
    let options = LoadOptions::default()
        .name("ConformanceMachine")
        .machine_type(machine_type(notes));
    if expected["status"] == "INVALID_DEFINITION" {
        let compile = CompileOptions {
            machine_type: options.machine_type,
        };
        return match Definition::from_json_str(&text, &compile) {
            Ok(_) => Err(format!(
                "accepted a definition AWS rejected with: {}",
                short(&expected["message"])
            )),
            Err(_) => Ok(()),
        };
    }
    let runtime = Runtime::builder()
        .seed(42)
        .region("us-east-1")
        .account("111111111111")
        .build();
    if let Some(resources) = case["resources"].as_object() {
        for (key, behaviour) in resources {
            runtime.bind_lambda(key, binding(behaviour));
        }
    }
    let workflow = match runtime.load_with(&text, &options) {
        Ok(w) => w,
        Err(LoadError::Unsupported(d)) => {
            return Err(format!("unsupported: {}", short(&d.0[0].message)));
        }
        Err(LoadError::Invalid(d)) => return Err(format!("rejected a valid definition: {d}")),
        Err(other) => return Err(format!("not loaded: {other}")),
    };
    let input = case["input"].clone();
    let (status, history) = rt.block_on(async {
        let execution = runtime
            .start(&workflow, input)
            .await
            .map_err(|e| format!("could not start: {e}"))?;
        // Paused time: long waits pass at once; this only catches an execution that waits
        // for something that never comes.
        let status = tokio::time::timeout(
            Duration::from_secs(2 * 366 * 24 * 3600),
            execution.outcome(),
        )
        .await
        .map_err(|_| "the execution never finished".to_string())?;
        Ok::<_, String>((status, execution.history().await))
    })?;
    let placeholders = placeholders(notes);
    let expected_status = expected["status"].as_str().unwrap_or_default();
    match (&status, expected_status) {
        (ExecutionStatus::Succeeded(output), "SUCCEEDED") => {
            if !json_matches(&expected["output"], output, &placeholders) {
                return Err(format!(
                    "output {} expected {}",
                    short(output),
                    short(&expected["output"])
                ));
            }
        }
        (ExecutionStatus::Failed(failure), "FAILED") => {
            let expected_error = expected["error"].as_str();
            if failure.error.as_deref() != expected_error {
                return Err(format!(
                    "error {:?} expected {:?} (cause {:?})",
                    failure.error,
                    expected_error,
                    failure.cause.as_deref().map(|c| short(&c))
                ));
            }
            let expected_cause = expected["cause"].as_str();
            if !cause_matches(
                expected_cause,
                failure.cause.as_deref(),
                notes,
                &placeholders,
            ) {
                return Err(format!(
                    "cause {:?} expected {:?}",
                    failure.cause.as_deref().map(|c| short(&c)),
                    expected_cause.map(|c| short(&c))
                ));
            }
        }
        (actual, _) => {
            let detail = match actual {
                ExecutionStatus::Succeeded(o) => format!("output {}", short(o)),
                other => format!(
                    "{:?}",
                    other.failure().map(|f| (f.error.clone(), f.cause.clone()))
                ),
            };
            return Err(format!(
                "status {} expected {expected_status}: {detail}",
                actual.as_str()
            ));
        }
    }
    let recorded: Vec<&str> = case["history"]
        .as_array()
        .map(|h| h.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if !recorded.is_empty() {
        let ours: Vec<&str> = history.iter().map(|e| e.event_type.as_str()).collect();
        if ours != recorded {
            let reordered = notes.contains("re-ordered when recorded")
                || notes.contains("may interleave differently");
            let multiset = |events: &[&str]| {
                let mut m: BTreeMap<String, usize> = BTreeMap::new();
                for e in events {
                    *m.entry((*e).to_string()).or_default() += 1;
                }
                m
            };
            if !(reordered && multiset(&ours) == multiset(&recorded)) {
                let first = ours
                    .iter()
                    .zip(&recorded)
                    .position(|(a, b)| a != b)
                    .unwrap_or(ours.len().min(recorded.len()));
                return Err(format!(
                    "history differs at event {}: ours {:?} recorded {:?} (ours has {} events, recorded {})",
                    first + 1,
                    ours.get(first),
                    recorded.get(first),
                    ours.len(),
                    recorded.len()
                ));
            }
        }
    }
    Ok(())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let filters: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
    let report_dir = std::env::var_os("WORKFLOW_CONFORMANCE_DIR").map(PathBuf::from);
    let report_mode = report_dir.is_some();
    let dir = report_dir.unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/conformance/cases")
    });
    let cases = load_cases(&dir);
    if cases.is_empty() {
        eprintln!(
            "no conformance cases found under {}: the corpus is part of the repository: is the checkout complete?",
            dir.display()
        );
        std::process::exit(if report_mode { 1 } else { 2 });
    }
    let list: HashMap<String, String> = if report_mode {
        HashMap::new()
    } else {
        std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(LIST))
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .map(|l| match l.split_once(char::is_whitespace) {
                Some((name, reason)) => (name.trim().to_string(), reason.trim().to_string()),
                None => (l.trim().to_string(), String::new()),
            })
            .collect()
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a tokio runtime");
    let mut per_category: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut passed = 0;
    let mut failed = 0;
    let mut unexpected = Vec::new();
    let mut stale = Vec::new();
    for case in &cases {
        if !filters.is_empty() && !filters.iter().any(|f| case.name.contains(f.as_str())) {
            continue;
        }
        let result =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run_case(&case.case, &rt)))
                .unwrap_or_else(|_| Err("the runner panicked".to_string()));
        let entry = per_category.entry(case.category.clone()).or_default();
        entry.1 += 1;
        match result {
            Ok(()) => {
                passed += 1;
                entry.0 += 1;
                if list.contains_key(&case.name) {
                    stale.push(case.name.clone());
                }
            }
            Err(diff) => {
                failed += 1;
                if report_mode {
                    println!("FAIL {}: {diff}", case.name);
                } else if !list.contains_key(&case.name) {
                    unexpected.push(format!("{}: {diff}", case.name));
                }
            }
        }
    }
    for (category, (p, t)) in &per_category {
        println!("{category}: {p}/{t}");
    }
    println!("conformance: {passed} passed, {failed} failed");
    if report_mode {
        return;
    }
    let missing: Vec<&String> = list
        .keys()
        .filter(|name| filters.is_empty() && !cases.iter().any(|c| &c.name == *name))
        .collect();
    let mut ok = true;
    if !unexpected.is_empty() {
        ok = false;
        println!(
            "\n{} case(s) failed that are not in {LIST}:",
            unexpected.len()
        );
        for u in &unexpected {
            println!("  {u}");
        }
    }
    if !stale.is_empty() {
        ok = false;
        println!(
            "\n{} case(s) in {LIST} now pass: remove them from the list:",
            stale.len()
        );
        for s in &stale {
            println!("  {s}");
        }
    }
    if !missing.is_empty() {
        ok = false;
        println!(
            "\n{} case(s) in {LIST} do not exist in the corpus:",
            missing.len()
        );
        for m in missing {
            println!("  {m}");
        }
    }
    if !ok {
        std::process::exit(1);
    }
}
