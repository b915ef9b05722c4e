//! `workflow history FILE`, and the history table `workflow run` and `workflow history
//! --store` print.
//!
//! Reads the JSON of `workflow run --history-out` or of `aws stepfunctions
//! get-execution-history` (`{"events": [...]}`), or a bare array of events.

use std::io::Write;
use std::path::PathBuf;

use anyhow::bail;
use comfy_table::{ContentArrangement, Table, TableComponent, presets};
use serde_json::Value;

use crate::exit;
use crate::input;
use crate::render::short;

#[derive(clap::Args)]
pub struct Args {
    /// A saved history: `workflow run --history-out FILE`, or `aws stepfunctions
    /// get-execution-history --execution-arn ARN > FILE`. With --store: the execution, by
    /// its ARN or name.
    #[arg(value_name = "FILE|EXECUTION")]
    pub file: PathBuf,
    /// Width of the detail column, in characters (at most 10,000).
    #[arg(long, default_value_t = 60, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=MAX_DETAIL_WIDTH as u64))]
    pub width: usize,
}

/// The widest detail column: comfy-table measures columns in `u16` and splits a wider cell
/// into lines, in time that grows with the square of its length.
const MAX_DETAIL_WIDTH: usize = 10_000;

/// The widest event type or state cell. AWS's names have at most 80 characters (a
/// Map iteration adds its `[index]`); a history from elsewhere may hold anything, and a cell
/// is cut rather than handed whole to comfy-table.
const MAX_NAME_CHARS: usize = 100;

pub fn main(args: Args) -> anyhow::Result<u8> {
    let text = input::read(&args.file)?;
    let shown = show(&text, &args.file.display().to_string(), args.width)?;
    let _ = writeln!(crate::output::stdout(), "{shown}");
    Ok(exit::OK)
}

/// What `workflow history` prints for the text of a saved history: the table of its events
/// and the summary line. Fails with a one-line reason, naming `file`, when the text is not a
/// history.
pub fn show(text: &str, file: &str, width: usize) -> anyhow::Result<String> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| anyhow::anyhow!("{file} is not JSON: {e}"))?;
    let events = events_of(&value)
        .ok_or_else(|| anyhow::anyhow!("{file} is not an execution history: expected {{\"events\": [...]}} or an array of events"))?;
    if let Some(bad) = events
        .iter()
        .position(|e| e.get("type").and_then(Value::as_str).is_none())
    {
        bail!(
            "{file} is not an execution history: event {} has no \"type\"",
            bad + 1
        );
    }
    Ok(render(events, width))
}

/// The table of `events` and the summary line under it: what `workflow history` prints for
/// a saved history or a store's, and `workflow run` for its execution.
pub fn render(events: &[Value], width: usize) -> String {
    format!("{}\n{}", trimmed(&table(events, width)), summary(events))
}

/// The events of a history document.
pub fn events_of(v: &Value) -> Option<&Vec<Value>> {
    match v {
        Value::Array(a) => Some(a),
        Value::Object(o) => o.get("events").and_then(Value::as_array),
        _ => None,
    }
}

/// Milliseconds since the epoch of an event's `timestamp`: an RFC 3339 string, or seconds
/// since the epoch as a number (the AWS CLI prints either, depending on its settings). A
/// number past the calendar (chrono's: some 262,000 years either way) is no time, like text
/// that does not parse: so the offsets between two times never overflow.
fn millis(event: &Value) -> Option<i64> {
    match event.get("timestamp")? {
        Value::String(s) => chrono::DateTime::parse_from_rfc3339(s)
            .ok()
            .map(|t| t.timestamp_millis()),
        Value::Number(n) => n
            .as_f64()
            .map(|s| (s * 1000.0).round() as i64)
            .filter(|&ms| chrono::DateTime::from_timestamp_millis(ms).is_some()),
        _ => None,
    }
}

