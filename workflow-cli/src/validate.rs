//! `workflow validate FILE...`

use std::io::Write;
use std::path::PathBuf;

use serde_json::json;
use workflow_core::diagnostic::Severity;
use workflow_core::plan::CompileOptions;

use crate::input::{self, Loaded};
use crate::render::{self, GOOD, WARNING};
use crate::{Format, MachineTypeArg, exit};

#[derive(clap::Args)]
pub struct Args {
    /// ASL definition files (JSON).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Validate as this type of state machine.
    #[arg(long = "type", value_enum, default_value = "standard")]
    machine_type: MachineTypeArg,
    /// `human` (rustc-style, with the source underlined) or `json` (for tools).
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
}

pub fn main(args: Args) -> anyhow::Result<u8> {
    let options = CompileOptions {
        machine_type: args.machine_type.into(),
    };
    let mut code = exit::OK;
    let mut results = Vec::new();
    let mut out = crate::output::stdout();
    for path in &args.files {
        let file = path.display().to_string();
        let text = match input::read_definition(path) {
            Ok(t) => t,
            Err(e) => {
                code = code.max(input::read_failure_code(&e));
                if args.format == Format::Json {
                    results.push(json!({"file": file, "valid": false, "error": format!("{e:#}"), "diagnostics": []}));
                } else {
                    render::error_line(&format!("{e:#}"));
                }
                continue;
            }
        };
        match input::load(&text, &options) {
            Loaded::Valid(def) => {
                let states = input::count_states(&def.machine().states);
                let unsupported = def.plan().err();
                let notes = unsupported.iter().flat_map(|u| u.0.iter());
                if args.format == Format::Json {
                    let mut result = json!({"file": file, "valid": true, "states": states});
                    render::diagnostics_json(
                        &mut result,
                        def.warnings()
                            .iter()
                            .map(|d| (d, None))
                            .chain(notes.map(|d| (d, Some("note")))),
                    );
                    results.push(result);
                    continue;
                }
                render::diagnostics(&mut out, &file, &text, def.warnings());
                let _ = writeln!(
                    out,
                    "{GOOD}valid{GOOD:#}: {file} ({states} state{}{})",
                    if states == 1 { "" } else { "s" },
                    if def.warnings().is_empty() {
                        String::new()
                    } else {
                        format!(", {} warning(s)", def.warnings().len())
                    }
                );
                let mut limit = render::Limit::human();
                for d in notes.filter(|d| limit.admit(d.code)) {
                    let _ = writeln!(
                        out,
                        "  {WARNING}note{WARNING:#}: `workflow run` cannot run it yet: {} (at {})",
                        render::clip_middle(&d.message, render::MESSAGE_CHARS),
                        render::clip_middle(&d.pointer, render::POINTER_CHARS)
                    );
                }
                limit.write_omitted(&mut out, "notes");
            }
            Loaded::Invalid(d) => {
                code = code.max(exit::PROBLEMS);
                let errors = d.0.iter().filter(|d| d.severity == Severity::Error).count();
                if args.format == Format::Json {
                    let mut result = json!({"file": file, "valid": false});
                    render::diagnostics_json(&mut result, d.0.iter().map(|d| (d, None)));
                    results.push(result);
                    continue;
                }
                render::diagnostics(&mut out, &file, &text, &d.0);
                render::error_line(&format!(
                    "{file} is not a valid state machine: {errors} error{}",
                    if errors == 1 { "" } else { "s" }
                ));
            }
            Loaded::NotJson(d) => {
                code = code.max(exit::PROBLEMS);
                let line = input::not_json_line(path, &d);
                if args.format == Format::Json {
                    results.push(json!({"file": file, "valid": false, "error": line, "diagnostics": [render::diagnostic_json(&d)]}));
                } else {
                    render::error_line(&line);
                }
            }
            Loaded::NotStateMachine(why) => {
                code = code.max(exit::PROBLEMS);
                let line = format!("{file} is not a state machine: {why}");
                if args.format == Format::Json {
                    results.push(json!({"file": file, "valid": false, "error": line, "diagnostics": [{
                        "code": input::NOT_A_STATE_MACHINE, "severity": "error", "message": why, "pointer": ""
                    }]}));
                } else {
                    render::error_line(&line);
                }
            }
        }
    }
    if args.format == Format::Json {
        let valid = results.iter().all(|r| r["valid"] == true);
        let doc = json!({"valid": valid, "files": results});
        let _ = writeln!(
            crate::output::plain_stdout(),
            "{}",
            serde_json::to_string_pretty(&doc)?
        );
    }
    Ok(code)
}
