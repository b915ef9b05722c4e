//! `workflow lint FILE...`: the best-practice rules of `workflow_core::lint`, rendered.

use std::io::Write;
use std::path::PathBuf;

use anyhow::bail;
use serde_json::json;
use workflow_core::lint::{Finding, LintSeverity, lint, rule, rules, template_findings};
use workflow_core::plan::{CompileOptions, MachineType};

use crate::input::{self, Loaded};
use crate::render::{self, GOOD, INFO, Report, WARNING};
use crate::{Format, MachineTypeArg, exit};

#[derive(clap::Args)]
pub struct Args {
    /// ASL definition files (JSON).
    #[arg(required_unless_present_any = ["rules", "template"])]
    files: Vec<PathBuf>,
    /// A CloudFormation or SAM template (JSON, as `workflow template` writes it) whose state
    /// machines are checked as deployed: an EXPRESS one without logging
    /// (`express-no-logging`).
    #[arg(long, value_name = "FILE")]
    template: Option<PathBuf>,
    /// Lint as this type of state machine (EXPRESS adds its five-minute and integration rules).
    #[arg(long = "type", value_enum, default_value = "standard")]
    machine_type: MachineTypeArg,
    /// Silence a rule (repeatable): `--allow task-no-timeout`.
    #[arg(long, value_name = "RULE")]
    allow: Vec<String>,
    /// Fail (exit 1) on warnings too, not only on errors.
    #[arg(long)]
    deny_warnings: bool,
    /// List the rules and exit.
    #[arg(long)]
    rules: bool,
    /// `human` or `json`.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
}

fn style(s: LintSeverity) -> anstyle::Style {
    match s {
        LintSeverity::Error => render::ERROR,
        LintSeverity::Warning => WARNING,
        LintSeverity::Info => INFO,
    }
}

/// Whether a finding fails the command (exit 1).
fn fails(f: &Finding, deny_warnings: bool) -> bool {
    f.severity() == LintSeverity::Error || (deny_warnings && f.severity() == LintSeverity::Warning)
}

/// One finding, rustc-style, with `notes` before its explanation.
fn report(
    out: &mut impl Write,
    lines: &render::Source<'_>,
    file: &str,
    f: &Finding,
    location: Option<workflow_core::Location>,
    mut notes: Vec<String>,
) {
    notes.push(format!("why: {}", f.rule.explanation));
    render::report(
        out,
        lines,
        &Report {
            level: f.severity().as_str(),
            style: style(f.severity()),
            code: f.rule.id,
            message: &f.message,
            file,
            location,
            notes,
        },
    );
}

