//! What the tests that run a child process share: the test binary runs itself as the child
//! (in a role its environment names), and the parent kills it where it chooses. Such a test
//! binary has a main of its own ([`run_tests`]).

use std::io::{BufReader, Write};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The environment variable that makes the test binary play a child's part.
pub const CHILD: &str = "WORKFLOW_SQLITE_CHILD";

/// A small xorshift generator: kill points replayable from a printed seed.
pub struct Random(pub u64);

impl Random {
    /// A number below `n` (`n` > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// The seed in the environment variable `var` (to replay an earlier run's kill points), or
/// one from the clock; never 0, which xorshift cannot leave.
pub fn seed_from_env(var: &str) -> u64 {
    std::env::var(var)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
            now.map_or(1, |d| d.as_nanos() as u64)
        })
        | 1
}

/// The number in the environment variable `var`, or `default`.
pub fn number_from_env(var: &str, default: u64) -> u64 {
    std::env::var(var)
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

/// Prints a line for the parent, or ends the child when the parent is gone.
pub fn tell(line: &str) {
    let mut out = std::io::stdout().lock();
    if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
        std::process::exit(1);
    }
}

/// The test binary, to run as a child.
pub fn this_binary() -> Command {
    Command::new(std::env::current_exe().expect("the test binary"))
}

/// Starts `command` (the test binary, or a shell that execs it) in the child's part `role`,
/// its stdin and stdout piped: the child, and its stdout to read what it tells.
pub fn spawn_child(mut command: Command, role: &str) -> (Child, BufReader<ChildStdout>) {
    let mut child = command
        .env(CHILD, role)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start the child ({role}): {e}"));
    let stdout = BufReader::new(child.stdout.take().expect("its stdout"));
    (child, stdout)
}

/// The signal that ended a process (SIGKILL is 9), if one did.
pub fn signal_of(status: ExitStatus) -> Option<i32> {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        status.signal()
    }
    #[cfg(not(unix))]
    {
        let _ = status;
        None
    }
}

/// Runs `tests` one after another and reports them as cargo's test harness does (`test NAME
/// ... ok`, then `N passed, N failed`), exiting with 101 if one failed. They kill processes
/// with SIGKILL, which only unix has: elsewhere each is reported ignored, and none runs.
pub fn run_tests(tests: &[(&str, fn())]) {
    if cfg!(not(unix)) {
        for (name, _) in tests {
            println!("test {name} ... ignored (it kills processes with SIGKILL: unix only)");
        }
        println!("0 passed, 0 failed, {} skipped", tests.len());
        return;
    }
    let mut failed = 0;
    for (name, test) in tests {
        let outcome = std::panic::catch_unwind(test);
        println!(
            "test {name} ... {}",
            if outcome.is_ok() { "ok" } else { "FAILED" }
        );
        failed += usize::from(outcome.is_err());
    }
    println!("{} passed, {failed} failed", tests.len() - failed);
    if failed > 0 {
        std::process::exit(101);
    }
}

/// Kills `child` if it is still running after `limit`: a child that hangs fails the test
/// instead of hanging it. Send on (or drop) the returned sender once the child is reaped.
pub fn watchdog(child: &Child, limit: Duration) -> mpsc::Sender<()> {
    let (done, finished) = mpsc::channel::<()>();
    let pid = child.id().to_string();
    std::thread::spawn(move || {
        if let Err(mpsc::RecvTimeoutError::Timeout) = finished.recv_timeout(limit) {
            eprintln!("the child {pid} ran past {limit:?}: killing it");
            let _ = Command::new("kill").args(["-9", &pid]).status();
        }
    });
    done
}
