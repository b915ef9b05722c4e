//! `workflow iam FILE` (the least-privilege policy of the state machine's role) and
//! `workflow template FILE` (an AWS SAM template that deploys it), both from
//! `workflow_core::deploy`.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::bail;
use serde_json::Value;
use workflow_core::deploy::pattern::PlainValues;
use workflow_core::deploy::policy::{Note, PolicyOptions, policy};
use workflow_core::deploy::template::{Architecture, LogLevel, TemplateOptions, template};
use workflow_core::deploy::{substitute, substitutions};
use workflow_core::lint::Finding;
use workflow_core::model::StateMachine;
use workflow_core::plan::{CompileOptions, MachineType};

use crate::render::{INFO, WARNING};
use crate::{MachineTypeArg, exit, input};

#[derive(clap::Args)]
pub struct IamArgs {
    /// The ASL definition (JSON).
    file: PathBuf,
    /// The region the state machine runs in (`*` in its ARNs when not given).
    #[arg(long)]
    region: Option<String>,
    /// The id of the account it runs in (`*` in its ARNs when not given).
    #[arg(long)]
    account: Option<String>,
    /// The AWS partition.
    #[arg(long, default_value = "aws")]
    partition: String,
    /// The state machine's name, for the permissions it needs on itself (HTTP Task,
    /// Distributed Map); `*` when not given.
    #[arg(long)]
    state_machine_name: Option<String>,
    /// The value of a `${NAME}` substitution of the definition (repeatable):
    /// `--substitute ChargePayment=arn:aws:lambda:eu-west-1:123456789012:function:charge`.
    /// One without a value is `*` in the policy.
    #[arg(long, value_name = "NAME=VALUE")]
    substitute: Vec<String>,
    /// Add the permissions logging to CloudWatch Logs needs.
    #[arg(long)]
    logging: bool,
    /// Add the permissions X-Ray tracing needs.
    #[arg(long)]
    tracing: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum LogLevelArg {
    /// Every event.
    All,
    /// Failures of tasks, states and the execution.
    Error,
    /// The execution's failure only.
    Fatal,
    /// No logging.
    Off,
}

#[derive(clap::Args)]
pub struct TemplateArgs {
    /// The ASL definition (JSON).
    file: PathBuf,
    /// The state machine's name (default: the file's name without `.asl.json`).
    #[arg(long)]
    name: Option<String>,
    /// STANDARD or EXPRESS.
    #[arg(long = "type", value_enum, default_value = "standard")]
    machine_type: MachineTypeArg,
    /// What the state machine logs to CloudWatch Logs (the template's LogLevel default).
    #[arg(long, value_enum, default_value = "error")]
    log_level: LogLevelArg,
    /// Log execution data (inputs and outputs) too.
    #[arg(long)]
    include_execution_data: bool,
    /// How many days CloudWatch Logs keeps the log events.
    #[arg(long, default_value_t = 30, value_name = "DAYS")]
    log_retention_days: u32,
    /// Trace the state machine and its functions with X-Ray.
    #[arg(long)]
    tracing: bool,
    /// The directory that holds the tasks' `bootstrap` binary (`cargo lambda build` writes
    /// `target/lambda/<binary>/bootstrap`).
    #[arg(long, default_value = "target/lambda/tasks", value_name = "DIR")]
    code_uri: String,
    /// Build and run the functions on arm64 (Graviton) instead of x86_64.
    #[arg(long)]
    arm64: bool,
    /// The functions' memory, in MB.
    #[arg(long, default_value_t = 128, value_name = "MB")]
    memory_size: u32,
    /// The functions' time-out, in seconds.
    #[arg(long, default_value_t = 30, value_name = "SECONDS")]
    function_timeout: u32,
}

/// `note: <pointer>: <message>` on stderr, for what the policy leaves to the user.
fn print_notes(notes: &[Note]) {
    let mut err = anstream::stderr();
    for n in notes {
        let at = if n.pointer.is_empty() {
            String::new()
        } else {
            format!("{}: ", n.pointer)
        };
        let _ = writeln!(err, "{INFO}note{INFO:#}: {at}{}", n.message);
    }
}

fn print_findings(file: &str, findings: &[Finding]) {
    let mut err = anstream::stderr();
    for f in findings {
        let _ = writeln!(
            err,
            "{WARNING}{}{WARNING:#}[{}]: {file}: {}",
            f.severity(),
            f.rule.id,
            f.message
        );
    }
}

pub fn iam(args: IamArgs) -> anyhow::Result<u8> {
    let (_, def) = input::definition(&args.file, &CompileOptions::default())?;
    let mut definition = def.machine().to_json();
    let names = substitutions(&definition);
    let mut values: Vec<(String, String)> = Vec::new();
    for pair in &args.substitute {
        let Some((name, value)) = pair.split_once('=') else {
            bail!("--substitute {pair}: expected NAME=VALUE");
        };
        if !names.iter().any(|n| n == name) {
            let listed = if names.is_empty() {
                "it has none".to_string()
            } else {
                format!("its substitutions are {}", names.join(", "))
            };
            bail!(
                "--substitute {name}: {} has no ${{{name}}}; {listed}",
                args.file.display()
            );
        }
        values.push((name.to_string(), value.to_string()));
    }
    substitute(&mut definition, &|name| {
        values
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    });
    let machine = StateMachine::from_json_str(&definition.to_string()).map_err(|d| {
        anyhow::anyhow!(
            "{} with its substitutions filled in is not a state machine: {d}",
            args.file.display()
        )
    })?;
    let policy = policy(
        &machine,
        &PolicyOptions::default()
            .logging(args.logging)
            .tracing(args.tracing),
    );
    let plain = PlainValues::default()
        .partition(Some(args.partition.clone()))
        .region(args.region.clone())
        .account(args.account.clone())
        .state_machine_name(args.state_machine_name.clone());
    let document = policy.document(&|p| Value::String(plain.render(p)));
    let mut notes = policy.notes.clone();
    for name in substitutions(&definition) {
        notes.push(Note {
            pointer: String::new(),
            message: format!(
                "${{{name}}} has no value: the policy allows any resource of its kind in its place; --substitute {name}=VALUE names it"
            ),
        });
    }
    print_notes(&notes);
    let _ = writeln!(
        crate::output::plain_stdout(),
        "{}",
        serde_json::to_string_pretty(&document)?
    );
    Ok(exit::OK)
}

/// The state machine's name from its file: `CompleteOrder.asl.json` is `CompleteOrder`.
fn name_of(path: &Path) -> String {
    let file = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = file
        .strip_suffix(".asl.json")
        .or_else(|| file.strip_suffix(".json"))
        .unwrap_or(&file);
    // State machine names: letters, digits, `-` and `_`.
    let name: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if name.is_empty() {
        "StateMachine".to_string()
    } else {
        name
    }
}

pub fn template_command(args: TemplateArgs) -> anyhow::Result<u8> {
    let machine_type: MachineType = args.machine_type.into();
    let (_, def) = input::definition(&args.file, &CompileOptions { machine_type })?;
    let log_level = match args.log_level {
        LogLevelArg::All => LogLevel::All,
        LogLevelArg::Error => LogLevel::Error,
        LogLevelArg::Fatal => LogLevel::Fatal,
        LogLevelArg::Off => LogLevel::Off,
    };
    let options = TemplateOptions::new(args.name.unwrap_or_else(|| name_of(&args.file)))
        .machine_type(machine_type)
        .log_level(log_level)
        .include_execution_data(args.include_execution_data)
        .log_retention_days(args.log_retention_days)
        .tracing(args.tracing)
        .code_uri(args.code_uri)
        .architecture(if args.arm64 {
            Architecture::Arm64
        } else {
            Architecture::X86_64
        })
        .memory_size(args.memory_size)
        .function_timeout_seconds(args.function_timeout);
    let t = template(def.machine(), &options);
    print_notes(&t.policy.notes);
    print_findings(&args.file.display().to_string(), &t.findings);
    let _ = writeln!(
        crate::output::plain_stdout(),
        "{}",
        serde_json::to_string_pretty(&t.document)?
    );
    Ok(exit::OK)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_names_its_state_machine() {
        assert_eq!(
            name_of(Path::new("examples/asl/CompleteOrder.asl.json")),
            "CompleteOrder"
        );
        assert_eq!(name_of(Path::new("order flow.json")), "order-flow");
        assert_eq!(name_of(Path::new("machine")), "machine");
    }
}
