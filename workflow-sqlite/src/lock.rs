//! One process at a time: an exclusive lock on a file beside the store.
//!
//! SQLite's own locks cannot say this: they are held for a transaction, not for as long as a
//! process runs executions, and its `locking_mode=EXCLUSIVE` would shut out this store's own
//! reader connections. An advisory lock (`flock` on Linux) on `<store>-lock` is held from
//! open to drop and released by the kernel when the process dies, however it dies. The lock
//! file is never removed: removing it while another process waits to lock it would let a
//! third process lock a new file of the same name while the second holds the old one.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use workflow_runtime::store::StoreError;

/// Held while the store is open.
#[derive(Debug)]
pub(crate) struct StoreLock {
    /// Closing it releases the lock.
    _file: File,
}

impl StoreLock {
    /// Locks the store at `store`, or tells that another process (or another open store in
    /// this one) holds it.
    pub(crate) fn acquire(store: &Path) -> Result<StoreLock, StoreError> {
        let path = lock_path(store);
        let io = |e: std::io::Error| StoreError::Io(format!("{}: {e}", path.display()));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        // A child process another thread of this process is spawning holds a copy of every
        // open file until it executes its program (the copies close on exec), a copy of a
        // store's lock file included: for that instant, a store just closed still reads as
        // locked. A holder that runs executions holds it far longer than the few tries here.
        for _ in 1..LOCK_TRIES {
            match file.try_lock() {
                Ok(()) => return Ok(StoreLock { _file: file }),
                Err(TryLockError::WouldBlock) => std::thread::sleep(LOCK_RETRY_PAUSE),
                Err(TryLockError::Error(e)) => return Err(io(e)),
            }
        }
        match file.try_lock() {
            Ok(()) => Ok(StoreLock { _file: file }),
            Err(TryLockError::WouldBlock) => Err(StoreError::Locked {
                path: store.display().to_string(),
            }),
            Err(TryLockError::Error(e)) => Err(io(e)),
        }
    }
}

/// How often a lock held by someone else is tried before the store is reported locked.
const LOCK_TRIES: u32 = 20;

/// The pause between two tries: 20 tries span about 100 ms, far longer than a spawned child
/// takes to execute its program.
const LOCK_RETRY_PAUSE: std::time::Duration = std::time::Duration::from_millis(5);

/// `<store>-lock`, beside SQLite's own `<store>-wal` and `<store>-shm`.
pub(crate) fn lock_path(store: &Path) -> PathBuf {
    let mut path = store.as_os_str().to_owned();
    path.push("-lock");
    PathBuf::from(path)
}
