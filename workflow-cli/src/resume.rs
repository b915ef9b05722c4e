//! `workflow resume --store DB`: finishes every unfinished execution of a store (left by a
//! `run --store` that stopped or crashed), its tasks served as `run` serves them.

use std::io::Write;
use std::path::PathBuf;

use serde_json::{Value, json};
use workflow_runtime::Runtime;

use crate::outcome::{self, Outcome};
use crate::run::{self, ServeArgs, Serving};
use crate::{Format, exit};

#[derive(clap::Args, Clone)]
#[command(mut_arg("state_machine", |arg| arg.help(
    "The state machine of the mock config (its StateMachines entry) whose test case serves \
     the tasks of every execution resumed, whatever state machine each belongs to (default: \
     the only one)"
)))]
pub struct Args {
    /// The SQLite store a `workflow run --store DB` recorded its execution in.
    #[arg(long, value_name = "DB")]
    pub store: PathBuf,
    #[command(flatten)]
    pub serve: ServeArgs,
    /// `human` (each execution's outcome) or `json` (one object on stdout listing them).
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
}

pub fn main(args: Args) -> anyhow::Result<u8> {
    // A mock config's state machine: `--state-machine`, or the only one it has.
    let serving = Serving::new(&args.serve, "")?;
    let outcomes = run::on_existing_store(&args.store, async move |store| {
        let runtime = serving.runtime(Runtime::builder().store(store));
        let handles = runtime
            .resume()
            .await
            .map_err(|e| anyhow::anyhow!("cannot resume the executions of the store: {e}"))?;
        // They all go on at once (each on its own task): waiting for one after the other
        // waits for the longest.
        crate::signals::until_interrupted(async {
            let mut outcomes = Vec::with_capacity(handles.len());
            for handle in &handles {
                outcomes.push((handle.execution_arn().to_string(), handle.outcome().await));
            }
            anyhow::Ok(outcomes)
        })
        .await
    })?;
    // The first that did not succeed gives the exit code, as `run`'s would.
    let code = outcomes
        .iter()
        .map(|(_, status)| run::exit_code(status))
        .find(|&code| code != exit::OK)
        .unwrap_or(exit::OK);
    if args.format == Format::Json {
        let executions: Vec<Value> = outcomes
            .iter()
            .map(|(arn, status)| Outcome::from(status).json(Some(arn)))
            .collect();
        let _ = writeln!(
            crate::output::plain_stdout(),
            "{}",
            json!({ "executions": executions })
        );
        return Ok(code);
    }
    let mut out = crate::output::stdout();
    if outcomes.is_empty() {
        let _ = writeln!(out, "no unfinished execution in {}", args.store.display());
    }
    for (arn, status) in &outcomes {
        outcome::write_stored(&mut out, arn, &status.into());
    }
    Ok(code)
}
