//! Terminal output: rustc-style diagnostics with the source lines underlined, in colour when
//! the terminal takes it (anstream strips colour when piped or when NO_COLOR is set).

use std::io::Write;

use anstyle::{AnsiColor, Style};
use workflow_core::diagnostic::{Diagnostic, Location, Severity};

pub const ERROR: Style = AnsiColor::Red.on_default().bold();
pub const WARNING: Style = AnsiColor::Yellow.on_default().bold();
pub const INFO: Style = AnsiColor::Cyan.on_default().bold();
pub const GOOD: Style = AnsiColor::Green.on_default().bold();
pub const GUTTER: Style = AnsiColor::Blue.on_default().bold();
pub const BOLD: Style = Style::new().bold();

/// `error: <message>` on stderr.
pub fn error_line(message: &str) {
    let mut err = anstream::stderr();
    let _ = writeln!(err, "{ERROR}error{ERROR:#}: {message}");
}

/// One problem, rustc-style.
pub struct Report<'a> {
    pub level: &'a str,
    pub style: Style,
    pub code: &'a str,
    pub message: &'a str,
    pub file: &'a str,
    pub location: Option<Location>,
    pub notes: Vec<String>,
}

/// Writes `report` with the offending source line(s) underlined.
pub fn report(out: &mut impl Write, source: &str, r: &Report<'_>) {
    let Report {
        level,
        style,
        code,
        message,
        file,
        location,
        ..
    } = r;
    let _ = writeln!(
        out,
        "{style}{level}[{code}]{style:#}{BOLD}: {message}{BOLD:#}"
    );
    let Some(loc) = location else {
        let _ = writeln!(out, "  {GUTTER}-->{GUTTER:#} {file}");
        for note in &r.notes {
            let _ = writeln!(out, "   {GUTTER}={GUTTER:#} {note}");
        }
        let _ = writeln!(out);
        return;
    };
    let _ = writeln!(
        out,
        "  {GUTTER}-->{GUTTER:#} {file}:{}:{}",
        loc.line, loc.column
    );
    let lines: Vec<&str> = source.lines().collect();
    // The gutter is as wide as the last line number shown (a span shows at most three lines).
    let span_lines = source
        .get(loc.offset..(loc.offset + loc.length).min(source.len()))
        .map_or(0, |s| s.trim_end_matches('\n').matches('\n').count());
    let width = (loc.line + span_lines.min(2)).to_string().len();
    let pad = " ".repeat(width);
    let _ = writeln!(out, "{pad} {GUTTER}|{GUTTER:#}");
    // The span may cover several lines (an object): show at most three, underline each.
    let end = loc.offset + loc.length.max(1);
    let mut offset_of_line = source
        .lines()
        .take(loc.line.saturating_sub(1))
        .map(|l| l.len() + 1)
        .sum::<usize>();
    let last_line = (loc.line + 2).min(lines.len());
    for n in loc.line..=last_line.max(loc.line) {
        let Some(text) = lines.get(n - 1) else { break };
        let line_start = offset_of_line;
        let line_end = line_start + text.len();
        offset_of_line = line_end + 1;
        let from = loc.offset.max(line_start);
        if from > line_end || (n > loc.line && from >= end) {
            break;
        }
        let to = end.min(line_end).max(from + 1);
        let text_shown = text.trim_end_matches('\r');
        let _ = writeln!(out, "{GUTTER}{n:>width$} |{GUTTER:#} {text_shown}");
        let prefix: String = text
            .get(..from - line_start)
            .unwrap_or("")
            .chars()
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        let carets = "^".repeat(
            text.get(from - line_start..to - line_start)
                .map_or(1, |s| s.chars().count().max(1)),
        );
        let _ = writeln!(
            out,
            "{pad} {GUTTER}|{GUTTER:#} {prefix}{style}{carets}{style:#}"
        );
        if end <= line_end + 1 {
            break;
        }
    }
    for note in &r.notes {
        let _ = writeln!(out, "{pad} {GUTTER}={GUTTER:#} {note}");
    }
    let _ = writeln!(out);
}

/// Writes every diagnostic of a file to stdout.
pub fn diagnostics(file: &str, source: &str, diagnostics: &[Diagnostic]) {
    let mut out = crate::output::stdout();
    for d in diagnostics {
        let level = d.severity.as_str();
        let style = match d.severity {
            Severity::Error => ERROR,
            Severity::Warning => WARNING,
        };
        let notes = if d.pointer.is_empty() {
            Vec::new()
        } else {
            vec![format!("at {}", d.pointer)]
        };
        report(
            &mut out,
            source,
            &Report {
                level,
                style,
                code: d.code,
                message: &d.message,
                file,
                location: d.location,
                notes,
            },
        );
    }
}

/// `s` cut to `max` characters, with an ellipsis.
pub fn short(s: &str, max: usize) -> String {
    let one_line: String = s.chars().map(|c| if c == '\n' { ' ' } else { c }).collect();
    if one_line.chars().count() <= max {
        one_line
    } else {
        let mut cut: String = one_line.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// A diagnostic as JSON, for tools: code, severity, message, pointer and, when known, line,
/// column, offset and length.
pub fn diagnostic_json(d: &Diagnostic) -> serde_json::Value {
    use serde_json::json;
    let mut v = json!({
        "code": d.code,
        "severity": d.severity.as_str(),
        "message": d.message,
        "pointer": d.pointer,
    });
    if let Some(loc) = d.location {
        v["line"] = json!(loc.line);
        v["column"] = json!(loc.column);
        v["offset"] = json!(loc.offset);
        v["length"] = json!(loc.length);
    }
    v
}
