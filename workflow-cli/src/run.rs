//! `workflow run FILE --input JSON`: one execution, locally.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use serde_json::ser::PrettyFormatter;
use serde_json::{Value, json};
use workflow_core::plan::CompileOptions;
use workflow_runtime::{
    ExecutionStatus, HistoryEvent, LoadOptions, Runtime, StartOptions, TaskContext, Workflow,
};
use workflow_sqlite::SqliteStore;

use crate::clock::ScaledClock;
use crate::outcome::{Details, Outcome};
use crate::output::write_document;
use crate::{Format, MachineTypeArg, bind, exit, history, input, mock};

#[derive(clap::Args, Clone)]
pub struct Args {
    /// The ASL definition (JSON).
    pub file: PathBuf,
    /// The execution input: JSON text, `@file`, or `-` for stdin.
    #[arg(long, short, default_value = "{}")]
    pub input: String,
    #[command(flatten)]
    pub tasks: TaskArgs,
    /// Record the execution in this SQLite file (created when absent), so that `workflow
    /// resume --store DB` finishes it if this process stops before it ends. The state machine
    /// is registered there under its name (`--name`, default the file's name); the execution's
    /// ARN is printed on stderr. With `--type express` only the state machine is registered:
    /// an EXPRESS execution is not recorded (AWS keeps none), so its ARN, printed all the
    /// same, is not found by `executions`, `history --store`, `stop`, `resume` or `redrive`.
    #[arg(long, value_name = "DB")]
    pub store: Option<PathBuf>,
    /// Write the history as JSON in the shape of GetExecutionHistory (instead of printing the
    /// table).
    #[arg(long, value_name = "FILE")]
    pub history_out: Option<PathBuf>,
    /// `human` (output and a history table) or `json` (one object on stdout, for scripts).
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

/// How tasks are served and how fast time passes: shared by `run`, `cost --input` and
/// `resume`.
#[derive(clap::Args, Clone)]
pub struct ServeArgs {
    /// A MockConfigFile of AWS Step Functions Local.
    #[arg(long, value_name = "FILE")]
    pub mock_config: Option<PathBuf>,
    /// The test case of the mock config to use (may be left out when there is only one).
    #[arg(long, value_name = "NAME", requires = "mock_config")]
    pub test_case: Option<String>,
    /// The state machine of the mock config (its StateMachines entry) whose test case serves
    /// the tasks (default: the only one, else the one named as the state machine: `--name`,
    /// or the file's name).
    #[arg(long, value_name = "NAME", requires = "mock_config")]
    pub state_machine: Option<String>,
    /// Serve a resource with a command (input on stdin, result on stdout) or an http://
    /// endpoint (input POSTed): `--bind charge=./charge.sh`. Repeatable; wins over mocks.
    #[arg(long, value_name = "RESOURCE=TARGET")]
    pub bind: Vec<String>,
    /// Scale the waits (Wait states, Retry intervals, a timeout while nothing runs): 0.01 runs
    /// a minute in 0.6 s, 0 makes them instant. A running command's time is real and counts
    /// in full against its TimeoutSeconds and the execution's limit. The history records the
    /// full durations.
    #[arg(long, default_value_t = 1.0, value_name = "FACTOR")]
    pub time_scale: f64,
}

/// How tasks are served and time passes, and what the execution is: shared by `run` and
/// `cost --input`.
#[derive(clap::Args, Clone)]
pub struct TaskArgs {
    #[command(flatten)]
    pub serve: ServeArgs,
    /// STANDARD or EXPRESS.
    #[arg(long = "type", value_enum, default_value = "standard")]
    pub machine_type: MachineTypeArg,
    /// The state machine's name in ARNs and `$$.StateMachine.Name` (default: the file's name).
    #[arg(long)]
    pub name: Option<String>,
    /// The region in ARNs.
    #[arg(long, default_value = "us-east-1")]
    pub region: String,
    /// The account in ARNs.
    #[arg(long, default_value = "123456789012")]
    pub account: String,
    /// Seed the random numbers (retry jitter, States.UUID, names) for a reproducible run.
    #[arg(long)]
    pub seed: Option<u64>,
}

/// An execution that ended.
pub struct Ran {
    pub arn: String,
    pub status: ExecutionStatus,
    pub history: Vec<HistoryEvent>,
    pub elapsed: Duration,
}

fn stem(path: &Path) -> String {
    let s = path
        .file_name()
        .map(|f| f.to_string_lossy().to_string())
        .unwrap_or_else(|| "StateMachine".into());
    let s = s.strip_suffix(".json").unwrap_or(&s);
    let s = s.strip_suffix(".asl").unwrap_or(s);
    s.to_string()
}

/// The servers of the tasks (bindings, a mock test case) and the clock's scale, checked
/// before anything runs.
pub struct Serving {
    time_scale: f64,
    bindings: Vec<bind::Binding>,
    test_case: Option<mock::TestCase>,
}

impl Serving {
    /// Checks `args`; a mock config's state machine defaults to `default_machine`.
    pub fn new(args: &ServeArgs, default_machine: &str) -> anyhow::Result<Serving> {
        if !(args.time_scale.is_finite() && args.time_scale >= 0.0) {
            bail!("--time-scale {}: expected a number >= 0", args.time_scale);
        }
        let bindings = args
            .bind
            .iter()
            .map(|b| bind::parse(b))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let test_case = match &args.mock_config {
            Some(path) => Some(mock::load(
                path,
                args.state_machine.as_deref(),
                default_machine,
                args.test_case.as_deref(),
            )?),
            None => None,
        };
        Ok(Serving {
            time_scale: args.time_scale,
            bindings,
            test_case,
        })
    }

