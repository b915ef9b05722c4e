//! What tests of stores, and of a runtime on a store, share (behind the `testing` feature):
//! [`FaultyStore`], a store whose writes fail where a test says, and [`contract`], the tests
//! every [`Store`](super::Store) must pass, run against each one by [`store_contract_tests!`].
//!
//! [`store_contract_tests!`]: crate::store_contract_tests

pub mod contract;
mod faulty;
pub mod samples;
mod temp_dir;

pub use faulty::{FaultyStore, WriteAttempt, WriteKind};
pub use temp_dir::TempDir;
