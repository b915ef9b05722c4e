//! The parts of the `workflow` command that tools outside its binary use: the fuzz targets
//! (`fuzz/` in the repository) read a saved history through [`history::show`], exactly as
//! `workflow history` does. The command's internals, not a stable API.

/// Exit codes, for scripts.
pub mod exit {
    /// Everything is fine: valid, no lint errors, the execution SUCCEEDED.
    pub const OK: u8 = 0;
    /// The definition has problems (not JSON, not a state machine, or invalid), or the
    /// execution FAILED.
    pub const PROBLEMS: u8 = 1;
    /// The command could not do its work: bad arguments, a file that cannot be read or is over
    /// its size limit, an input that is not JSON, output that could not be written.
    pub const USAGE: u8 = 2;
    /// The execution TIMED_OUT.
    pub const TIMED_OUT: u8 = 3;
    /// The execution was ABORTED.
    pub const ABORTED: u8 = 4;
}

pub mod history;
pub mod input;
pub mod output;
pub mod render;
pub mod signals;