    /// Builds the runtime on the scaled clock, every task served. Call it within tokio.
    pub fn runtime(self, builder: workflow_runtime::RuntimeBuilder) -> Runtime {
        let clock = ScaledClock::new(self.time_scale);
        let runtime = builder.clock(clock.clone()).build();
        for b in &self.bindings {
            bind::register(&runtime, &clock, b);
        }
        match self.test_case {
            Some(case) => {
                let answer = case.handler();
                let rt2 = runtime.clone();
                let clock2 = clock.clone();
                runtime.bind_fallback(move |input: Value, ctx: TaskContext| {
                    let guard = clock2.enter();
                    let result = answer(input, ctx.clone()).into_inner();
                    let rt2 = rt2.clone();
                    // The guard lives until the result is handed back.
                    async move { bind::answer_callback(&rt2, &ctx, result, guard) }
                });
            }
            None => {
                runtime.bind_fallback(|_input: Value, ctx: TaskContext| {
                    std::future::ready(Err(workflow_runtime::TaskError::new(
                        "States.Runtime",
                        format!(
                            "Nothing serves the resource {} (state '{}'): give it a --bind RESOURCE=COMMAND, or a --mock-config with a --test-case.",
                            ctx.resource(),
                            ctx.state_name()
                        ),
                    )))
                });
            }
        }
        runtime
    }
}

/// The tokio runtime the commands run executions on.
pub fn tokio_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the tokio runtime")
}

/// Opens the SQLite store `path` (created when absent).
pub fn open_store(path: &Path) -> anyhow::Result<SqliteStore> {
    SqliteStore::open(path).map_err(|e| anyhow::anyhow!("cannot open the store: {e}"))
}

/// Opens the SQLite store `path`, which must exist: a command that reads or finishes what a
/// store holds creates none (an empty store would hide a typo).
pub fn open_existing_store(path: &Path) -> anyhow::Result<SqliteStore> {
    if !path.exists() {
        bail!("{}: no such store", path.display());
    }
    open_store(path)
}

/// Runs `work` on the tokio runtime with the SQLite store `path`, which must exist
/// ([`open_existing_store`]): what the commands that read or finish a store's executions do.
pub fn on_existing_store<T>(
    path: &Path,
    work: impl AsyncFnOnce(SqliteStore) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let store = open_existing_store(path)?;
    tokio_runtime()?.block_on(work(store))
}

/// Validates, binds and runs `file` with `input`.
pub fn execute(file: &Path, input: Value, tasks: &TaskArgs, progress: bool) -> anyhow::Result<Ran> {
    execute_in(file, input, tasks, progress, None)
}

