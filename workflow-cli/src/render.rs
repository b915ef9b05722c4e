//! Terminal output: rustc-style diagnostics with the source lines underlined, in colour when
//! the terminal takes it (anstream strips colour when piped or when NO_COLOR is set).
//!
//! What is shown stays small whatever the definition: a window of a long source line around
//! the problem, messages clipped, at most [`SHOWN_PER_CODE`] diagnostics of one code per file
//! (then a count of the rest), and user text with its control characters written visibly.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Write;

use anstyle::{AnsiColor, Style};
use serde_json::Value;
use unicode_width::UnicodeWidthChar;
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
    let _ = writeln!(
        err,
        "{ERROR}error{ERROR:#}: {}",
        clip_middle(message, ERROR_LINE_CHARS)
    );
}

/// Diagnostics of one code shown per file in human output; the rest are counted.
pub const SHOWN_PER_CODE: usize = 20;
/// Diagnostics of one code, and in all, that JSON output lists per file; the rest are
/// counted in its `omitted` object. Every diagnostic of any real definition fits; the bounds
/// keep a hostile one's output bounded.
pub const JSON_PER_CODE: usize = 1_000;
/// See [`JSON_PER_CODE`].
pub const JSON_PER_FILE: usize = 5_000;
/// Characters of a message or pointer in JSON output (longer ones keep their start and end;
/// the offset and length still locate the problem exactly).
pub const JSON_TEXT_CHARS: usize = 500;
/// Characters of a message in human output.
pub const MESSAGE_CHARS: usize = 300;
/// Characters of a pointer in human output.
pub const POINTER_CHARS: usize = 160;
/// Characters of an error line.
const ERROR_LINE_CHARS: usize = 2_000;
/// Terminal columns of a source line shown: a longer line shows a window around the problem.
const EXCERPT_COLUMNS: usize = 100;
/// Of those, the columns before the problem at most.
const EXCERPT_BEFORE: usize = 32;
/// The spaces a tab is shown as.
const TAB_COLUMNS: usize = 4;

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

/// A source text with its line starts, indexed once for all its diagnostics.
pub struct Source<'t> {
    text: &'t str,
    line_starts: Vec<usize>,
}

impl<'t> Source<'t> {
    pub fn new(text: &'t str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, b)| b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Source { text, line_starts }
    }

    /// Line `n` (from 1), without its line break: (its start offset, its text).
    fn line(&self, n: usize) -> Option<(usize, &'t str)> {
        let start = *self.line_starts.get(n.checked_sub(1)?)?;
        let end = self
            .line_starts
            .get(n)
            .map_or(self.text.len(), |next| next - 1);
        let text = self.text.get(start..end)?;
        Some((start, text.strip_suffix('\r').unwrap_or(text)))
    }
}

/// Writes `report` with the offending source line(s) underlined: at most three lines, each
/// cut to a window of `EXCERPT_COLUMNS` around the problem.
pub fn report(out: &mut impl Write, source: &Source<'_>, r: &Report<'_>) {
    let Report {
        level,
        style,
        code,
        message,
        file,
        location,
        ..
    } = r;
    let message = clip_middle(message, MESSAGE_CHARS);
    let _ = writeln!(
        out,
        "{style}{level}[{code}]{style:#}{BOLD}: {message}{BOLD:#}"
    );
    let Some(loc) = location else {
        let _ = writeln!(out, "  {GUTTER}-->{GUTTER:#} {file}");
        for note in &r.notes {
            let _ = writeln!(
                out,
                "   {GUTTER}={GUTTER:#} {}",
                clip_middle(note, MESSAGE_CHARS)
            );
        }
        let _ = writeln!(out);
        return;
    };
    let _ = writeln!(
        out,
        "  {GUTTER}-->{GUTTER:#} {file}:{}:{}",
        loc.line, loc.column
    );
    let text = source.text;
    let start = floor_boundary(text, loc.offset);
    let end = floor_boundary(text, loc.offset.saturating_add(loc.length.max(1)));
    // A span may cover several lines (an object): show at most three, underline each.
    let mut lines = Vec::new();
    for n in loc.line..loc.line + 3 {
        let Some((line_start, line)) = source.line(n) else {
            break;
        };
        let from = start.max(line_start);
        let line_end = line_start + line.len();
        if from > line_end || (n > loc.line && from >= end) {
            break;
        }
        let to = end.min(line_end).max(from);
        lines.push((n, excerpt(line, from - line_start, to - line_start)));
        if end <= line_end + 1 {
            break;
        }
    }
    let width = lines.last().map_or(loc.line, |(n, _)| *n).to_string().len();
    let pad = " ".repeat(width);
    let _ = writeln!(out, "{pad} {GUTTER}|{GUTTER:#}");
    for (n, (shown, marks)) in &lines {
        let _ = writeln!(out, "{GUTTER}{n:>width$} |{GUTTER:#} {shown}");
        let _ = writeln!(out, "{pad} {GUTTER}|{GUTTER:#} {style}{marks}{style:#}");
    }
    for note in &r.notes {
        let _ = writeln!(
            out,
            "{pad} {GUTTER}={GUTTER:#} {}",
            clip_middle(note, MESSAGE_CHARS)
        );
    }
    let _ = writeln!(out);
}