/// The member holding an event's details (`stateEnteredEventDetails`, ...).
fn details(event: &Value) -> Option<&serde_json::Map<String, Value>> {
    event.as_object()?.iter().find_map(|(k, v)| {
        if k.ends_with("EventDetails") {
            v.as_object()
        } else {
            None
        }
    })
}

/// The state an event belongs to, when it says.
pub fn state_name(event: &Value) -> Option<String> {
    let d = details(event)?;
    let name = d.get("name")?.as_str()?;
    match d.get("index").and_then(Value::as_u64) {
        Some(i) => Some(format!("{name}[{i}]")),
        None => Some(name.to_string()),
    }
}

fn detail(event: &Value, width: usize) -> String {
    let Some(d) = details(event) else {
        return String::new();
    };
    // Inputs and outputs are JSON text inside the JSON.
    let data = |key: &str| {
        d.get(key).and_then(Value::as_str).map(|s| {
            let compact = serde_json::from_str::<Value>(s)
                .map(|v| v.to_string())
                .unwrap_or_else(|_| s.to_string());
            short(&compact, width)
        })
    };
    if let Some(error) = d.get("error").and_then(Value::as_str) {
        let cause = d.get("cause").and_then(Value::as_str).unwrap_or("");
        return short(&format!("{error}: {cause}"), width);
    }
    if d.contains_key("cause") {
        return short(d["cause"].as_str().unwrap_or(""), width);
    }
    let t = event["type"].as_str().unwrap_or("");
    if t == "TaskScheduled" {
        let rt = d.get("resourceType").and_then(Value::as_str).unwrap_or("");
        let r = d.get("resource").and_then(Value::as_str).unwrap_or("");
        return short(
            &format!("{rt}:{r} {}", data("parameters").unwrap_or_default()),
            width,
        );
    }
    if t == "LambdaFunctionScheduled" {
        return short(
            &format!(
                "{} {}",
                d.get("resource").and_then(Value::as_str).unwrap_or(""),
                data("input").unwrap_or_default()
            ),
            width,
        );
    }
    if t == "MapStateStarted" {
        return format!(
            "{} items",
            d.get("length").and_then(Value::as_u64).unwrap_or(0)
        );
    }
    data("output").or_else(|| data("input")).unwrap_or_default()
}

/// `+1h 02m 03.5s`-style offsets.
fn offset(ms: i64) -> String {
    let s = ms as f64 / 1000.0;
    if ms < 60_000 {
        format!("+{s:.3}s")
    } else if ms < 3_600_000 {
        format!("+{}m{:06.3}s", ms / 60_000, (ms % 60_000) as f64 / 1000.0)
    } else {
        format!(
            "+{}h{:02}m{:06.3}s",
            ms / 3_600_000,
            (ms % 3_600_000) / 60_000,
            (ms % 60_000) as f64 / 1000.0
        )
    }
}

/// An empty table with `header`, in the style of the history table (no borders, a rule
/// under the header, cells never wrapped).
pub fn plain_table(header: Vec<&str>) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::NOTHING)
        .set_style(TableComponent::HeaderLines, '─')
        .set_style(TableComponent::MiddleHeaderIntersections, '─')
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(header);
    table
}

/// The events as a table: id, time since the earliest event, type, state, detail. The
/// earliest, not the first row: the rows of `history --store --reverse` are newest first, and
/// their times are those of the same rows oldest first.
fn table(events: &[Value], width: usize) -> Table {
    let first = events.iter().filter_map(millis).min().unwrap_or(0);
    let mut table = plain_table(vec!["id", "time", "event", "state", "detail"]);
    for (i, e) in events.iter().enumerate() {
        let id = e
            .get("id")
            .and_then(Value::as_u64)
            .map_or_else(|| (i + 1).to_string(), |n| n.to_string());
        let time = millis(e).map(|t| offset(t - first)).unwrap_or_default();
        table.add_row(vec![
            id,
            time,
            short(e["type"].as_str().unwrap_or(""), MAX_NAME_CHARS),
            short(&state_name(e).unwrap_or_default(), MAX_NAME_CHARS),
            detail(e, width.min(MAX_DETAIL_WIDTH)),
        ]);
    }
    table
}

