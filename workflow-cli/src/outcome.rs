//! An execution's outcome, shown one way by every command that runs or stops one (`run`,
//! `resume`, `redrive`, `stop`): for people its status in its colour, then its output or
//! its error and cause; for scripts `{"executionArn", "status", "output" | "error",
//! "cause"}`.

use std::io::Write;

use serde_json::{Map, Value};
use workflow_runtime::ExecutionStatus;
use workflow_runtime::store::{ExecutionRecord, Status};

use crate::render::{BOLD, ERROR, GOOD, WARNING};

/// What the commands show of an execution: an outcome that `run` or a handle gave, or a
/// store's record ([`From`] either).
pub struct Outcome<'a> {
    status: Status,
    /// Its output, when it succeeded.
    output: Option<&'a Value>,
    /// Its error and cause, when it failed, timed out or was stopped.
    failure: Option<(Option<&'a str>, Option<&'a str>)>,
}

/// Where the output, or the error and cause, go under the status.
#[derive(Clone, Copy)]
pub enum Details {
    /// At the margin, the output pretty-printed: `run`'s one execution.
    Full,
    /// Indented under the execution's line, the output on one line: an execution among
    /// others of a store (`resume`, `redrive`, `stop`).
    Indented,
}

impl<'a> From<&'a ExecutionStatus> for Outcome<'a> {
    fn from(status: &'a ExecutionStatus) -> Outcome<'a> {
        let listed = match status {
            ExecutionStatus::Running => Status::Running,
            ExecutionStatus::Succeeded(_) => Status::Succeeded,
            ExecutionStatus::Failed(_) => Status::Failed,
            ExecutionStatus::TimedOut(_) => Status::TimedOut,
            ExecutionStatus::Aborted(_) => Status::Aborted,
        };
        Outcome {
            status: listed,
            output: status.output(),
            failure: status
                .failure()
                .map(|f| (f.error.as_deref(), f.cause.as_deref())),
        }
    }
}

impl<'a> From<&'a ExecutionRecord> for Outcome<'a> {
    fn from(record: &'a ExecutionRecord) -> Outcome<'a> {
        // The statuses an outcome's failure comes with (`ExecutionStatus::failure`).
        let failed = matches!(
            record.status,
            Status::Failed | Status::TimedOut | Status::Aborted
        );
        Outcome {
            status: record.status,
            output: record.output.as_deref(),
            failure: failed.then_some((record.error.as_deref(), record.cause.as_deref())),
        }
    }
}

impl Outcome<'_> {
    /// The status (AWS's name) in its colour: SUCCEEDED green, FAILED red, the others
    /// (timed out, stopped, not ended) yellow.
    pub fn status(&self) -> String {
        let style = match self.status {
            Status::Succeeded => GOOD,
            Status::Failed => ERROR,
            _ => WARNING,
        };
        format!("{style}{}{style:#}", self.status.as_str())
    }

    /// The output, or the error and cause (`(none)` for one it has not), a line each.
    pub fn write_details(&self, out: &mut impl Write, details: Details) {
        let indent = match details {
            Details::Full => "",
            Details::Indented => "  ",
        };
        if let Some(output) = self.output {
            let _ = match details {
                Details::Full => writeln!(out, "{BOLD}output{BOLD:#}: {output:#}"),
                Details::Indented => writeln!(out, "{indent}{BOLD}output{BOLD:#}: {output}"),
            };
        }
        if let Some((error, cause)) = self.failure {
            for (label, value) in [("error", error), ("cause", cause)] {
                let _ = writeln!(
                    out,
                    "{indent}{BOLD}{label}{BOLD:#}: {}",
                    value.unwrap_or("(none)")
                );
            }
        }
    }

    /// `{"executionArn", "status", "output"}` or `{"executionArn", "status", "error",
    /// "cause"}`, without the ARN when `arn` is `None` (an execution no store keeps) and
    /// without an error or a cause the execution has not.
    pub fn json(&self, arn: Option<&str>) -> Value {
        let mut v = Map::new();
        if let Some(arn) = arn {
            v.insert("executionArn".into(), arn.into());
        }
        v.insert("status".into(), self.status.as_str().into());
        if let Some(output) = self.output {
            v.insert("output".into(), output.clone());
        }
        let (error, cause) = self.failure.unwrap_or_default();
        for (key, value) in [("error", error), ("cause", cause)] {
            if let Some(value) = value {
                v.insert(key.into(), value.into());
            }
        }
        Value::Object(v)
    }
}

