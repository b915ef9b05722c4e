//! `workflow`: validate, lint, run, graph, price and read the history of Amazon States
//! Language state machines, locally.
#![warn(missing_docs)]

mod bind;
mod clock;
mod cost;
mod deploy;
mod graph;
mod layout;
mod lint;
mod mock;
mod outcome;
mod redrive;
mod registry;
mod resume;
mod run;
mod svg;
mod validate;

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use workflow_cli::{exit, history, input, output, render, signals};

// The allocator the benchmarks measure with (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "workflow",
    version,
    about = "AWS Step Functions (Amazon States Language) state machines, checked, run and drawn locally",
    after_help = "Exit codes: 0 ok; 1 the definition has problems (not JSON, not a state machine, invalid) or the execution FAILED; 2 the command could not do its work (bad arguments, unreadable or oversized file, an --input that is not JSON, output that could not be written); 3 TIMED_OUT; 4 ABORTED. SIGINT and SIGTERM stop the bound commands, then end workflow by the signal."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check definitions: every problem, with its line and column.
    Validate(validate::Args),
    /// Best-practice rules: missing Retry, timeouts, hard-coded ARNs, EXPRESS limits, ...
    Lint(lint::Args),
    /// Run a definition locally, with tasks bound to mocks, commands or HTTP endpoints.
    Run(run::Args),
    /// Finish every unfinished execution of a store (`run --store`), tasks served as for `run`.
    Resume(resume::Args),
    /// Redrive a FAILED, TIMED_OUT or ABORTED execution of a store from where it stopped;
    /// `--definition FILE` goes on with a patched definition.
    Redrive(redrive::Args),
    /// Print an execution history as a table: a saved one, or one from a store (`--store`).
    History(registry::HistoryArgs),
    /// List the executions of a store, newest first (`--status`, `--state-machine`).
    Executions(registry::ExecutionsArgs),
    /// Stop a running execution of a store, as StopExecution.
    Stop(registry::StopArgs),
    /// Draw the state graph as Mermaid, DOT or SVG.
    Graph(graph::Args),
    /// Transitions per execution and the monthly price on STANDARD and EXPRESS.
    Cost(cost::Args),
    /// The least-privilege IAM policy of the state machine's execution role (JSON).
    Iam(deploy::IamArgs),
    /// An AWS SAM template (JSON) that deploys the state machine, its tasks as Lambda
    /// functions, logging, tracing and its least-privilege role.
    Template(deploy::TemplateArgs),
}

/// Output format for the commands that have one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people.
    Human,
    /// One JSON document on stdout, for tools.
    Json,
}

/// STANDARD or EXPRESS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MachineTypeArg {
    /// Long-running, billed per state transition.
    Standard,
    /// At most five minutes, billed per request and duration.
    Express,
}

impl From<MachineTypeArg> for workflow_core::plan::MachineType {
    fn from(t: MachineTypeArg) -> Self {
        match t {
            MachineTypeArg::Standard => workflow_core::plan::MachineType::Standard,
            MachineTypeArg::Express => workflow_core::plan::MachineType::Express,
        }
    }
}

fn main() -> ExitCode {
    signals::report_file_size_limit();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Validate(args) => validate::main(args),
        Command::Lint(args) => lint::main(args),
        Command::Run(args) => run::main(args),
        Command::Resume(args) => resume::main(args),
        Command::Redrive(args) => redrive::main(args),
        Command::History(args) => registry::history(args),
        Command::Executions(args) => registry::executions(args),
        Command::Stop(args) => registry::stop(args),
        Command::Graph(args) => graph::main(args),
        Command::Cost(args) => cost::main(args),
        Command::Iam(args) => deploy::iam(args),
        Command::Template(args) => deploy::template_command(args),
    };
    let code = match result {
        Ok(code) => code,
        Err(e) => {
            let problem = e.downcast_ref::<input::DefinitionProblem>();
            // A file that is not JSON says so in its one line; an invalid one lists its problems,
            // on stderr: stdout is for the command's document (`graph > out.svg`).
            if let Some(p) = problem.filter(|p| {
                p.diagnostics
                    .iter()
                    .all(|d| d.code != workflow_core::diagnostic::codes::INVALID_JSON)
            }) {
                render::diagnostics(&mut anstream::stderr(), &p.file, &p.source, &p.diagnostics);
            }
            render::error_line(&format!("{e:#}"));
            if problem.is_some() {
                exit::PROBLEMS
            } else {
                exit::USAGE
            }
        }
    };
    // Output that could not be written is work not done, whatever the command found.
    match output::finish() {
        Ok(()) => ExitCode::from(code),
        Err(e) => {
            render::error_line(&format!("cannot write to standard output: {e}"));
            ExitCode::from(exit::USAGE)
        }
    }
}