/// The largest char boundary of `s` at or before `i`.
fn floor_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The columns `c` takes on a terminal (a tab, as shown, [`TAB_COLUMNS`]).
fn columns(c: char) -> usize {
    if c == '\t' {
        TAB_COLUMNS
    } else {
        c.width().unwrap_or(1)
    }
}

/// A line as shown, and the line under it with `^` under bytes `from..to` (at least one
/// caret). A line wider than [`EXCERPT_COLUMNS`] is cut to a window that starts at most
/// [`EXCERPT_BEFORE`] columns before `from`, with `…` where it was cut. Tabs are shown as
/// [`TAB_COLUMNS`] spaces and the marks line gives each character its width on a terminal
/// (two columns for a wide one), so the carets stay under their characters.
fn excerpt(line: &str, from: usize, to: usize) -> (String, String) {
    let from = floor_boundary(line, from);
    let to = floor_boundary(line, to).max(from);
    // A line of at most so many bytes is at most so many columns (tabs aside); short lines
    // are shown whole.
    let whole = line.len() <= EXCERPT_COLUMNS
        && (!line.contains('\t') || line.chars().map(columns).sum::<usize>() <= EXCERPT_COLUMNS);
    let begin = if whole { 0 } else { window_start(line, from) };
    let mut shown = String::new();
    let mut marks = String::new();
    let mut used = 0;
    if begin > 0 {
        shown.push('…');
        marks.push(' ');
        used = 1;
    }
    let mut carets = false;
    let mut cut = false;
    for (i, c) in line[begin..].char_indices() {
        let at = begin + i;
        let w = columns(c);
        // Room for the closing ellipsis.
        if !whole && used + w > EXCERPT_COLUMNS - 1 {
            cut = true;
            break;
        }
        used += w;
        match c {
            // As rustc does: a tab's width is the terminal's, so it is shown as spaces.
            '\t' => shown.extend(std::iter::repeat_n(' ', TAB_COLUMNS)),
            // Valid JSON has no raw control characters but whitespace; other text might.
            c if c.is_control() => shown.push('\u{FFFD}'),
            c => shown.push(c),
        }
        if at >= to {
            continue;
        }
        let fill = if at >= from {
            carets = true;
            '^'
        } else {
            ' '
        };
        marks.extend(std::iter::repeat_n(fill, w.max(usize::from(fill == '^'))));
    }
    if cut {
        shown.push('…');
    }
    if !carets {
        // An empty span, or one at the end of the line: one caret where it starts.
        marks.push('^');
    }
    (shown, marks)
}

/// Where a window of a long line starts: at most [`EXCERPT_BEFORE`] columns before `from`.
fn window_start(line: &str, from: usize) -> usize {
    let mut begin = from;
    let mut used = 0;
    for (i, c) in line[..from].char_indices().rev() {
        used += columns(c);
        if used > EXCERPT_BEFORE {
            break;
        }
        begin = i;
    }
    begin
}

/// Counts diagnostics per code and says which to show: at most so many of each code, and so
/// many in all.
pub struct Limit {
    per_code: usize,
    total: usize,
    admitted: usize,
    /// Per code, in the order first seen: (code, seen, admitted).
    counts: Vec<(String, usize, usize)>,
    index: HashMap<String, usize>,
}

