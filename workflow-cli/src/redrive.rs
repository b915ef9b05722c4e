//! `workflow redrive --store DB EXECUTION [--definition FILE]`: redrives an execution of a
//! store that FAILED, TIMED_OUT or was ABORTED, as AWS's `RedriveExecution` does (from the
//! states that did not succeed), its tasks served as `run` serves them; with `--definition`,
//! beyond AWS, with a patched definition.

use std::io::Write;
use std::path::PathBuf;

use anyhow::anyhow;
use workflow_core::plan::CompileOptions;
use workflow_runtime::{RedriveOptions, Runtime};

use crate::outcome::{self, Outcome};
use crate::render::BOLD;
use crate::run::{self, ServeArgs, Serving};
use crate::{Format, input};

#[derive(clap::Args, Clone)]
#[command(mut_arg("state_machine", |arg| arg.help(
    "The state machine of the mock config (its StateMachines entry) whose test case serves \
     the redriven execution's tasks (default: the only one, else the one named as the \
     execution's state machine)"
)))]
pub struct Args {
    /// The execution: its ARN, or its name (when only one state machine of the store has an
    /// execution of that name).
    pub execution: String,
    /// The SQLite store a `workflow run --store DB` recorded the execution in.
    #[arg(long, value_name = "DB")]
    pub store: PathBuf,
    /// Go on with this definition instead of the one the execution ran (beyond AWS): the states
    /// the execution stopped in must be there, of the same type; their fields, and the other
    /// states, may change. Saved in the store as the state machine's next revision.
    #[arg(long, value_name = "FILE")]
    pub definition: Option<PathBuf>,
    #[command(flatten)]
    pub serve: ServeArgs,
    /// `human` (the outcome) or `json` (one object on stdout).
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

pub fn main(args: Args) -> anyhow::Result<u8> {
    // Redriving finds nothing in a store that does not exist: creating one would hide a typo.
    let (arn, status, redrive_count) = run::on_existing_store(&args.store, async |store| {
        let record = crate::registry::resolve(&store, &args.execution, &args.store).await?;
        // A mock config's state machine: `--state-machine`, or the execution's.
        let serving = Serving::new(&args.serve, &record.state_machine)?;
        let mut options = RedriveOptions::default();
        if let Some(path) = &args.definition {
            let compile = CompileOptions {
                machine_type: record.machine_type,
            };
            options = options.definition(input::definition(path, &compile)?.0);
        }
        let runtime = serving.runtime(Runtime::builder().store(store));
        let arn = record.arn;
        let handle = runtime
            .redrive_with(&arn, &options)
            .await
            .map_err(|e| anyhow!("cannot redrive {arn}: {e}"))?;
        // SIGINT or SIGTERM stop the bound commands before `workflow` ends.
        let status = crate::signals::until_interrupted(handle.outcome()).await;
        // A redrive that was not refused is recorded with a redrive count one higher
        // (`Runtime::redrive_with`), and nothing else redrives it while this process holds
        // the store.
        anyhow::Ok((arn, status, record.redrive_count + 1))
    })?;
    let outcome = Outcome::from(&status);
    if args.format == Format::Json {
        let mut v = outcome.json(Some(&arn));
        v["redriveCount"] = redrive_count.into();
        let _ = writeln!(crate::output::plain_stdout(), "{v}");
    } else {
        let mut out = crate::output::stdout();
        outcome::write_stored(&mut out, &arn, &outcome);
        let _ = writeln!(out, "  {BOLD}redrive count{BOLD:#}: {redrive_count}");
    }
    Ok(run::exit_code(&status))
}