/// Validates, binds and runs `file` with `input`, recorded in the SQLite store `store` when
/// given (the state machine registered there under its name).
pub fn execute_in(
    file: &Path,
    input: Value,
    tasks: &TaskArgs,
    progress: bool,
    store: Option<&Path>,
) -> anyhow::Result<Ran> {
    let name = tasks.name.clone().unwrap_or_else(|| stem(file));
    let serving = Serving::new(&tasks.serve, &name)?;
    let machine_type = tasks.machine_type.into();
    let (text, definition) = input::definition(file, &CompileOptions { machine_type })?;
    // Opened once the definition is known to be valid: an invalid one creates no store.
    let store = store.map(open_store).transpose()?;
    let rt = tokio_runtime()?;
    rt.block_on(async move {
        let mut builder = Runtime::builder()
            .region(tasks.region.clone())
            .account(tasks.account.clone());
        if let Some(seed) = tasks.seed {
            builder = builder.seed(seed);
        }
        let durable = store.is_some();
        if let Some(store) = store {
            builder = builder.store(store);
        }
        let runtime = serving.runtime(builder);
        let workflow = if durable {
            let options = LoadOptions::default().machine_type(machine_type);
            runtime
                .register(&name, &text, &options)
                .await
                .map_err(|e| anyhow::anyhow!("cannot register {name}: {e}"))?
        } else {
            Workflow::from_definition(name, definition).map_err(|e| {
                anyhow::anyhow!(
                    "{} cannot run here: {}",
                    file.display(),
                    e.diagnostics()
                        .0
                        .iter()
                        .map(|d| format!("{} (at {})", d.message, d.pointer))
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            })?
        };
        let started = Instant::now();
        let execution = runtime
            .start_with(&workflow, input, &StartOptions::default())
            .await
            .map_err(|e| anyhow::anyhow!("cannot start the execution: {e}"))?;
        let arn = execution.execution_arn().to_string();
        if durable {
            // Where to find it later (`resume`), whatever the format: stdout is the outcome's.
            let _ = writeln!(anstream::stderr(), "execution: {arn}");
        }
        // SIGINT or SIGTERM stop the bound commands before `workflow` ends.
        let status = crate::signals::until_interrupted(async {
            if progress {
                watch(&execution).await
            } else {
                execution.outcome().await
            }
        })
        .await;
        let elapsed = started.elapsed();
        let history = execution.history().await;
        Ok(Ran {
            arn,
            status,
            history,
            elapsed,
        })
    })
}

/// Waits for the end, showing progress on a terminal once the run lasts.
async fn watch(execution: &workflow_runtime::ExecutionHandle) -> ExecutionStatus {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    let outcome = execution.outcome();
    tokio::pin!(outcome);
    // Short runs show nothing.
    if let Ok(status) = tokio::time::timeout(Duration::from_millis(500), &mut outcome).await {
        return status;
    }
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    loop {
        let history = execution.history().await;
        bar.set_message(progress_line(&history));
        bar.tick();
        tokio::select! {
            status = &mut outcome => {
                bar.finish_and_clear();
                return status;
            }
            _ = tokio::time::sleep(Duration::from_millis(200)) => {}
        }
    }
}

/// `12 states entered · Map items 40/100 · now in Charge`.
pub fn progress_line(history: &[HistoryEvent]) -> String {
    use workflow_core::history::{EventDetails, EventType};
    let mut entered = 0;
    let mut items = 0;
    let mut items_done = 0;
    let mut current = String::new();
    for e in history {
        match (&e.event_type, &e.details) {
            (_, EventDetails::StateEntered { name, .. }) => {
                entered += 1;
                current = name.to_string();
            }
            (_, EventDetails::MapStarted { length }) => items += length,
            (EventType::MapIterationSucceeded | EventType::MapIterationFailed, _) => {
                items_done += 1
            }
            _ => {}
        }
    }
    let mut line = format!("{entered} states entered");
    if items > 0 {
        line.push_str(&format!(" · Map items {items_done}/{items}"));
    }
    if !current.is_empty() {
        line.push_str(&format!(" · last entered {current}"));
    }
    line
}

/// Writes the history as `{"events": [...]}`, the shape of GetExecutionHistory, one event at
/// a time: the history shares each payload between the events that carry it, the JSON repeats
/// it in every one (25,000 events of a 200 KB payload are 5 GB of text).
fn write_history_json<W: Write>(history: &[HistoryEvent], out: W) -> std::io::Result<W> {
    let events = history.iter().map(HistoryEvent::to_aws_json);
    write_document(out, PrettyFormatter::new(), "events", events)
}

/// Characters of a payload the history table keeps: it shows only the first ones (48 in
/// `run`), and the whole texts of a long history would not fit in memory.
const TABLE_PAYLOAD_CHARS: usize = 1024;

/// An event in the shape of GetExecutionHistory, its payloads cut for the table.
pub fn table_event(event: &HistoryEvent) -> Value {
    let mut v = event.to_aws_json();
    let details = v
        .as_object_mut()
        .and_then(|o| o.values_mut().find_map(Value::as_object_mut));
    for (_, data) in details.into_iter().flatten() {
        if let Value::String(text) = data
            && let Some((cut, _)) = text.char_indices().nth(TABLE_PAYLOAD_CHARS)
        {
            // A new string: truncating would keep the whole text's allocation.
            *text = text[..cut].to_string();
        }
    }
    v
}

/// The exit code of an outcome.
pub fn exit_code(status: &ExecutionStatus) -> u8 {
    match status {
        ExecutionStatus::Succeeded(_) => exit::OK,
        ExecutionStatus::Failed(_) | ExecutionStatus::Running => exit::PROBLEMS,
        ExecutionStatus::TimedOut(_) => exit::TIMED_OUT,
        ExecutionStatus::Aborted(_) => exit::ABORTED,
    }
}

pub fn main(args: Args) -> anyhow::Result<u8> {
    let ran = input::json_argument(&args.input, "--input").and_then(|input| {
        execute_in(
            &args.file,
            input,
            &args.tasks,
            args.format == Format::Human,
            args.store.as_deref(),
        )
    });
    let ran = match ran {
        Ok(ran) => ran,
        Err(e) if args.format == Format::Json => {
            // Scripts get one JSON object on stdout whatever happens.
            let problem = e.downcast_ref::<input::DefinitionProblem>();
            let mut v = json!({
                "status": "NOT_STARTED",
                "error": if problem.is_some() { "InvalidDefinition" } else { "CannotRun" },
                "cause": format!("{e:#}"),
            });
            if let Some(p) = problem {
                crate::render::diagnostics_json(&mut v, p.diagnostics.iter().map(|d| (d, None)));
            }
            let _ = writeln!(crate::output::plain_stdout(), "{v}");
            crate::render::error_line(&format!("{e:#}"));
            return Ok(if problem.is_some() {
                exit::PROBLEMS
            } else {
                exit::USAGE
            });
        }
        Err(e) => return Err(e),
    };
    let code = exit_code(&ran.status);
    let outcome = Outcome::from(&ran.status);
    if let Some(path) = &args.history_out {
        let write = || -> anyhow::Result<()> {
            let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
            write_history_json(&ran.history, &mut file)?;
            writeln!(file)?;
            file.flush()?;
            Ok(())
        };
        if let Err(e) = write() {
            // A history cut short is not a history: leave no half-written file behind.
            let _ = std::fs::remove_file(path);
            return Err(e.context(format!("cannot write {}", path.display())));
        }
    }
    if args.format == Format::Json {
        // The ARN only of an execution a store keeps: there is none to look up otherwise.
        let arn = args.store.is_some().then_some(ran.arn.as_str());
        let _ = writeln!(crate::output::plain_stdout(), "{}", outcome.json(arn));
        return Ok(code);
    }
    let mut out = crate::output::stdout();
    match &args.history_out {
        None => {
            let list: Vec<Value> = ran.history.iter().map(table_event).collect();
            let _ = writeln!(out, "{}", history::render(&list, 48));
        }
        Some(path) => {
            let _ = writeln!(
                out,
                "history: {} events written to {}",
                ran.history.len(),
                path.display()
            );
        }
    }
    let _ = writeln!(
        out,
        "\n{} in {:.3} s",
        outcome.status(),
        ran.elapsed.as_secs_f64()
    );
    outcome.write_details(&mut out, Details::Full);
    Ok(code)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use workflow_core::history::{EventDetails, EventType};

    use super::*;

    fn history(payload: Value) -> Vec<HistoryEvent> {
        let payload = Arc::new(payload);
        vec![
            HistoryEvent {
                id: 1,
                previous_event_id: 0,
                timestamp: 1_700_000_000_000,
                event_type: EventType::ExecutionStarted,
                details: EventDetails::ExecutionStarted {
                    input: payload.clone().into(),
                    role_arn: "arn:aws:iam::123456789012:role/r".into(),
                },
            },
            HistoryEvent {
                id: 2,
                previous_event_id: 1,
                timestamp: 1_700_000_000_000,
                event_type: EventType::PassStateEntered,
                details: EventDetails::StateEntered {
                    name: "P".into(),
                    input: payload.into(),
                },
            },
        ]
    }

    /// Written one event at a time, the file is what the whole document pretty-printed is.
    #[test]
    fn the_history_is_written_as_one_document() {
        let history = history(json!({"a": [1, {"b": "c"}]}));
        let mut written = Vec::new();
        write_history_json(&history, &mut written).unwrap();
        let whole =
            json!({"events": history.iter().map(HistoryEvent::to_aws_json).collect::<Vec<_>>()});
        assert_eq!(
            String::from_utf8(written).unwrap(),
            serde_json::to_string_pretty(&whole).unwrap()
        );
    }

    /// The table keeps the first characters of a payload, in an allocation of their size (not
    /// the whole text's: 25,000 of those are what overflowed memory).
    #[test]
    fn the_table_keeps_the_start_of_payloads() {
        let long = "é".repeat(100_000);
        let event = &history(json!({ "s": long }))[1];
        let row = table_event(event);
        let input = row["stateEnteredEventDetails"]["input"].as_str().unwrap();
        assert_eq!(input.chars().count(), TABLE_PAYLOAD_CHARS);
        assert!(input.starts_with("{\"s\":\"éé"));
        let Value::String(s) = &row["stateEnteredEventDetails"]["input"] else {
            unreachable!()
        };
        assert!(s.capacity() <= 4 * TABLE_PAYLOAD_CHARS, "{}", s.capacity());
    }
}