impl Limit {
    /// Human output: [`SHOWN_PER_CODE`] of each code.
    pub fn human() -> Self {
        Limit::new(SHOWN_PER_CODE, usize::MAX)
    }

    /// JSON output: [`JSON_PER_CODE`] of each code, [`JSON_PER_FILE`] in all.
    pub fn json() -> Self {
        Limit::new(JSON_PER_CODE, JSON_PER_FILE)
    }

    fn new(per_code: usize, total: usize) -> Self {
        Limit {
            per_code,
            total,
            admitted: 0,
            counts: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// Counts one diagnostic of `code`: true when it is to be shown.
    pub fn admit(&mut self, code: &str) -> bool {
        let i = match self.index.get(code) {
            Some(&i) => i,
            None => {
                self.index.insert(code.to_string(), self.counts.len());
                self.counts.push((code.to_string(), 0, 0));
                self.counts.len() - 1
            }
        };
        let entry = &mut self.counts[i];
        entry.1 += 1;
        if entry.2 < self.per_code && self.admitted < self.total {
            entry.2 += 1;
            self.admitted += 1;
            true
        } else {
            false
        }
    }

    /// The codes some of whose diagnostics were not shown, with how many.
    pub fn omitted(&self) -> impl Iterator<Item = (&str, usize)> {
        self.counts
            .iter()
            .filter(|(_, seen, admitted)| seen > admitted)
            .map(|(code, seen, admitted)| (code.as_str(), seen - admitted))
    }

    /// `... and 1,880 more unreachable-state diagnostics`, one line per code cut short.
    pub fn write_omitted(&self, out: &mut impl Write, noun: &str) {
        for (code, n) in self.omitted() {
            let _ = writeln!(out, "... and {} more {code} {noun}\n", group(n as u64));
        }
    }

    /// `{"unreachable-state": 1880}`, or None when nothing was left out.
    pub fn omitted_json(&self) -> Option<Value> {
        let map: serde_json::Map<String, Value> = self
            .omitted()
            .map(|(code, n)| (code.to_string(), Value::from(n)))
            .collect();
        (!map.is_empty()).then_some(Value::Object(map))
    }
}

/// Writes the diagnostics of a file, at most [`SHOWN_PER_CODE`] of each code.
pub fn diagnostics(out: &mut impl Write, file: &str, source: &str, diagnostics: &[Diagnostic]) {
    let source = Source::new(source);
    let mut limit = Limit::human();
    for d in diagnostics {
        if !limit.admit(d.code) {
            continue;
        }
        let level = d.severity.as_str();
        let style = match d.severity {
            Severity::Error => ERROR,
            Severity::Warning => WARNING,
        };
        let notes = if d.pointer.is_empty() {
            Vec::new()
        } else {
            vec![format!("at {}", clip_middle(&d.pointer, POINTER_CHARS))]
        };
        report(
            out,
            &source,
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
    limit.write_omitted(out, "diagnostics");
}

/// `s` with what a terminal or a document must not receive raw written visibly: control
/// characters as `\n`, `\t`, `\r` or `\u0001`, and the bidirectional controls and the
/// noncharacters U+FFFE and U+FFFF (which XML cannot hold) as `\u202E`, `\uFFFE`.
pub fn visible(s: &str) -> Cow<'_, str> {
    fn hidden(c: char) -> bool {
        c.is_control()
            || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FFFE}' | '\u{FFFF}')
    }
    if !s.chars().any(hidden) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if hidden(c) => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// `s` made [`visible`] and cut to `max` characters of it, with an ellipsis at the end.
pub fn short(s: &str, max: usize) -> String {
    // Only the start is looked at: `s` may be megabytes long.
    let head: String = s.chars().take(max + 1).collect();
    let shown = visible(&head);
    if shown.chars().count() <= max && head.len() == s.len() {
        shown.into_owned()
    } else {
        let mut cut: String = shown.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

/// `s` made [`visible`], and when longer than `max` characters its start and its end around
/// an ellipsis: a message keeps both what it is about and its advice.
pub fn clip_middle(s: &str, max: usize) -> String {
    match ends(s, max) {
        None => visible(s).into_owned(),
        Some((head, tail)) => format!("{}…{}", visible(head), visible(tail)),
    }
}

/// `s`, or when longer than [`JSON_TEXT_CHARS`] its start and its end around an ellipsis, for
/// JSON output (which escapes what it must itself).
pub fn clip_json(s: &str) -> String {
    match ends(s, JSON_TEXT_CHARS) {
        None => s.to_string(),
        Some((head, tail)) => format!("{head}…{tail}"),
    }
}

/// When `s` is longer than `max` characters: its start and its end, `max - 1` characters
/// together, to be joined by an ellipsis. Looks at no more of `s` than that.
fn ends(s: &str, max: usize) -> Option<(&str, &str)> {
    // More than four bytes per character of `max` is more than `max` characters.
    if s.len() <= max || (s.len() <= 4 * max && s.chars().count() <= max) {
        return None;
    }
    let head_chars = max.saturating_sub(1) / 2;
    let tail_chars = max.saturating_sub(1) - head_chars;
    let head_end = s.char_indices().nth(head_chars).map_or(s.len(), |(i, _)| i);
    let tail_start = match tail_chars {
        0 => s.len(),
        n => s
            .char_indices()
            .rev()
            .nth(n - 1)
            .map_or(head_end, |(i, _)| i),
    };
    Some((&s[..head_end], &s[tail_start.max(head_end)..]))
}

/// A diagnostic as JSON, for tools: code, severity, message, pointer and, when known, line,
/// column, offset and length. Message and pointer are cut to [`JSON_TEXT_CHARS`].
pub fn diagnostic_json(d: &Diagnostic) -> serde_json::Value {
    use serde_json::json;
    let mut v = json!({
        "code": d.code,
        "severity": d.severity.as_str(),
        "message": clip_json(&d.message),
        "pointer": clip_json(&d.pointer),
    });
    if let Some(loc) = d.location {
        v["line"] = json!(loc.line);
        v["column"] = json!(loc.column);
        v["offset"] = json!(loc.offset);
        v["length"] = json!(loc.length);
    }
    v
}

/// The diagnostics of one file as JSON, within [`Limit::json`]: sets `into["diagnostics"]`
/// and, when some were left out, `into["omitted"]` (how many per code).
pub fn diagnostics_json<'d>(
    into: &mut Value,
    diagnostics: impl IntoIterator<Item = (&'d Diagnostic, Option<&'static str>)>,
) {
    let mut limit = Limit::json();
    let mut list = Vec::new();
    for (d, severity) in diagnostics {
        if limit.admit(d.code) {
            let mut v = diagnostic_json(d);
            if let Some(s) = severity {
                v["severity"] = Value::from(s);
            }
            list.push(v);
        }
    }
    into["diagnostics"] = Value::Array(list);
    if let Some(omitted) = limit.omitted_json() {
        into["omitted"] = omitted;
    }
}

/// `1,000,000`.
pub fn group(n: u64) -> String {
    group_digits(&n.to_string())
}

/// Digits with a comma every three.
pub fn group_digits(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The terminal column where `needle` starts in `shown` (wide characters count two).
    fn column_of(shown: &str, needle: &str) -> usize {
        let at = shown.find(needle).expect("shown");
        shown[..at].chars().map(columns).sum()
    }

    #[test]
    fn short_lines_are_shown_whole() {
        let (shown, marks) = excerpt(r#"  "Nxt": "World","#, 2, 7);
        assert_eq!(shown, r#"  "Nxt": "World","#);
        assert_eq!(marks, "  ^^^^^");
        // An empty span at the end of the line: one caret past it.
        let (_, marks) = excerpt("ab", 2, 2);
        assert_eq!(marks, "  ^");
    }

    #[test]
    fn long_lines_show_a_window_with_the_carets_in_place() {
        let line = format!(
            r#"{}"Target": 1{}"#,
            "a,".repeat(50_000),
            ",b".repeat(50_000)
        );
        let from = line.find("\"Target\"").unwrap();
        let (shown, marks) = excerpt(&line, from, from + 8);
        assert!(shown.starts_with('…') && shown.ends_with('…'), "{shown}");
        let width: usize = shown.chars().map(columns).sum();
        assert!(width <= EXCERPT_COLUMNS, "{width}");
        assert_eq!(marks.find('^'), Some(column_of(&shown, "\"Target\"")));
        assert_eq!(marks.trim_start(), "^^^^^^^^");
        // Near the start: no ellipsis before.
        let (shown, marks) = excerpt(&line, 2, 3);
        assert!(shown.starts_with("a,a,") && shown.ends_with('…'));
        assert_eq!(marks, "  ^");
    }

    #[test]
    fn wide_characters_and_tabs_keep_the_carets_under_their_text() {
        // Each of 日本語 takes two columns; a tab is shown as four spaces.
        let line = format!("\t\"日本語\": \"x\", {}\"Nxt\": 1", "\"k\": 2, ".repeat(20));
        let from = line.find("\"Nxt\"").unwrap();
        let (shown, marks) = excerpt(&line, from, from + 5);
        assert!(!shown.contains('\t'));
        assert_eq!(marks.find('^'), Some(column_of(&shown, "\"Nxt\"")));
        assert_eq!(marks.trim_start(), "^^^^^");
        // Under a wide character, two carets.
        let line = "\"日本\": 1";
        let (shown, marks) = excerpt(line, 1, 1 + "日本".len());
        assert_eq!(shown, line);
        assert_eq!(marks, " ^^^^");
        // A long line of wide characters: the window counts columns, not characters.
        let line = format!("{}\"Nxt\"{}", "語".repeat(5_000), "語".repeat(5_000));
        let from = line.find("\"Nxt\"").unwrap();
        let (shown, marks) = excerpt(&line, from, from + 5);
        assert!(shown.chars().map(columns).sum::<usize>() <= EXCERPT_COLUMNS);
        assert_eq!(marks.find('^'), Some(column_of(&shown, "\"Nxt\"")));
    }

    #[test]
    fn offsets_inside_a_character_do_not_panic() {
        // Offsets come from the source map; a wrong one must not cut a character in two.
        let (shown, marks) = excerpt("é and more", 1, 4);
        assert_eq!(shown, "é and more");
        assert_eq!(marks, "^^^");
    }

    #[test]
    fn user_text_is_made_visible_and_clipped() {
        assert_eq!(
            visible("a\u{1}b\nc\u{202E}d\u{FFFF}"),
            "a\\u0001b\\nc\\u202Ed\\uFFFF"
        );
        assert!(matches!(visible("plain"), Cow::Borrowed("plain")));
        let message = format!("State '{}' is not reachable", "x".repeat(1_000_000));
        let clipped = clip_middle(&message, 60);
        assert_eq!(clipped.chars().count(), 60);
        assert!(clipped.starts_with("State 'xxx") && clipped.ends_with("xxx' is not reachable"));
        assert_eq!(clip_middle("short", 60), "short");
        assert_eq!(short("abcdef", 4), "abc…");
        assert_eq!(short("ab\ncd", 10), "ab\\ncd");
        assert_eq!(short(&"é".repeat(100), 5), "éééé…");
        let long = "y".repeat(10_000);
        assert_eq!(clip_json(&long).chars().count(), JSON_TEXT_CHARS);
    }

    #[test]
    fn limits_count_what_they_leave_out() {
        let mut limit = Limit::human();
        let shown = (0..25).filter(|_| limit.admit("unreachable-state")).count();
        assert!(limit.admit("unknown-field"));
        assert_eq!(shown, SHOWN_PER_CODE);
        assert_eq!(
            limit.omitted().collect::<Vec<_>>(),
            [("unreachable-state", 5)]
        );
        let mut out = Vec::new();
        limit.write_omitted(&mut out, "diagnostics");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "... and 5 more unreachable-state diagnostics\n\n"
        );
        let mut limit = Limit::json();
        let admitted = (0..JSON_PER_FILE + 10)
            .filter(|i| limit.admit(&format!("code-{}", i % 10)))
            .count();
        assert_eq!(admitted, JSON_PER_FILE);
        assert_eq!(limit.omitted_json().unwrap()["code-0"], 1);
    }
}
