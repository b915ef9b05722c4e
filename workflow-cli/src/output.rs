//! Standard output, checked: every subcommand writes through [`stdout`] or [`plain_stdout`],
//! which remember the first write that failed, so that `main` reports it ([`finish`]) instead
//! of exiting 0 with the output lost (`workflow graph ... > /dev/full`). A reader that went
//! away (`workflow history big.json | head -1`) ends `workflow` at once, quietly, by SIGPIPE,
//! as it ends Unix tools.

use std::io::{self, Write};
use std::sync::Mutex;

use serde::Serialize;
use serde_json::ser::{Formatter, Serializer};

/// The first failed write or flush of standard output.
static FAILURE: Mutex<Option<io::Error>> = Mutex::new(None);

/// Standard output for people: colours on a terminal, stripped when piped or with NO_COLOR.
pub fn stdout() -> Checked<anstream::AutoStream<io::Stdout>> {
    Checked(anstream::stdout())
}

/// Standard output byte for byte, for documents (JSON, SVG, Mermaid, DOT).
pub fn plain_stdout() -> Checked<io::Stdout> {
    Checked(io::stdout())
}

/// A writer that records its first failure in `FAILURE` and discards what follows it.
pub struct Checked<W>(W);

impl<W: Write> Write for Checked<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if failed() {
            return Ok(buf.len());
        }
        self.0.write(buf).map_err(record)
    }

    fn flush(&mut self) -> io::Result<()> {
        if failed() {
            return Ok(());
        }
        self.0.flush().map_err(record)
    }
}

fn failed() -> bool {
    FAILURE.lock().unwrap_or_else(|p| p.into_inner()).is_some()
}

fn record(e: io::Error) -> io::Error {
    match e.kind() {
        // `write_all` tries again.
        io::ErrorKind::Interrupted => {}
        #[cfg(unix)]
        io::ErrorKind::BrokenPipe => crate::signals::die_of(libc::SIGPIPE),
        _ => {
            let mut failure = FAILURE.lock().unwrap_or_else(|p| p.into_inner());
            if failure.is_none() {
                *failure = Some(io::Error::new(e.kind(), e.to_string()));
            }
        }
    }
    e
}

/// Flushes standard output; the first write or flush that failed, if one did.
pub fn finish() -> io::Result<()> {
    let _ = plain_stdout().flush();
    match FAILURE.lock().unwrap_or_else(|p| p.into_inner()).take() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// A JSON document `{"KEY": [ITEM, ...]}` (what `--format json` and `run --history-out`
/// write: a store's executions, a history) written one item at a time, so that a long list
/// is never whole in memory, nor its items' shared payloads repeated in it: byte for byte
/// what serde_json writes of the whole document with the same formatter
/// ([`CompactFormatter`](serde_json::ser::CompactFormatter) or
/// [`PrettyFormatter`](serde_json::ser::PrettyFormatter)), with no newline after it. It
/// stops writing at its first failure, which [`finish`](DocumentWriter::finish) returns.
pub struct DocumentWriter<W, F> {
    out: W,
    formatter: F,
    first: bool,
    failure: Option<io::Error>,
}

impl<W: Write, F: Formatter + Clone> DocumentWriter<W, F> {
    /// Writes the document's opening, up to the list of `key`.
    pub fn start(out: W, formatter: F, key: &str) -> Self {
        let mut document = DocumentWriter {
            out,
            formatter,
            first: true,
            failure: None,
        };
        document.attempt(|out, f| {
            f.begin_object(out)?;
            f.begin_object_key(out, true)?;
            key.serialize(&mut Serializer::with_formatter(&mut *out, f.clone()))?;
            f.end_object_key(out)?;
            f.begin_object_value(out)?;
            f.begin_array(out)
        });
        document
    }

    /// Writes the next item of the list.
    pub fn item(&mut self, item: &impl Serialize) {
        let first = std::mem::take(&mut self.first);
        self.attempt(|out, f| {
            f.begin_array_value(out, first)?;
            // A copy of the formatter, at the list's depth, indents the item as the list's.
            item.serialize(&mut Serializer::with_formatter(&mut *out, f.clone()))?;
            f.end_array_value(out)
        });
    }

    /// Closes the list and the document; the writer, or the first failure to write.
    pub fn finish(mut self) -> io::Result<W> {
        self.attempt(|out, f| {
            f.end_array(out)?;
            f.end_object_value(out)?;
            f.end_object(out)
        });
        match self.failure {
            Some(e) => Err(e),
            None => Ok(self.out),
        }
    }

    /// Runs `write` unless a write failed before, and keeps its failure.
    fn attempt(&mut self, write: impl FnOnce(&mut W, &mut F) -> io::Result<()>) {
        if self.failure.is_none()
            && let Err(e) = write(&mut self.out, &mut self.formatter)
        {
            self.failure = Some(e);
        }
    }
}

/// Writes `{"KEY": [ITEM, ...]}` with `formatter`, one item at a time ([`DocumentWriter`]);
/// the writer, or the first failure to write.
pub fn write_document<W: Write, F: Formatter + Clone>(
    out: W,
    formatter: F,
    key: &str,
    items: impl IntoIterator<Item: Serialize>,
) -> io::Result<W> {
    let mut document = DocumentWriter::start(out, formatter, key);
    for item in items {
        document.item(&item);
    }
    document.finish()
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use serde_json::ser::{CompactFormatter, PrettyFormatter};

    use super::write_document;

    /// Written an item at a time, the document is what serde_json writes of the whole one,
    /// compact or pretty, with items or without.
    #[test]
    fn a_document_is_written_as_serde_json_writes_it_whole() {
        for items in [
            vec![],
            vec![json!({"a": [1, {"b": "c"}]}), json!("d\ne"), json!([])],
        ] {
            let whole = json!({ "events": items });
            let compact = write_document(Vec::new(), CompactFormatter, "events", &items).unwrap();
            assert_eq!(String::from_utf8(compact).unwrap(), whole.to_string());
            let pretty =
                write_document(Vec::new(), PrettyFormatter::new(), "events", &items).unwrap();
            assert_eq!(
                String::from_utf8(pretty).unwrap(),
                serde_json::to_string_pretty(&whole).unwrap()
            );
        }
    }
}