/// The table's text without the padding at the end of each line.
pub fn trimmed(table: &Table) -> String {
    table
        .to_string()
        .lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
}

/// `42 events over 1h 00m 06.000s; ends with ExecutionSucceeded`.
fn summary(events: &[Value]) -> String {
    let times: Vec<i64> = events.iter().filter_map(millis).collect();
    let span = match (times.iter().min(), times.iter().max()) {
        (Some(a), Some(b)) => offset(b - a).trim_start_matches('+').to_string(),
        _ => "?".into(),
    };
    // The type is the file's text: cut like the table's cells, so the line stays one line.
    let last = events
        .last()
        .and_then(|e| e["type"].as_str())
        .map_or_else(|| "nothing".to_string(), |t| short(t, 100));
    format!("{} events over {span}; the last is {last}", events.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn huge_names_and_payloads_make_cells_of_bounded_width() {
        // comfy-table splits a cell wider than 65,535 columns into lines, each split copying
        // the rest of the cell: a 10 MB state name took 11 s. Every cell is cut first, so no
        // line of the table can be wider than the cells' bounds, whatever the history holds.
        let huge = "n".repeat(4 << 20);
        let events = vec![
            json!({"id": 1, "type": huge, "timestamp": "2024-01-01T00:00:00Z"}),
            json!({"id": 2, "type": "PassStateEntered", "timestamp": "2024-01-01T00:00:01Z",
                   "stateEnteredEventDetails": {"name": huge, "input": json!({"a": huge}).to_string()}}),
            json!({"id": 3, "type": "ExecutionFailed", "timestamp": "2024-01-01T00:00:02Z",
                   "executionFailedEventDetails": {"error": huge, "cause": huge}}),
        ];
        let text = trimmed(&table(&events, usize::MAX));
        let widest = text.lines().map(|l| l.chars().count()).max().unwrap();
        // Two name cells, the detail, the id and time columns and the padding.
        assert!(
            widest <= 2 * MAX_NAME_CHARS + MAX_DETAIL_WIDTH + 40,
            "a line is {widest} characters wide"
        );
        assert_eq!(text.lines().count(), 2 + events.len());
        let state = format!("{}…", "n".repeat(MAX_NAME_CHARS - 1));
        assert!(text.lines().nth(3).unwrap().contains(&state));
    }

    #[test]
    fn rows_newest_first_are_timed_from_the_earliest_event() {
        // `history --store --reverse` shows the same table newest first: each event keeps the
        // time it has oldest first, the start at +0 and the end an hour later (no negative
        // offsets from the first row, the newest).
        let events = [
            json!({"id": 1, "type": "ExecutionStarted", "timestamp": "2024-01-01T00:00:00Z"}),
            json!({"id": 2, "type": "WaitStateEntered", "timestamp": "2024-01-01T00:00:00.500Z"}),
            json!({"id": 3, "type": "ExecutionSucceeded", "timestamp": "2024-01-01T01:00:00Z"}),
        ];
        let rows = |events: &[Value]| -> Vec<String> {
            trimmed(&table(events, 60))
                .lines()
                .skip(2)
                .map(str::to_string)
                .collect()
        };
        let oldest_first = rows(&events);
        let mut newest_first = events.to_vec();
        newest_first.reverse();
        let mut reversed = rows(&newest_first);
        reversed.reverse();
        assert_eq!(reversed, oldest_first);
        assert!(oldest_first[0].contains("+0.000s"), "{oldest_first:?}");
        assert!(oldest_first[1].contains("+0.500s"), "{oldest_first:?}");
        assert!(
            oldest_first[2].contains("+1h00m00.000s"),
            "{oldest_first:?}"
        );
    }
}
