//! Reading files and definitions, with one clear line for what is wrong.

use std::path::Path;

use anyhow::Context;
use serde_json::Value;
use workflow_core::definition::Definition;
use workflow_core::diagnostic::{Diagnostic, Diagnostics, codes};
use workflow_core::model::{StateKind, States};
use workflow_core::plan::CompileOptions;

/// Reads a text file, or fails with a one-line reason.
pub fn read(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("{} is not UTF-8 text", path.display()))
}

/// Reads a definition file: one that cannot be read is the command's problem (exit 2), one
/// that is not text is the definition's ([`DefinitionProblem`], exit 1), like one that is not
/// JSON.
pub fn read_definition(path: &Path) -> anyhow::Result<String> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    String::from_utf8(bytes).map_err(|_| {
        DefinitionProblem {
            message: format!("{} is not JSON: it is not UTF-8 text", path.display()),
            file: path.display().to_string(),
            source: String::new(),
            diagnostics: Vec::new(),
        }
        .into()
    })
}

/// The exit code for a definition file that could not be read or is not text.
pub fn read_failure_code(e: &anyhow::Error) -> u8 {
    if e.downcast_ref::<DefinitionProblem>().is_some() {
        crate::exit::PROBLEMS
    } else {
        crate::exit::USAGE
    }
}

/// What a file turned out to be.
pub enum Loaded {
    /// A valid definition.
    Valid(Box<Definition>),
    /// A state machine with problems (every one listed).
    Invalid(Diagnostics),
    /// Not JSON at all: one diagnostic (`invalid-json`) with where the syntax broke.
    NotJson(Diagnostic),
    /// JSON, but not a state machine: why, in one line.
    NotStateMachine(String),
}

/// The diagnostic code for a JSON document that is not a state machine.
pub const NOT_A_STATE_MACHINE: &str = "not-a-state-machine";

/// Parses and validates a definition's text.
pub fn load(text: &str, options: &CompileOptions) -> Loaded {
    match serde_json::from_str::<Value>(text) {
        Err(_) => {
            // The core parser gives the same error with its location.
            match Definition::from_json_str(text, options) {
                Err(d) if d.0.len() == 1 && d.0[0].code == codes::INVALID_JSON => {
                    Loaded::NotJson(d.0[0].clone())
                }
                Err(d) => Loaded::Invalid(d),
                Ok(def) => Loaded::Valid(Box::new(def)),
            }
        }
        Ok(Value::Object(map)) => {
            if !map.contains_key("StartAt") && !map.contains_key("States") {
                return Loaded::NotStateMachine(
                    "it is a JSON object with neither 'StartAt' nor 'States'".to_string(),
                );
            }
            match Definition::from_json_str(text, options) {
                Ok(def) => Loaded::Valid(Box::new(def)),
                Err(d) => Loaded::Invalid(d),
            }
        }
        Ok(other) => Loaded::NotStateMachine(format!(
            "it is a JSON {}, not an object with 'StartAt' and 'States'",
            json_kind(&other)
        )),
    }
}

/// A definition that is not JSON, not a state machine, or not valid: the command's answer
/// is "the definition has problems" (exit 1), as for `validate`, not "could not work" (2).
/// The problems go with it, for the caller to show (rustc-style, or in JSON).
#[derive(Debug)]
pub struct DefinitionProblem {
    /// One line: what is wrong.
    pub message: String,
    /// The file, as named on the command line.
    pub file: String,
    /// Its text.
    pub source: String,
    /// Every problem (one for a file that is not JSON; none for one that is not a state
    /// machine).
    pub diagnostics: Vec<Diagnostic>,
}

impl std::fmt::Display for DefinitionProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DefinitionProblem {}

/// Reads and validates a definition, failing with a one-line reason or a
/// [`DefinitionProblem`] that lists every problem.
pub fn definition(path: &Path, options: &CompileOptions) -> anyhow::Result<(String, Definition)> {
    let text = read_definition(path)?;
    let (message, diagnostics) = match load(&text, options) {
        Loaded::Valid(def) => return Ok((text, *def)),
        Loaded::NotJson(d) => (not_json_line(path, &d), vec![d]),
        Loaded::NotStateMachine(why) => (
            format!("{} is not a state machine: {why}", path.display()),
            Vec::new(),
        ),
        Loaded::Invalid(d) => (
            format!(
                "{} is not a valid state machine ({} problem{})",
                path.display(),
                d.0.len(),
                if d.0.len() == 1 { "" } else { "s" }
            ),
            d.0,
        ),
    };
    Err(DefinitionProblem {
        message,
        file: path.display().to_string(),
        source: text,
        diagnostics,
    }
    .into())
}

/// `file:line:column: not JSON: <reason>`.
pub fn not_json_line(path: &Path, d: &Diagnostic) -> String {
    let reason = d
        .message
        .strip_prefix("The definition is not valid JSON: ")
        .unwrap_or(&d.message);
    // serde_json ends its messages with the position, which the prefix already gives.
    let reason = match reason.rfind(" at line ") {
        Some(i) if d.location.is_some() => &reason[..i],
        _ => reason,
    };
    match d.location {
        Some(loc) => format!(
            "{}:{}:{}: not JSON: {reason}",
            path.display(),
            loc.line,
            loc.column
        ),
        None => format!("{}: not JSON: {reason}", path.display()),
    }
}

/// `an array`, `a string`, ...
pub fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Reads `--input`: inline JSON, `@file`, or `-` for stdin.
pub fn json_argument(arg: &str, what: &str) -> anyhow::Result<Value> {
    let (text, source) = if let Some(path) = arg.strip_prefix('@') {
        (read(Path::new(path))?, path.to_string())
    } else if arg == "-" {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut std::io::stdin(), &mut s)
            .context("cannot read standard input")?;
        (s, "standard input".to_string())
    } else {
        (arg.to_string(), format!("the {what}"))
    };
    serde_json::from_str(&text).map_err(|e| {
        anyhow::anyhow!(
            "{source} is not JSON: {}",
            workflow_core::nesting::parse_error_message(&e)
        )
    })
}

/// Every state of a machine, nested ones included.
pub fn count_states(states: &States) -> usize {
    states
        .values()
        .map(|s| {
            1 + match &s.kind {
                StateKind::Parallel(p) => p.branches.iter().map(|b| count_states(&b.states)).sum(),
                StateKind::Map(m) => count_states(&m.item_processor.states),
                _ => 0,
            }
        })
        .sum()
}
