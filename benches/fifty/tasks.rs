// The types and task of the 50-state benchmark workflow (`workflow.rs`), shared by the
// workloads bench and `benches/dsl-build-time.sh`.

/// A counter the Task states increment.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Counter {
    /// The count.
    pub count: i64,
}

/// The document of the workflow.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct FiftyDoc {
    /// Incremented by the Task states.
    pub counter: Counter,
    /// Written by the Pass states.
    pub last: Option<workflow::prelude::Value>,
}

/// Adds one to the count.
#[workflow::task]
pub async fn increment(counter: Counter) -> Result<Counter, workflow::prelude::TaskError> {
    Ok(Counter {
        count: counter.count + 1,
    })
}
