//! What the benches share: the workloads' files, in `benches/workloads`.

use std::path::PathBuf;

/// The folder of the workloads' definitions and inputs.
fn workloads_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("benches/workloads")
}

/// The text of the workload file `name` (a definition or an input).
pub fn read(name: &str) -> String {
    let path = workloads_dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {}: {e} (the workloads are part of the repository: is the checkout complete?)",
            path.display()
        )
    })
}
