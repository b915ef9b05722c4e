//! Standard output, checked: every subcommand writes through [`stdout`] or [`plain_stdout`],
//! which remember the first write that failed, so that `main` reports it ([`finish`]) instead
//! of exiting 0 with the output lost (`workflow graph ... > /dev/full`). A reader that went
//! away (`workflow history big.json | head -1`) ends `workflow` at once, quietly, by SIGPIPE,
//! as it ends Unix tools.

use std::io::{self, Write};
use std::sync::Mutex;

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