/// An execution of a store for people: its ARN and status, then its output, or its error
/// and cause, indented (`resume`, `redrive`).
pub fn write_stored(out: &mut impl Write, arn: &str, outcome: &Outcome) {
    let _ = writeln!(out, "{arn}: {}", outcome.status());
    outcome.write_details(out, Details::Indented);
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;
    use workflow_core::execution::Failure;
    use workflow_core::plan::MachineType;

    use super::*;

    const ARN: &str = "arn:aws:states:us-east-1:123456789012:execution:M:e";

    /// A store's record of an execution that ended as `status`, with its output or failure.
    fn record_of(status: Status, output: Option<Value>, failure: &Failure) -> ExecutionRecord {
        let mut record =
            ExecutionRecord::new(ARN, "e", "M", 1, MachineType::Standard, 0, json!({}));
        record.status = status;
        record.output = output.map(Arc::new);
        record.error = failure.error.clone();
        record.cause = failure.cause.clone();
        record
    }

    fn human(outcome: &Outcome, details: Details) -> String {
        let mut out = Vec::new();
        let _ = writeln!(out, "{}", outcome.status());
        outcome.write_details(&mut out, details);
        String::from_utf8(out).unwrap()
    }

    /// An outcome and the store's record of the same ending are shown alike, for people and
    /// in JSON: a record is the outcome kept (what DescribeExecution answers).
    #[test]
    fn an_outcome_and_its_record_are_shown_alike() {
        let failure = Failure {
            error: Some("Stopped".into()),
            cause: None,
        };
        let endings = [
            (
                ExecutionStatus::Succeeded(Arc::new(json!({"a": [1]}))),
                record_of(
                    Status::Succeeded,
                    Some(json!({"a": [1]})),
                    &Failure::default(),
                ),
            ),
            (
                ExecutionStatus::Failed(failure.clone()),
                record_of(Status::Failed, None, &failure),
            ),
            (
                ExecutionStatus::TimedOut(failure.clone()),
                record_of(Status::TimedOut, None, &failure),
            ),
            (
                ExecutionStatus::Aborted(failure.clone()),
                record_of(Status::Aborted, None, &failure),
            ),
        ];
        for (status, record) in &endings {
            let (outcome, kept) = (Outcome::from(status), Outcome::from(record));
            assert_eq!(outcome.json(Some(ARN)), kept.json(Some(ARN)), "{status:?}");
            for details in [Details::Full, Details::Indented] {
                assert_eq!(
                    human(&outcome, details),
                    human(&kept, details),
                    "{status:?}"
                );
            }
        }
    }

    /// The document names the execution first, then its status, then what it ended with
    /// (DescribeExecution's order); an error or cause the execution has not is left out.
    #[test]
    fn the_document_lists_the_arn_first_and_leaves_out_what_is_missing() {
        let aborted = ExecutionStatus::Aborted(Failure {
            error: None,
            cause: Some("by hand".into()),
        });
        let shown = Outcome::from(&aborted).json(Some(ARN)).to_string();
        assert_eq!(
            shown,
            format!(r#"{{"executionArn":"{ARN}","status":"ABORTED","cause":"by hand"}}"#)
        );
        let succeeded = ExecutionStatus::Succeeded(Arc::new(json!(7)));
        assert_eq!(
            Outcome::from(&succeeded).json(None),
            json!({"status": "SUCCEEDED", "output": 7})
        );
    }

    /// For people, a failure shows both lines, `(none)` for what it has not, and the output
    /// is pretty-printed at the margin, on one line when indented.
    #[test]
    fn details_show_the_output_or_both_failure_lines() {
        let aborted = ExecutionStatus::Aborted(Failure::default());
        let mut out = Vec::new();
        Outcome::from(&aborted).write_details(&mut out, Details::Indented);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("  {BOLD}error{BOLD:#}: (none)\n  {BOLD}cause{BOLD:#}: (none)\n")
        );
        let succeeded = ExecutionStatus::Succeeded(Arc::new(json!({"a": 1})));
        for (details, output) in [
            (Details::Full, "{\n  \"a\": 1\n}"),
            (Details::Indented, "{\"a\":1}"),
        ] {
            let mut out = Vec::new();
            Outcome::from(&succeeded).write_details(&mut out, details);
            let shown = String::from_utf8(out).unwrap();
            assert!(shown.trim_end().ends_with(output), "{shown}");
        }
    }
}
