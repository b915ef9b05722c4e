//! Ending as Unix tools end: on SIGINT or SIGTERM, `workflow` first stops every bound command
//! still running (each runs in its own process group, which a terminal's Ctrl-C does not
//! reach), then dies of the signal; when the reader of its output goes away, it dies of
//! SIGPIPE, quietly. A shell shows either as 128 + the signal's number (130, 143, 141).

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::{Mutex, MutexGuard};

/// The process groups of the bound commands still running.
static RUNNING_GROUPS: Mutex<BTreeSet<i32>> = Mutex::new(BTreeSet::new());

fn running_groups() -> MutexGuard<'static, BTreeSet<i32>> {
    RUNNING_GROUPS.lock().unwrap_or_else(|p| p.into_inner())
}

/// A bound command's process group, stopped when this is dropped before [`release`] (its
/// task was cancelled: a timeout, the execution's end) and when `workflow` is interrupted.
///
/// [`release`]: ProcessGroup::release
pub struct ProcessGroup(Option<i32>);

impl ProcessGroup {
    /// The group led by the process `pid` (spawned with `process_group(0)`).
    pub fn led_by(pid: Option<u32>) -> ProcessGroup {
        let group = pid.and_then(|p| i32::try_from(p).ok());
        if let Some(g) = group {
            running_groups().insert(g);
        }
        ProcessGroup(group)
    }

    /// The command ended by itself: what it left running in the background is its own
    /// business.
    pub fn release(&mut self) {
        if let Some(g) = self.0.take() {
            running_groups().remove(&g);
        }
    }

    /// Stops every process of the group now.
    pub fn kill(&mut self) {
        if let Some(g) = self.0.take() {
            running_groups().remove(&g);
            kill_group(g);
        }
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        self.kill();
    }
}

fn kill_group(group: i32) {
    #[cfg(unix)]
    // SAFETY: kill(2) with a negative pid signals the process group `-pid`; it touches no
    // memory of ours.
    unsafe {
        libc::kill(-group, libc::SIGKILL);
    }
    #[cfg(not(unix))]
    let _ = group;
}

/// Stops every bound command still running.
fn kill_running_groups() {
    let groups = std::mem::take(&mut *running_groups());
    for g in groups {
        kill_group(g);
    }
}

/// Runs `work` until it ends, or until SIGINT or SIGTERM: then every bound command is stopped
/// and the process dies of that signal. A signal ignored when `workflow` started (SIGINT for
/// a script's background job) stays ignored.
pub async fn until_interrupted<F: Future>(work: F) -> F::Output {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{Signal, SignalKind, signal};
        let listen = |kind: SignalKind, number: libc::c_int| {
            if ignored(number) {
                None
            } else {
                signal(kind).ok()
            }
        };
        async fn received(signal: &mut Option<Signal>) -> Option<()> {
            match signal {
                Some(s) => s.recv().await,
                None => std::future::pending().await,
            }
        }
        let mut interrupt = listen(SignalKind::interrupt(), libc::SIGINT);
        let mut terminate = listen(SignalKind::terminate(), libc::SIGTERM);
        let output = tokio::select! {
            output = work => output,
            Some(()) = received(&mut interrupt) => die_of(libc::SIGINT),
            Some(()) = received(&mut terminate) => die_of(libc::SIGTERM),
        };
        // tokio never uninstalls its handlers: give the signals their default action back, so
        // that a Ctrl-C while the results print still ends the process.
        for (listened, number) in [
            (interrupt.is_some(), libc::SIGINT),
            (terminate.is_some(), libc::SIGTERM),
        ] {
            if listened {
                // SAFETY: signal(2) with SIG_DFL installs no code of ours.
                unsafe {
                    libc::signal(number, libc::SIG_DFL);
                }
            }
        }
        output
    }
    #[cfg(not(unix))]
    work.await
}

/// A file-size limit (`ulimit -f`) reached while writing a file (`--history-out`) is an
/// error to report, as a full disk is, not a reason to die: SIGXFSZ is ignored, so the write
/// fails with EFBIG and the command says which file it could not write.
pub fn report_file_size_limit() {
    #[cfg(unix)]
    // SAFETY: signal(2) with SIG_IGN installs no code of ours.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

/// Whether `signal` is ignored (SIG_IGN) in this process.
#[cfg(unix)]
fn ignored(signal: libc::c_int) -> bool {
    // SAFETY: sigaction(2) with a null new action only reads the current one into `current`,
    // a plain C struct for which all zeroes is a valid value.
    unsafe {
        let mut current: libc::sigaction = std::mem::zeroed();
        libc::sigaction(signal, std::ptr::null(), &mut current) == 0
            && current.sa_sigaction == libc::SIG_IGN
    }
}

/// Stops every bound command still running, then ends the process by `signal`'s default
/// action (termination, without a core dump, for SIGINT, SIGTERM and SIGPIPE).
#[cfg(unix)]
pub fn die_of(signal: libc::c_int) -> ! {
    kill_running_groups();
    // SAFETY: signal(2) with SIG_DFL installs no code of ours, and raise(3) then delivers the
    // signal to this thread, which ends the process.
    unsafe {
        libc::signal(signal, libc::SIG_DFL);
        libc::raise(signal);
    }
    // Not reached: the signal ends the process. Should it be blocked, exit as a shell would
    // report it.
    std::process::exit(128 + signal)
}
