//! `workflow executions`, `workflow history --store` and `workflow stop`: the executions a
//! store records (`run --store`), for people and for scripts. `--format json` prints the
//! document AWS's CLI prints for the matching API (ListExecutions, GetExecutionHistory,
//! StopExecution): every page of a listing in one document, and timestamps as version 2 of
//! AWS's CLI shows them by default (`cli_timestamp_format = iso8601`: ISO 8601 in the local
//! time zone, microseconds when there are any, `2024-05-01T14:00:00.123000+02:00`).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::{DateTime, Local, TimeZone, Timelike};
use serde_json::ser::CompactFormatter;
use serde_json::{Value, json};
use workflow_core::execution::Millis;
use workflow_runtime::store::{ExecutionFilter, ExecutionRecord, PageRequest, Status, Store};
use workflow_runtime::{HistoryEvent, RegistryError, Runtime};

use crate::outcome::{Details, Outcome};
use crate::output::{self, DocumentWriter, write_document};
use crate::render::BOLD;
use crate::{Format, exit, history, run};

/// The executions' statuses, spelled as AWS's `--status-filter` takes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum StatusArg {
    /// Running (or waiting).
    #[value(name = "RUNNING")]
    Running,
    /// Succeeded.
    #[value(name = "SUCCEEDED")]
    Succeeded,
    /// Failed.
    #[value(name = "FAILED")]
    Failed,
    /// Timed out.
    #[value(name = "TIMED_OUT")]
    TimedOut,
    /// Stopped.
    #[value(name = "ABORTED")]
    Aborted,
    /// A redrive was asked for and has not started yet.
    #[value(name = "PENDING_REDRIVE")]
    PendingRedrive,
}

impl From<StatusArg> for Status {
    fn from(status: StatusArg) -> Status {
        match status {
            StatusArg::Running => Status::Running,
            StatusArg::Succeeded => Status::Succeeded,
            StatusArg::Failed => Status::Failed,
            StatusArg::TimedOut => Status::TimedOut,
            StatusArg::Aborted => Status::Aborted,
            StatusArg::PendingRedrive => Status::PendingRedrive,
        }
    }
}

