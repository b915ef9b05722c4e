//! The contract every store passes, run against the SQLite store.

mod common;

workflow_runtime::store_contract_tests!(common::TempStore::new);
