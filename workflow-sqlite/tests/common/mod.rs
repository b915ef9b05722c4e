//! What the tests of the SQLite store share: folders of their own under cargo's temporary
//! target folder, removed when done, and (in [`child`]) what runs a child process to kill.
#![allow(dead_code)] // each test binary uses a part

pub mod child;

use std::ops::Deref;

use workflow_sqlite::SqliteStore;

pub use workflow_runtime::store::testing::TempDir;

/// A folder of this test's own under cargo's temporary target folder, removed on drop.
pub fn temp_dir(label: &str) -> TempDir {
    TempDir::new_in(env!("CARGO_TARGET_TMPDIR"), &format!("sqlite-{label}"))
}

/// A store in a folder of its own, both gone on drop.
pub struct TempStore {
    store: Option<SqliteStore>,
    _dir: TempDir,
}

impl TempStore {
    pub fn new() -> TempStore {
        let dir = temp_dir("store");
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