#[derive(clap::Args)]
pub struct ExecutionsArgs {
    /// The SQLite store `workflow run --store DB` recorded its executions in.
    #[arg(long, value_name = "DB")]
    pub store: PathBuf,
    /// Only the executions with this status.
    #[arg(long, value_enum, value_name = "STATUS")]
    pub status: Option<StatusArg>,
    /// Only the executions of this state machine.
    #[arg(long, value_name = "NAME")]
    pub state_machine: Option<String>,
    /// `human` (a table, newest first) or `json` (what `aws stepfunctions list-executions`
    /// prints).
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

#[derive(clap::Args)]
pub struct HistoryArgs {
    #[command(flatten)]
    pub saved: history::Args,
    /// Read the history of the execution EXECUTION (its ARN, or its name when no other
    /// execution of the store has it) from this SQLite store, instead of a saved FILE.
    #[arg(long, value_name = "DB")]
    pub store: Option<PathBuf>,
    /// Newest event first (with --store).
    #[arg(long, requires = "store")]
    pub reverse: bool,
    /// `human` (the table) or `json` (what `aws stepfunctions get-execution-history` prints;
    /// with --store).
    #[arg(long, value_enum, default_value = "human", requires = "store")]
    pub format: Format,
}

#[derive(clap::Args)]
pub struct StopArgs {
    /// The SQLite store the execution is recorded in.
    #[arg(long, value_name = "DB")]
    pub store: PathBuf,
    /// The execution: its ARN, or its name when no other execution of the store has it.
    pub execution: String,
    /// The error recorded (at most 256 characters).
    #[arg(long)]
    pub error: Option<String>,
    /// The cause recorded (at most 32,768 characters).
    #[arg(long)]
    pub cause: Option<String>,
    /// `human` or `json` (what `aws stepfunctions stop-execution` prints).
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

/// How many executions each page read from the store holds: AWS's most.
const PAGE: usize = 1000;

/// How many ARNs an error about an ambiguous name lists.
const CANDIDATES_SHOWN: usize = 10;

/// Runs `work` with a runtime on the store at `path`, which must exist. Nothing is resumed:
/// the runtime only reads the store, or stops an execution in it.
fn with_store<T>(
    path: &Path,
    work: impl AsyncFnOnce(&Runtime) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    run::on_existing_store(path, async |store| {
        let runtime = Runtime::builder().store(store).build();
        work(&runtime).await
    })
}

/// The record of `execution`: an ARN's, or a name's when exactly one execution of the store
/// `path` has it (names are unique per state machine, not in a store). One the store does
/// not hold is AWS's `Execution Does Not Exist`.
pub async fn resolve(
    store: &dyn Store,
    execution: &str,
    path: &Path,
) -> anyhow::Result<ExecutionRecord> {
    if execution.starts_with("arn:") {
        let record = store.execution(execution).await?;
        return Ok(record.ok_or_else(|| RegistryError::ExecutionDoesNotExist {
            arn: execution.to_string(),
        })?);
    }
    let mut found = Vec::new();
    for_each_execution(store, &ExecutionFilter::all(), |record| {
        if record.name == execution {
            found.push(record.clone());
        }
        Ok(())
    })
    .await?;
    match found.as_slice() {
        [] => Err(RegistryError::ExecutionDoesNotExist {
            arn: execution.to_string(),
        })
        .with_context(|| format!("no execution of {} is named '{execution}'", path.display())),
        [record] => Ok(record.clone()),
        several => {
            let arns: Vec<&str> = several.iter().map(|r| r.arn.as_str()).collect();
            let mut shown = arns[..arns.len().min(CANDIDATES_SHOWN)].join(", ");
            if several.len() > CANDIDATES_SHOWN {
                shown.push_str(&format!(" and {} more", several.len() - CANDIDATES_SHOWN));
            }
            bail!(
                "{} executions of {} are named '{execution}' (a name is unique per state machine): give the ARN of one: {shown}",
                several.len(),
                path.display()
            )
        }
    }
}

/// Calls `each` with every execution `filter` selects, newest first, a page at a time.
async fn for_each_execution(
    store: &dyn Store,
    filter: &ExecutionFilter,
    mut each: impl FnMut(&ExecutionRecord) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut page = PageRequest::first(PAGE);
    loop {
        let listed = store.list_executions(filter, page).await?;
        for record in &listed.items {
            each(record)?;
        }
        match listed.next {
            Some(token) => page = PageRequest::after(PAGE, token),
            None => return Ok(()),
        }
    }
}

/// A date as version 2 of AWS's CLI prints one by default: Python's `isoformat()` of the
/// date in the local time zone (`2024-05-01T14:00:00.123000+02:00`; no fraction when it
/// is zero).
pub fn cli_timestamp(millis: Millis) -> String {
    iso_format(millis, &Local)
}

/// `millis` as Python's `datetime.isoformat()` shows it in `zone`.
fn iso_format<Tz: TimeZone>(millis: Millis, zone: &Tz) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let Some(utc) = DateTime::from_timestamp_millis(millis) else {
        return millis.to_string();
    };
    let local = utc.with_timezone(zone);
    let fraction = match local.nanosecond() / 1000 {
        0 => String::new(),
        micros => format!(".{micros:06}"),
    };
    format!(
        "{}{fraction}{}",
        local.format("%Y-%m-%dT%H:%M:%S"),
        local.format("%:z")
    )
}

/// A date for people: local time, to the second.
fn local_time(millis: Millis) -> String {
    DateTime::from_timestamp_millis(millis)
        .map(|t| {
            t.with_timezone(&Local)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_default()
}

/// The ARN of the state machine an execution ARN names
/// (`arn:aws:states:REGION:ACCOUNT:execution:MACHINE:NAME` gives
/// `arn:aws:states:REGION:ACCOUNT:stateMachine:MACHINE`).
fn state_machine_arn(record: &ExecutionRecord) -> String {
    let fields: Vec<&str> = record.arn.splitn(8, ':').collect();
    match fields.as_slice() {
        [arn, partition, service, region, account, "execution", ..] => format!(
            "{arn}:{partition}:{service}:{region}:{account}:stateMachine:{}",
            record.state_machine
        ),
        _ => String::new(),
    }
}

/// An execution as ListExecutions lists it (its ExecutionListItem).
fn list_item(record: &ExecutionRecord) -> Value {
    let mut item = json!({
        "executionArn": record.arn,
        "stateMachineArn": state_machine_arn(record),
        "name": record.name,
        "status": record.status.as_str(),
        "startDate": cli_timestamp(record.start_date),
    });
    if let Some(stop) = record.stop_date {
        item["stopDate"] = json!(cli_timestamp(stop));
    }
    // AWS: "If you have not yet redriven an execution, the redriveCount is 0."
    item["redriveCount"] = json!(record.redrive_count);
    if let Some(redriven) = record.redrive_date {
        item["redriveDate"] = json!(cli_timestamp(redriven));
    }
    item
}

/// `workflow executions --store DB`.
pub fn executions(args: ExecutionsArgs) -> anyhow::Result<u8> {
    let mut filter = ExecutionFilter::all();
    if let Some(name) = &args.state_machine {
        filter = filter.state_machine(name.clone());
    }
    if let Some(status) = args.status {
        filter = filter.status(status.into());
    }
    with_store(&args.store, async |runtime| {
        if args.format == Format::Json {
            // One document, written an execution at a time: a store may hold many.
            let mut document =
                DocumentWriter::start(output::plain_stdout(), CompactFormatter, "executions");
            for_each_execution(runtime.store().as_ref(), &filter, |record| {
                document.item(&list_item(record));
                Ok(())
            })
            .await?;
            // A failure to write is `output::finish`'s to report.
            let _ = document.finish();
            let _ = writeln!(output::plain_stdout());
            return Ok(exit::OK);
        }
        let mut table = history::plain_table(vec![
            "name",
            "state machine",
            "status",
            "start",
            "stop",
            "redrives",
        ]);
        let mut count = 0;
        for_each_execution(runtime.store().as_ref(), &filter, |record| {
            count += 1;
            table.add_row(vec![
                record.name.clone(),
                record.state_machine.clone(),
                record.status.as_str().to_string(),
                local_time(record.start_date),
                record.stop_date.map(local_time).unwrap_or_default(),
                record.redrive_count.to_string(),
            ]);
            Ok(())
        })
        .await?;
        let mut out = crate::output::stdout();
        if count == 0 {
            let _ = writeln!(out, "no execution in {} matches", args.store.display());
        } else {
            let _ = writeln!(out, "{}", history::trimmed(&table));
        }
        Ok(exit::OK)
    })
}

/// `workflow history`: a saved history, or with `--store`, an execution's from the store.
pub fn history(args: HistoryArgs) -> anyhow::Result<u8> {
    let Some(store) = &args.store else {
        return history::main(args.saved);
    };
    let execution = args.saved.file.to_string_lossy();
    with_store(store, async |runtime| {
        let arn = resolve(runtime.store().as_ref(), &execution, store)
            .await?
            .arn;
        // Read once: each page of `execution_history` would replay the whole history again.
        let history = runtime.full_execution_history(&arn).await?;
        let ordered: Box<dyn Iterator<Item = &HistoryEvent>> = match args.reverse {
            false => Box::new(history.iter()),
            true => Box::new(history.iter().rev()),
        };
        if args.format == Format::Json {
            // One document, written an event at a time: a history may be long.
            let events = ordered.map(|event| {
                let mut shown = event.to_aws_json();
                shown["timestamp"] = json!(cli_timestamp(event.timestamp));
                shown
            });
            // A failure to write is `output::finish`'s to report.
            let _ = write_document(output::plain_stdout(), CompactFormatter, "events", events);
            let _ = writeln!(output::plain_stdout());
            return Ok(exit::OK);
        }
        let events: Vec<Value> = ordered.map(run::table_event).collect();
        let shown = history::render(&events, args.saved.width);
        let _ = writeln!(crate::output::stdout(), "{shown}");
        Ok(exit::OK)
    })
}

/// `workflow stop --store DB EXECUTION`, as StopExecution: a running execution is stopped
/// (ExecutionAborted, status ABORTED); one that has ended is left as it is, and the answer
/// is its stop date (StopExecution lists no error for it).
pub fn stop(args: StopArgs) -> anyhow::Result<u8> {
    with_store(&args.store, async |runtime| {
        let before = resolve(runtime.store().as_ref(), &args.execution, &args.store).await?;
        let arn = &before.arn;
        runtime
            .stop_execution(arn, args.error.clone(), args.cause.clone())
            .await?;
        let after = runtime.describe_execution(arn).await?;
        let stop_date = after.stop_date.map(cli_timestamp);
        if args.format == Format::Json {
            let _ = writeln!(
                crate::output::plain_stdout(),
                "{}",
                json!({ "stopDate": stop_date })
            );
            return Ok(exit::OK);
        }
        let mut out = crate::output::stdout();
        let when = after.stop_date.map(local_time).unwrap_or_default();
        if before.status.is_finished() {
            let status = after.status.as_str();
            let _ = writeln!(
                out,
                "{arn}: had already ended, {BOLD}{status}{BOLD:#} at {when}: nothing to stop"
            );
            return Ok(exit::OK);
        }
        let outcome = Outcome::from(&after);
        let _ = writeln!(out, "{arn}: {} at {when}", outcome.status());
        outcome.write_details(&mut out, Details::Indented);
        Ok(exit::OK)
    })
}

#[cfg(test)]
mod tests {
    use chrono::{FixedOffset, Utc};

    use super::iso_format;

    #[test]
    fn dates_are_shown_as_python_isoformat_shows_them() {
        // AWS's CLI v2 prints `parse_timestamp(value).isoformat()`, the date in the local
        // zone: microseconds when there are any, the offset as +HH:MM (+00:00 for UTC).
        // 1,700,000,000 s after the epoch is 2023-11-14T22:13:20Z.
        let plus_two = FixedOffset::east_opt(2 * 3600).unwrap();
        assert_eq!(
            iso_format(1_700_000_000_123, &plus_two),
            "2023-11-15T00:13:20.123000+02:00"
        );
        assert_eq!(
            iso_format(1_700_000_000_000, &Utc),
            "2023-11-14T22:13:20+00:00"
        );
        let minus_half = FixedOffset::west_opt(9 * 3600 + 1800).unwrap();
        assert_eq!(
            iso_format(1_700_000_000_001, &minus_half),
            "2023-11-14T12:43:20.001000-09:30"
        );
    }
}