pub fn main(args: Args) -> anyhow::Result<u8> {
    let mut out = crate::output::stdout();
    if args.rules {
        if args.format == Format::Json {
            let list: Vec<_> = rules::ALL
                .iter()
                .map(|r| json!({"id": r.id, "severity": r.severity.as_str(), "explanation": r.explanation}))
                .collect();
            let _ = writeln!(out, "{}", serde_json::to_string_pretty(&list)?);
        } else {
            for r in rules::ALL {
                let s = style(r.severity);
                let _ = writeln!(
                    out,
                    "{:<32} {s}{:<8}{s:#} {}",
                    r.id, r.severity, r.explanation
                );
            }
        }
        return Ok(exit::OK);
    }
    for id in &args.allow {
        if rule(id).is_none() {
            let ids: Vec<&str> = rules::ALL.iter().map(|r| r.id).collect();
            bail!(
                "--allow {id}: no such rule; the rules are {}",
                ids.join(", ")
            );
        }
    }
    let machine_type: MachineType = args.machine_type.into();
    // Accept what AWS accepts for a STANDARD machine: what EXPRESS refuses is a lint error.
    let accept = CompileOptions::default();
    let options = CompileOptions { machine_type };
    let mut code = exit::OK;
    let mut results = Vec::new();
    for path in &args.files {
        let file = path.display().to_string();
        let text = match input::read_definition(path) {
            Ok(t) => t,
            Err(e) => {
                render::error_line(&format!("{e:#}"));
                code = code.max(input::read_failure_code(&e));
                continue;
            }
        };
        let def = match input::load(&text, &accept) {
            Loaded::Valid(def) => def,
            Loaded::Invalid(d) => {
                code = code.max(exit::PROBLEMS);
                if args.format == Format::Human {
                    render::diagnostics(&mut out, &file, &text, &d.0);
                }
                render::error_line(&format!(
                    "{file} is not a valid state machine: run `workflow validate {file}`"
                ));
                results.push(json!({"file": file, "valid": false, "findings": []}));
                continue;
            }
            Loaded::NotJson(d) => {
                code = code.max(exit::PROBLEMS);
                render::error_line(&input::not_json_line(path, &d));
                results.push(json!({"file": file, "valid": false, "findings": []}));
                continue;
            }
            Loaded::NotStateMachine(why) => {
                code = code.max(exit::PROBLEMS);
                render::error_line(&format!("{file} is not a state machine: {why}"));
                results.push(json!({"file": file, "valid": false, "findings": []}));
                continue;
            }
        };
        let findings: Vec<Finding> = lint(def.machine(), &options)
            .into_iter()
            .filter(|f| !args.allow.iter().any(|a| a == f.rule.id))
            .collect();
        if findings.iter().any(|f| fails(f, args.deny_warnings)) {
            code = code.max(exit::PROBLEMS);
        }
        let source = def.source();
        if args.format == Format::Json {
            let mut limit = render::Limit::json();
            let list: Vec<_> = findings
                .iter()
                .filter(|f| limit.admit(f.rule.id))
                .map(|f| {
                    let mut v = json!({
                        "rule": f.rule.id, "severity": f.severity().as_str(),
                        "message": render::clip_json(&f.message),
                        "pointer": render::clip_json(&f.pointer), "explanation": f.rule.explanation,
                    });
                    if let Some(loc) = source.and_then(|s| s.location(&f.pointer)) {
                        v["line"] = json!(loc.line);
                        v["column"] = json!(loc.column);
                    }
                    v
                })
                .collect();
            let mut result = json!({"file": file, "valid": true, "findings": list});
            if let Some(omitted) = limit.omitted_json() {
                result["omitted"] = omitted;
            }
            results.push(result);
            continue;
        }
        let lines = render::Source::new(&text);
        let mut limit = render::Limit::human();
        for f in findings.iter().filter(|f| limit.admit(f.rule.id)) {
            // Underline a state's name (or a field's), not its whole body.
            let location = source.and_then(|s| {
                s.key_location(&f.pointer)
                    .or_else(|| s.location(&f.pointer))
            });
            report(&mut out, &lines, &file, f, location, Vec::new());
        }
        limit.write_omitted(&mut out, "findings");
        let count = |s: LintSeverity| findings.iter().filter(|f| f.severity() == s).count();
        let (e, w, i) = (
            count(LintSeverity::Error),
            count(LintSeverity::Warning),
            count(LintSeverity::Info),
        );
        if findings.is_empty() {
            let _ = writeln!(out, "{GOOD}clean{GOOD:#}: {file}");
        } else {
            let _ = writeln!(out, "{file}: {e} error(s), {w} warning(s), {i} info");
        }
    }
    if let Some(path) = &args.template {
        let file = path.display().to_string();
        let text = input::read(path)?;
        let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            anyhow::anyhow!("{file} is not a JSON template: {e} (YAML templates are not read)")
        })?;
        let findings: Vec<Finding> = template_findings(&value)
            .into_iter()
            .filter(|f| !args.allow.iter().any(|a| a == f.rule.id))
            .collect();
        if findings.iter().any(|f| fails(f, args.deny_warnings)) {
            code = code.max(exit::PROBLEMS);
        }
        if args.format == Format::Json {
            let list: Vec<_> = findings
                .iter()
                .map(|f| {
                    json!({"rule": f.rule.id, "severity": f.severity().as_str(),
                           "message": f.message, "pointer": f.pointer,
                           "explanation": f.rule.explanation})
                })
                .collect();
            results.push(json!({"file": file, "valid": true, "findings": list}));
        } else {
            let lines = render::Source::new(&text);
            for f in &findings {
                let at = vec![format!("at: {}", f.pointer)];
                report(&mut out, &lines, &file, f, None, at);
            }
            if findings.is_empty() {
                let _ = writeln!(out, "{GOOD}clean{GOOD:#}: {file}");
            } else {
                let _ = writeln!(out, "{file}: {} warning(s)", findings.len());
            }
        }
    }
    if args.format == Format::Json {
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&json!({"files": results}))?
        );
    }
    Ok(code)
}
