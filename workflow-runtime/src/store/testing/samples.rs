//! Records to fill a store with in tests: the ones the [contract](super::contract) uses, for
//! the other tests of a store (reopening it, killing its process) and its benchmarks.

use std::sync::Arc;

use serde_json::json;
use workflow_core::execution::{Event, ExecutionConfig, Millis, TaskId};
use workflow_core::journal::{Entry, HistoryCheck, Start};
use workflow_core::plan::MachineType;

use crate::store::{ExecutionRecord, Progress, Status, Waiting};

const ACCOUNT: &str = "123456789012";

/// The ARN AWS gives the execution `name` of the state machine `state_machine`.
pub fn arn(state_machine: &str, name: &str) -> String {
    format!("arn:aws:states:us-east-1:{ACCOUNT}:execution:{state_machine}:{name}")
}

/// A running STANDARD execution of revision 1 started at `start_date`, with an input of its
/// own.
pub fn execution(state_machine: &str, name: &str, start_date: Millis) -> ExecutionRecord {
    ExecutionRecord::new(
        arn(state_machine, name),
        name,
        state_machine,
        1,
        MachineType::Standard,
        start_date,
        json!({ "execution": name, "at": start_date }),
    )
}

/// The journal's start record of `record`.
pub fn start_of(record: &ExecutionRecord) -> Start {
    let config = ExecutionConfig {
        state_machine_name: record.state_machine.clone(),
        execution_name: Some(record.name.clone()),
        ..ExecutionConfig::default()
    };
    Start::new(
        config,
        (*record.input).clone(),
        0x5eed,
        record.start_date,
        HistoryCheck {
            events: 2,
            digest: 0xfeed,
        },
    )
}

/// Waiting for a timer at `next_timer`, for `tokens` (token, task), and for tasks in flight.
pub fn waiting(next_timer: Option<Millis>, tokens: &[(&str, u64)], in_flight: bool) -> Waiting {
    Waiting {
        next_timer,
        tokens: tokens
            .iter()
            .map(|(t, task)| (t.to_string(), TaskId(*task)))
            .collect(),
        tasks_in_flight: in_flight,
    }
}

/// Ended with `status` at `stop_date`: an output when it succeeded, else an error and cause.
pub fn finished(status: Status, stop_date: Millis) -> Progress {
    Progress::Finished {
        status,
        stop_date,
        output: (status == Status::Succeeded).then(|| Arc::new(json!({"done": stop_date}))),
        error: (status != Status::Succeeded).then(|| "States.TaskFailed".to_string()),
        cause: (status != Status::Succeeded).then(|| format!("stopped at {stop_date}")),
    }
}

/// The `n`th journal entry of a run of tasks: task `n` succeeded with a small output, at
/// `n` ms, its history then `n + 2` events long.
pub fn task_entry(n: u64) -> Entry {
    Entry {
        event: Event::TaskSucceeded {
            task: TaskId(n),
            output: json!({ "task": n, "result": "ok" }),
        },
        at: n as Millis,
        check: HistoryCheck {
            events: n + 2,
            digest: n.wrapping_mul(0x9e37_79b9_7f4a_7c15),
        },
    }
}
