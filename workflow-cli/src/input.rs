//! Reading files and definitions, with one clear line for what is wrong.
//!
//! Every read is bounded: a file (or standard input) is read at most one byte past its
//! limit, so an endless source such as `/dev/zero` is refused at once instead of filling
//! the memory.

use std::io::Read;
use std::path::Path;

use anyhow::Context;
use serde_json::Value;
use workflow_core::definition::Definition;
use workflow_core::diagnostic::{Diagnostic, Diagnostics, codes};
use workflow_core::model::{StateKind, States};
use workflow_core::plan::CompileOptions;

/// AWS's limit on a definition: 1,048,576 characters (the `definition` of CreateStateMachine
/// in AWS's API model; the quotas page calls it 1 MB).
pub const DEFINITION_MAX_CHARS: usize = 1_048_576;

/// The most bytes read of a definition: 1,048,576 characters take at most four bytes each.
const DEFINITION_MAX_BYTES: u64 = 4 * DEFINITION_MAX_CHARS as u64;

/// AWS's limit on an execution input, in bytes of its text (StartExecution's `input`).
pub const INPUT_MAX_BYTES: u64 = workflow_core::execution::PAYLOAD_LIMIT_BYTES as u64;

/// The most read of a file AWS sets no limit on: a saved history, a mock config, a price
/// table. AWS bounds a history only by its 25,000 events of up to 256 KiB each (6.4 GB), far
/// more than a table on a terminal needs; 64 MiB holds a whole 25,000-event history of events
/// averaging 2.6 KB, while the parsed document stays well under 1 GiB of memory.
pub const DATA_FILE_MAX_BYTES: u64 = 64 * 1024 * 1024;

/// Reads `source` to its end, or returns `None` once it holds more than `limit` bytes: at
/// most `limit + 1` bytes are ever read.
fn read_at_most(source: impl Read, limit: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    source
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= limit).then_some(bytes))
}

/// Reads the file at `path` up to `limit` bytes; `None` when it is larger.
fn read_file_at_most(path: &Path, limit: u64) -> anyhow::Result<Option<Vec<u8>>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
    read_at_most(file, limit).with_context(|| format!("cannot read {}", path.display()))
}

/// Reads a text file of at most [`DATA_FILE_MAX_BYTES`], or fails with a one-line reason.
pub fn read(path: &Path) -> anyhow::Result<String> {
    let Some(bytes) = read_file_at_most(path, DATA_FILE_MAX_BYTES)? else {
        anyhow::bail!(
            "{} is larger than 64 MiB, the most `workflow` reads of a history, a mock config or a price table",
            path.display()
        );
    };
    String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("{} is not UTF-8 text", path.display()))
}

/// Reads a definition file: one that cannot be read is the command's problem (exit 2), one
/// that is not text or is over AWS's size limit is the definition's ([`DefinitionProblem`],
/// exit 1), like one that is not JSON.
pub fn read_definition(path: &Path) -> anyhow::Result<String> {
    let problem = |why: &str| -> anyhow::Error {
        DefinitionProblem {
            message: format!("{} {why}", path.display()),
            file: path.display().to_string(),
            source: String::new(),
            diagnostics: Vec::new(),
        }
        .into()
    };
    let too_large = "is larger than 1,048,576 characters, AWS's limit for a definition";
    let bytes = read_file_at_most(path, DEFINITION_MAX_BYTES)?.ok_or_else(|| problem(too_large))?;
    let text =
        String::from_utf8(bytes).map_err(|_| problem("is not JSON: it is not UTF-8 text"))?;
    // Counting stops at the first character past the limit.
    if text.chars().nth(DEFINITION_MAX_CHARS).is_some() {
        return Err(problem(too_large));
    }
    Ok(text)
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

/// Reads `--input`: inline JSON, `@file`, or `-` for stdin. A file or stdin larger than AWS's
/// limit for an execution input ([`INPUT_MAX_BYTES`]) is refused unread.
pub fn json_argument(arg: &str, what: &str) -> anyhow::Result<Value> {
    let (bytes, source) = if let Some(path) = arg.strip_prefix('@') {
        (
            read_file_at_most(Path::new(path), INPUT_MAX_BYTES)?,
            path.to_string(),
        )
    } else if arg == "-" {
        let bytes = read_at_most(std::io::stdin().lock(), INPUT_MAX_BYTES)
            .context("cannot read standard input")?;
        (bytes, "standard input".to_string())
    } else {
        return serde_json::from_str(arg).map_err(|e| {
            anyhow::anyhow!(
                "the {what} is not JSON: {}",
                workflow_core::nesting::parse_error_message(&e)
            )
        });
    };
    let Some(bytes) = bytes else {
        anyhow::bail!("{source} is larger than 262,144 bytes, AWS's limit for an execution input");
    };
    serde_json::from_slice(&bytes).map_err(|e| {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stop_one_byte_past_the_limit() {
        assert_eq!(read_at_most(&b"abc"[..], 3).unwrap(), Some(b"abc".to_vec()));
        assert_eq!(read_at_most(&b"abcd"[..], 3).unwrap(), None);
        assert_eq!(read_at_most(&b""[..], 0).unwrap(), Some(Vec::new()));
        // An endless source (what /dev/zero is) ends the read at limit + 1 bytes.
        let mut endless = std::io::repeat(0);
        assert_eq!(read_at_most(&mut endless, 1 << 20).unwrap(), None);
    }

    #[test]
    fn a_definition_is_limited_in_characters_not_bytes() {
        // AWS counts characters: 1,048,576 two-byte characters (2 MiB) are within the limit,
        // one more is not.
        let dir = std::env::temp_dir().join(format!("workflow-input-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let at_limit = dir.join("at-limit.json");
        std::fs::write(&at_limit, "é".repeat(DEFINITION_MAX_CHARS)).unwrap();
        assert_eq!(
            read_definition(&at_limit).unwrap().chars().count(),
            DEFINITION_MAX_CHARS
        );
        let over = dir.join("over.json");
        std::fs::write(&over, "é".repeat(DEFINITION_MAX_CHARS + 1)).unwrap();
        let e = read_definition(&over).unwrap_err();
        assert!(e.downcast_ref::<DefinitionProblem>().is_some(), "{e}");
        assert!(
            e.to_string()
                .ends_with("is larger than 1,048,576 characters, AWS's limit for a definition"),
            "{e}"
        );
    }
}
