//! What the tests of the SQLite store share: folders of their own under cargo's temporary
//! target folder, removed when done.
#![allow(dead_code)] // each test binary uses a part

use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use workflow_sqlite::SqliteStore;

/// A folder of this test's own, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("sqlite-{label}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create a test folder");
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// The store file in it.
    pub fn store_path(&self) -> PathBuf {
        self.0.join("store.db")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A store in a folder of its own, both gone on drop.
pub struct TempStore {
    store: Option<SqliteStore>,
    _dir: TempDir,
}

impl TempStore {
    pub fn new() -> TempStore {
        let dir = TempDir::new("store");
        let store = SqliteStore::open(dir.store_path()).expect("open a new store");
        TempStore {
            store: Some(store),
            _dir: dir,
        }
    }
}

impl Deref for TempStore {
    type Target = SqliteStore;

    fn deref(&self) -> &SqliteStore {
        self.store.as_ref().expect("open until dropped")
    }
}

impl Drop for TempStore {
    fn drop(&mut self) {
        // Closed before its folder goes.
        drop(self.store.take());
    }
}
