//! Redrive (`Execution::redrive`, `redrive_with`), as AWS's `RedriveExecution` does it, and
//! the journal of a redriven execution.
//!
//! Every run goes through the replay checks of `tests/replay.rs` (`checks::journaled`): the
//! whole journal, every prefix of it, each prefix continued, its JSON text, tampered checks.
//! The expectations come from AWS's documentation (cited where used; "the redrive page" is
//! <https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html>) or from
//! reasoning stated beside them; what AWS leaves unsaid is decided in
//! `workflow_core::execution`'s redrive module and stated there.
//!
//! Most definitions pass `$$.Execution.RedriveCount` to their tasks as `attempt`, so that
//! the scripted tasks answer the first attempt and the redriven one differently.

#[allow(dead_code)] // shared with tests/replay.rs: not every check is used here
#[path = "replay/checks.rs"]
mod checks;
#[allow(dead_code)] // shared with tests/replay.rs
#[path = "replay/driver.rs"]
mod driver;

use std::sync::Arc;

use serde_json::{Value, json};
use workflow_core::definition::Definition;
use workflow_core::entropy::SplitMix64;
use workflow_core::execution::{
    Command, Event, Execution, ExecutionConfig, ExecutionStatus, Failure, FitError,
    REDRIVABLE_PERIOD_MS, RedriveError, TaskInvocation,
};
use workflow_core::history::{EventDetails, EventType, HistoryEvent, format_timestamp};
use workflow_core::plan::{CompileOptions, MachineType, Plan};

use checks::journaled;
use driver::{Answer, DAY, HOUR, MINUTE, Run, SECOND, Script, T0, plan};

const FUNCTION: &str = "arn:aws:lambda:us-east-1:123456789012:function";

/// A definition's text with `FN:` standing for the Lambda ARN prefix of the test account.
fn asl(text: &str) -> String {
    text.replace("FN:", &format!("{FUNCTION}:"))
}

/// The redrive count a task was given as `attempt` (`$$.Execution.RedriveCount`).
fn attempt(inv: &TaskInvocation) -> u64 {
    inv.input["attempt"]
        .as_u64()
        .expect("the task is given its attempt")
}

fn output(run: &Run) -> &Value {
    run.status()
        .output()
        .unwrap_or_else(|| panic!("the run did not succeed: {:?}", run.status()))
}

/// The events after the `n`th `ExecutionRedriven` (1-based), and that event.
fn after_redrive(run: &Run, n: usize) -> (&HistoryEvent, &[HistoryEvent]) {
    let at = run
        .history()
        .iter()
        .enumerate()
        .filter(|(_, e)| e.event_type == EventType::ExecutionRedriven)
        .nth(n - 1)
        .map(|(i, _)| i)
        .unwrap_or_else(|| panic!("no redrive {n} in {:?}", run.event_types()));
    (&run.history()[at], &run.history()[at + 1..])
}

fn types(events: &[HistoryEvent]) -> Vec<&'static str> {
    events.iter().map(|e| e.event_type.as_str()).collect()
}

/// The invocations of the state `name`, in order.
fn invocations_of<'a>(run: &'a Run, name: &str) -> Vec<&'a TaskInvocation> {
    run.invocations()
        .into_iter()
        .filter(|inv| &*inv.state_name == name)
        .collect()
}

/// The name and input of an entered event.
fn entered(event: &HistoryEvent) -> (&str, Value) {
    match &event.details {
        EventDetails::StateEntered { name, input } => (name, input.to_value()),
        other => panic!("not an entered event: {other:?}"),
    }
}

/// Checks what holds after every redrive: event ids go on one by one, `ExecutionRedriven`
/// follows the event that ended the attempt before and carries the redrive count (1 for the
/// first, "the number of times you've redriven an execution": AWS's
/// `ExecutionRedrivenEventDetails`), and the earlier events are kept as they were.
fn check_redrives(run: &Run, without_redrive: &Run) {
    for (i, event) in run.history().iter().enumerate() {
        assert_eq!(event.id, i as u64 + 1, "ids go on one by one");
    }
    let ended = [
        EventType::ExecutionFailed,
        EventType::ExecutionTimedOut,
        EventType::ExecutionAborted,
    ];
    let mut count = 0;
    for (i, event) in run.history().iter().enumerate() {
        if event.event_type != EventType::ExecutionRedriven {
            continue;
        }
        count += 1;
        let before = &run.history()[i - 1];
        assert!(
            ended.contains(&before.event_type),
            "{:?}",
            before.event_type
        );
        assert_eq!(event.previous_event_id, before.id);
        assert_eq!(
            event.details,
            EventDetails::ExecutionRedriven {
                redrive_count: count
            }
        );
    }
    assert_eq!(run.execution.info().redrive_count, count);
    // The first attempt's history is the history of the same run without a redrive.
    let first = without_redrive.history();
    assert_eq!(&run.history()[..first.len()], first);
}

/// Runs `script` on `definition` through every replay check, and the same without its
/// redrives, and checks what every redrive must keep.
fn redriven(definition: &str, script: Script) -> Run {
    let mut once = script.clone();
    once.redrives.clear();
    let without = driver::run(&plan(definition), &once);
    let run = journaled(definition, script);
    check_redrives(&run, &without);
    run
}

// ----- What is run again, and what is not -----

#[test]
fn a_failed_task_runs_again_and_the_states_before_it_do_not() {
    // The redrive page: "say that your workflow contains two states: a Pass ... followed by a
    // Task ... If your workflow execution fails at the Task state, and you redrive the
    // execution, the execution reschedules and then reruns the Task state."
    let run = redriven(
        &asl(r#"{"StartAt": "Prepare", "States": {
            "Prepare": {"Type": "Pass", "Result": {"order": 7}, "ResultPath": "$.prepared", "Next": "Charge"},
            "Charge": {"Type": "Task", "Resource": "FN:Charge",
                       "Parameters": {"order.$": "$.prepared.order", "attempt.$": "$$.Execution.RedriveCount"},
                       "End": true}}}"#),
        Script::new(json!({"customer": "ada"}))
            .answering(|inv| match attempt(inv) {
                0 => Answer::fail(SECOND, "Card.Declined", "no funds"),
                _ => Answer::succeed(SECOND, json!({"charged": inv.input["order"]})),
            })
            .redriving_at(T0 + HOUR),
    );
    assert_eq!(output(&run), &json!({"charged": 7}));
    let (redrive, after) = after_redrive(&run, 1);
    assert_eq!(redrive.timestamp, T0 + HOUR);
    // The Task is entered again with the input it had ("uses the same input"); the Pass
    // before it is not run again.
    let (name, input) = entered(&after[0]);
    assert_eq!(
        (name, input),
        (
            "Charge",
            json!({"customer": "ada", "prepared": {"order": 7}})
        )
    );
    assert_eq!(after[0].previous_event_id, redrive.id);
    assert_eq!(
        types(after),
        [
            "TaskStateEntered",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionSucceeded",
            "TaskStateExited",
            "ExecutionSucceeded"
        ]
    );
    assert_eq!(
        run.event_types()
            .iter()
            .filter(|&&t| t == "PassStateEntered")
            .count(),
        1
    );
    assert_eq!(invocations_of(&run, "Charge").len(), 2);
    assert_eq!(run.execution.info().redrive_time, Some(T0 + HOUR));
}

#[test]
fn a_timed_out_execution_runs_its_timeout_again_from_each_redrive() {
    // The redrive page: "the state machine level timeout, if defined, is reset to 0".
    let run = redriven(
        &asl(r#"{"TimeoutSeconds": 60, "StartAt": "Work", "States": {
            "Work": {"Type": "Task", "Resource": "FN:Work",
                     "Parameters": {"attempt.$": "$$.Execution.RedriveCount"}, "End": true}}}"#),
        Script::new(json!({}))
            .answering(|inv| match attempt(inv) {
                0 | 1 => Answer::Silent,
                _ => Answer::succeed(30 * SECOND, json!("done")),
            })
            .redriving_at(T0 + DAY)
            .redriving_at(T0 + 2 * DAY),
    );
    let timed_out: Vec<i64> = run
        .history()
        .iter()
        .filter(|e| e.event_type == EventType::ExecutionTimedOut)
        .map(|e| e.timestamp)
        .collect();
    // 60 s after the start, then 60 s after the first redrive.
    assert_eq!(timed_out, [T0 + MINUTE, T0 + DAY + MINUTE]);
    assert_eq!(output(&run), &json!("done"));
    assert_eq!(
        run.history().last().expect("events").timestamp,
        T0 + 2 * DAY + 30 * SECOND
    );
    assert_eq!(run.execution.info().redrive_count, 2);
}

#[test]
fn an_aborted_execution_goes_on_from_the_state_it_was_stopped_in() {
    let run = redriven(
        &asl(r#"{"StartAt": "First", "States": {
            "First": {"Type": "Task", "Resource": "FN:First", "Next": "Nap"},
            "Nap": {"Type": "Wait", "Seconds": 3600, "Next": "Last"},
            "Last": {"Type": "Pass", "End": true}}}"#),
        Script::new(json!({"n": 1}))
            .answering(|_| Answer::succeed(0, json!({"n": 2})))
            .stop_at(T0 + 10 * MINUTE, Failure::new("Operator", "paused"))
            .redriving_at(T0 + DAY),
    );
    assert!(run.event_types().contains(&"ExecutionAborted"));
    let (_, after) = after_redrive(&run, 1);
    // The Wait is entered again with its input and waits its Seconds from then on: a state
    // entered again starts anew (Wait's Seconds count from its entry).
    assert_eq!(entered(&after[0]), ("Nap", json!({"n": 2})));
    assert_eq!(after[0].timestamp, T0 + DAY);
    assert_eq!(
        types(after),
        [
            "WaitStateEntered",
            "WaitStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded"
        ]
    );
    assert_eq!(after[1].timestamp, T0 + DAY + HOUR);
    assert_eq!(invocations_of(&run, "First").len(), 1);
}

#[test]
fn a_wait_for_a_timestamp_gone_by_goes_on_at_once() {
    // The redrive page: a Wait with a Timestamp "that refers to a timestamp in the past,
    // redrive causes the Wait state to be exited and enters the state specified in the Next
    // field".
    let until = format_timestamp(T0 + HOUR);
    let run = redriven(
        &format!(
            r#"{{"StartAt": "Until", "States": {{
                "Until": {{"Type": "Wait", "Timestamp": "{until}", "Next": "Last"}},
                "Last": {{"Type": "Pass", "End": true}}}}}}"#
        ),
        Script::new(json!({}))
            .stop_at(T0 + 10 * MINUTE, Failure::new("Operator", "paused"))
            .redriving_at(T0 + DAY),
    );
    let (_, after) = after_redrive(&run, 1);
    assert_eq!(types(&after[..2]), ["WaitStateEntered", "WaitStateExited"]);
    assert_eq!(after[1].timestamp, T0 + DAY);
    assert_eq!(output(&run), &json!({}));
}

#[test]
fn a_fail_state_is_entered_again_and_fails_again() {
    // The redrive page: a Fail state "Reenters the Fail state and fails again". The Choice
    // before it exited: it is not run again.
    let run = redriven(
        r#"{"StartAt": "Route", "States": {
            "Route": {"Type": "Choice", "Choices": [{"Variable": "$.ok", "BooleanEquals": true, "Next": "Fine"}],
                      "Default": "Refuse"},
            "Fine": {"Type": "Succeed"},
            "Refuse": {"Type": "Fail", "Error": "Refused", "Cause": "not ok"}}}"#,
        Script::new(json!({"ok": false}))
            .redriving_at(T0 + HOUR)
            .redriving_at(T0 + 2 * HOUR),
    );
    let (_, after) = after_redrive(&run, 2);
    assert_eq!(types(after), ["FailStateEntered", "ExecutionFailed"]);
    assert_eq!(
        run.status(),
        &ExecutionStatus::Failed(Failure::new("Refused", "not ok"))
    );
    assert_eq!(
        run.event_types()
            .iter()
            .filter(|&&t| t == "ChoiceStateEntered")
            .count(),
        1
    );
}

#[test]
fn variables_assigned_before_the_failure_are_there_after_the_redrive() {
    // A redrive "continues the failed execution": the variables the states before assigned
    // (they are not run again) are still set.
    let run = redriven(
        &asl(r#"{"StartAt": "Remember", "States": {
            "Remember": {"Type": "Pass", "Assign": {"customer.$": "$.who"}, "Next": "Use"},
            "Use": {"Type": "Task", "Resource": "FN:Use",
                    "Parameters": {"who.$": "$customer", "attempt.$": "$$.Execution.RedriveCount"},
                    "End": true}}}"#),
        Script::new(json!({"who": "ada"}))
            .answering(|inv| match attempt(inv) {
                0 => Answer::fail(SECOND, "Later", "not now"),
                _ => Answer::succeed(SECOND, json!({"greeted": inv.input["who"]})),
            })
            .redriving_at(T0 + HOUR),
    );
    assert_eq!(output(&run), &json!({"greeted": "ada"}));
}

// ----- Parallel and Map: only what did not succeed -----

/// Three branches, each one Task given its attempt.
const THREE_BRANCHES: &str = r#"{"StartAt": "Fan", "States": {"Fan": {"Type": "Parallel", "End": true, "Branches": [
    {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "FN:A", "Parameters": {"attempt.$": "$$.Execution.RedriveCount"}, "End": true}}},
    {"StartAt": "B", "States": {"B": {"Type": "Task", "Resource": "FN:B", "Parameters": {"attempt.$": "$$.Execution.RedriveCount"}, "End": true}}},
    {"StartAt": "C", "States": {"C": {"Type": "Task", "Resource": "FN:C", "Parameters": {"attempt.$": "$$.Execution.RedriveCount"}, "End": true}}}]}}}"#;

/// A and C answer after `a_c_after`; B fails 5 s in on the first attempt, then succeeds.
fn three_branches(c_after: i64) -> Script {
    Script::new(json!({})).answering(move |inv| {
        let n = attempt(inv);
        match &*inv.state_name {
            "B" if n == 0 => Answer::fail(5 * SECOND, "B.Broken", "b failed"),
            "C" => Answer::succeed(c_after, json!({"c": n})),
            name => Answer::succeed(SECOND, json!({ name.to_lowercase(): n })),
        }
    })
}

#[test]
fn a_parallel_reruns_only_its_failed_branch() {
    // The redrive page: a Parallel "Reschedules and redrives only those branches that failed
    // or aborted". A and C succeeded (1 s in) before B failed (5 s in): they keep the results
    // of the first attempt (0); B's is the redrive's (1); the results stay in branch order.
    let run = redriven(
        &asl(THREE_BRANCHES),
        three_branches(SECOND).redriving_at(T0 + HOUR),
    );
    assert_eq!(output(&run), &json!([{"a": 0}, {"b": 1}, {"c": 0}]));
    let counts: Vec<usize> = ["A", "B", "C"]
        .iter()
        .map(|s| invocations_of(&run, s).len())
        .collect();
    assert_eq!(counts, [1, 2, 1]);
    let (_, after) = after_redrive(&run, 1);
    // The Parallel is entered again, and only B's task runs within it.
    assert_eq!(entered(&after[0]).0, "Fan");
    assert_eq!(
        types(&after[..3]),
        [
            "ParallelStateEntered",
            "ParallelStateStarted",
            "TaskStateEntered"
        ]
    );
    assert_eq!(entered(&after[2]).0, "B");
    // B's exit, then the Parallel's (AWS records no ParallelStateSucceeded: the corpus's
    // Parallel histories, e.g. parallel/parallel_state_order.json, go from the last branch
    // event to ParallelStateExited).
    assert_eq!(
        types(&after[after.len() - 3..]),
        [
            "TaskStateExited",
            "ParallelStateExited",
            "ExecutionSucceeded"
        ]
    );
}

#[test]
fn a_branch_aborted_by_a_failed_sibling_runs_again_too() {
    // C was still running (it answers 10 s in) when B failed: it was aborted, and "branches
    // that failed or aborted" are redriven. A had succeeded.
    let run = redriven(
        &asl(THREE_BRANCHES),
        three_branches(10 * SECOND).redriving_at(T0 + HOUR),
    );
    assert_eq!(output(&run), &json!([{"a": 0}, {"b": 1}, {"c": 1}]));
    let counts: Vec<usize> = ["A", "B", "C"]
        .iter()
        .map(|s| invocations_of(&run, s).len())
        .collect();
    assert_eq!(counts, [1, 2, 2]);
}

#[test]
fn a_map_reruns_only_its_failed_and_aborted_iterations_and_keeps_the_others_in_order() {
    // The redrive page: an inline Map "Reschedules and redrives only those iterations that
    // failed or aborted". Items 2 and 4 fail on the first attempt (1 s and 2 s in); one
    // failure is tolerated, the second is not: the Map fails 2 s in, when item 5 (answering
    // 3 s in) still runs and is aborted. Items 1 and 3 succeeded 1 s in.
    let run = redriven(
        &asl(
            r#"{"StartAt": "Each", "States": {"Each": {"Type": "Map", "ToleratedFailureCount": 1,
            "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Square", "States": {
                "Square": {"Type": "Task", "Resource": "FN:Square",
                           "Parameters": {"n.$": "$", "attempt.$": "$$.Execution.RedriveCount"}, "End": true}}},
            "End": true}}}"#,
        ),
        Script::new(json!([1, 2, 3, 4, 5]))
            .answering(|inv| {
                let n = inv.input["n"].as_u64().unwrap_or_default();
                let a = attempt(inv);
                match (n, a) {
                    (2, 0) => Answer::fail(SECOND, "Odd.Even", "two"),
                    (4, 0) => Answer::fail(2 * SECOND, "Odd.Even", "four"),
                    (5, 0) => Answer::succeed(3 * SECOND, json!({"sq": 25, "attempt": a})),
                    _ => Answer::succeed(SECOND, json!({"sq": n * n, "attempt": a})),
                }
            })
            .redriving_at(T0 + HOUR),
    );
    assert!(run.history().iter().any(|e| matches!(
        &e.details,
        EventDetails::Failure { error: Some(error), .. } if error == "States.ExceedToleratedFailureThreshold"
    )));
    // Every result is its item's square; the attempt shows which were rerun: 2, 4 and 5, the
    // tolerated failure included (its error output is not kept as a result).
    assert_eq!(
        output(&run),
        &json!([
            {"sq": 1, "attempt": 0}, {"sq": 4, "attempt": 1}, {"sq": 9, "attempt": 0},
            {"sq": 16, "attempt": 1}, {"sq": 25, "attempt": 1}
        ])
    );
    let (_, after) = after_redrive(&run, 1);
    let restarted: Vec<usize> = after
        .iter()
        .filter_map(|e| match (&e.event_type, &e.details) {
            (EventType::MapIterationStarted, EventDetails::MapIteration { index, .. }) => {
                Some(*index)
            }
            _ => None,
        })
        .collect();
    assert_eq!(restarted, [1, 3, 4]);
    assert_eq!(types(&after[..2]), ["MapStateEntered", "MapStateStarted"]);
    assert_eq!(after[1].details, EventDetails::MapStarted { length: 5 });
    assert_eq!(invocations_of(&run, "Square").len(), 5 + 3);
}

#[test]
fn a_map_in_a_parallel_reruns_only_its_failed_iteration_and_those_never_started() {
    // The Map ships one item at a time: "a" ships, "b" fails, so the Map fails and "c" never
    // starts; the branch fails and with it the Parallel, whose other branch (Audit) had
    // succeeded. A redrive reruns "b", starts "c" (after "b": one at a time still), and runs
    // neither Audit nor "a" again.
    let run = redriven(
        &asl(
            r#"{"StartAt": "Both", "States": {"Both": {"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "Audit", "States": {"Audit": {"Type": "Task", "Resource": "FN:Audit", "End": true}}},
            {"StartAt": "Each", "States": {"Each": {"Type": "Map", "MaxConcurrency": 1, "End": true,
                "ItemProcessor": {"StartAt": "Ship", "States": {"Ship": {"Type": "Task", "Resource": "FN:Ship",
                    "Parameters": {"item.$": "$", "attempt.$": "$$.Execution.RedriveCount"}, "End": true}}}}}}]}}}"#,
        ),
        Script::new(json!(["a", "b", "c"]))
            .answering(|inv| {
                if &*inv.state_name == "Audit" {
                    return Answer::succeed(SECOND, json!({"audited": true}));
                }
                match (inv.input["item"].as_str(), attempt(inv)) {
                    (Some("b"), 0) => Answer::fail(2 * SECOND, "Ship.Lost", "b is lost"),
                    (item, _) => Answer::succeed(SECOND, json!({"shipped": item})),
                }
            })
            .redriving_at(T0 + HOUR),
    );
    assert_eq!(
        output(&run),
        &json!([{"audited": true}, [{"shipped": "a"}, {"shipped": "b"}, {"shipped": "c"}]])
    );
    assert_eq!(invocations_of(&run, "Audit").len(), 1);
    let shipped: Vec<(&str, u64)> = invocations_of(&run, "Ship")
        .into_iter()
        .map(|inv| (inv.input["item"].as_str().unwrap_or_default(), attempt(inv)))
        .collect();
    assert_eq!(shipped, [("a", 0), ("b", 0), ("b", 1), ("c", 1)]);
}

#[test]
fn a_parallel_that_failed_with_data_limit_exceeded_reruns_whole() {
    // The redrive page: "If the state failed because of a States.DataLimitExceeded error, the
    // Parallel state is rerun, including the branches that were successful". B's result is
    // over the 256 KiB payload limit on the first attempt.
    let big = "x".repeat(300 * 1024);
    let run = redriven(
        &asl(
            r#"{"StartAt": "Fan", "States": {"Fan": {"Type": "Parallel", "End": true, "Branches": [
            {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "FN:A", "Parameters": {"attempt.$": "$$.Execution.RedriveCount"}, "End": true}}},
            {"StartAt": "B", "States": {"B": {"Type": "Task", "Resource": "FN:B", "Parameters": {"attempt.$": "$$.Execution.RedriveCount"}, "End": true}}}]}}}"#,
        ),
        Script::new(json!({}))
            .answering(move |inv| match (&*inv.state_name, attempt(inv)) {
                ("B", 0) => Answer::succeed(5 * SECOND, json!(big)),
                (name, n) => Answer::succeed(SECOND, json!({ name.to_lowercase(): n })),
            })
            .redriving_at(T0 + HOUR),
    );
    let failed = run
        .history()
        .iter()
        .find(|e| e.event_type == EventType::ExecutionFailed)
        .expect("the first attempt failed");
    assert!(
        matches!(&failed.details, EventDetails::Failure { error: Some(e), .. } if e == "States.DataLimitExceeded"),
        "{:?}",
        failed.details
    );
    // A succeeded in the first attempt, and runs again all the same.
    assert_eq!(output(&run), &json!([{"a": 1}, {"b": 1}]));
    assert_eq!(invocations_of(&run, "A").len(), 2);
}

#[test]
fn a_map_whose_output_was_too_large_reruns_whole() {
    // Every iteration succeeded, but the Map's output (two results of 150 KiB) is over the
    // payload limit: the Map fails with States.DataLimitExceeded and, as the redrive page
    // says of that error, reruns whole.
    let half = "y".repeat(150 * 1024);
    let run = redriven(
        &asl(
            r#"{"StartAt": "Each", "States": {"Each": {"Type": "Map", "End": true,
            "ItemProcessor": {"StartAt": "Grow", "States": {"Grow": {"Type": "Task", "Resource": "FN:Grow",
                "Parameters": {"n.$": "$", "attempt.$": "$$.Execution.RedriveCount"}, "End": true}}}}}}"#,
        ),
        Script::new(json!([1, 2]))
            .answering(move |inv| match attempt(inv) {
                0 => Answer::succeed(SECOND, json!(half)),
                n => Answer::succeed(SECOND, json!(n)),
            })
            .redriving_at(T0 + HOUR),
    );
    assert_eq!(output(&run), &json!([1, 1]));
    assert_eq!(invocations_of(&run, "Grow").len(), 4);
}

#[test]
fn a_distributed_map_redrives_its_map_run() {
    // The Map Run page (https://docs.aws.amazon.com/step-functions/latest/dg/redrive-map-run.html):
    // redriving the parent redrives the unsuccessful child executions of its Map Run; the
    // history records MapRunRedriven with the Map Run's ARN and its redrive count. The child
    // executions' tasks are told apart by their ids: the first attempt invokes items 1 to 3
    // as tasks 1 to 3. Item 2 fails 2 s in, after 1 and 3 succeeded.
    let run = redriven(
        &asl(
            r#"{"StartAt": "Each", "States": {"Each": {"Type": "Map", "End": true,
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": "FN:Work", "End": true}}}}}}"#,
        ),
        Script::new(json!([1, 2, 3]))
            .answering(|inv| match (&inv.input, inv.task.0) {
                (n, 1..=3) if *n == json!(2) => Answer::fail(2 * SECOND, "Work.Failed", "two"),
                (n, _) => Answer::succeed(SECOND, json!({"done": n})),
            })
            .redriving_at(T0 + HOUR),
    );
    assert_eq!(
        output(&run),
        &json!([{"done": 1}, {"done": 2}, {"done": 3}])
    );
    let arn = run
        .history()
        .iter()
        .find_map(|e| match &e.details {
            EventDetails::MapRunStarted { map_run_arn } => Some(map_run_arn.clone()),
            _ => None,
        })
        .expect("a Map Run");
    let (_, after) = after_redrive(&run, 1);
    assert_eq!(
        types(after),
        [
            "MapStateEntered",
            "MapStateStarted",
            "MapRunRedriven",
            "MapRunSucceeded",
            "MapStateSucceeded",
            "MapStateExited",
            "ExecutionSucceeded"
        ]
    );
    assert_eq!(
        after[2].details,
        EventDetails::MapRunRedriven {
            map_run_arn: arn,
            redrive_count: 1
        }
    );
    // Items 1 and 3 are not run again.
    assert_eq!(invocations_of(&run, "Work").len(), 4);
}

// ----- The context object and retries -----

#[test]
fn the_context_object_counts_redrives_and_tells_when() {
    // The Context object page: `$$.Execution.RedriveCount`, and `RedriveTime` "only available
    // if you've redriven an execution". The execution's start time and id stay.
    let run = redriven(
        &asl(
            r#"{"StartAt": "Look", "States": {"Look": {"Type": "Task", "Resource": "FN:Look",
            "Parameters": {"execution.$": "$$.Execution"}, "End": true}}}"#,
        ),
        Script::new(json!({}))
            .answering(
                |inv| match inv.input["execution"]["RedriveCount"].as_u64() {
                    Some(0) => Answer::fail(SECOND, "Not.Yet", "first"),
                    _ => Answer::succeed(SECOND, inv.input.clone()),
                },
            )
            .redriving_at(T0 + HOUR),
    );
    let seen: Vec<&Value> = invocations_of(&run, "Look")
        .into_iter()
        .map(|inv| &inv.input["execution"])
        .collect();
    assert_eq!(seen[0]["RedriveCount"], json!(0));
    assert_eq!(seen[0].get("RedriveTime"), None);
    assert_eq!(seen[1]["RedriveCount"], json!(1));
    assert_eq!(seen[1]["RedriveTime"], json!("2024-05-01T01:00:00Z"));
    assert_eq!(seen[1]["StartTime"], json!("2024-05-01T00:00:00Z"));
    assert_eq!(seen[0]["Id"], seen[1]["Id"]);
}

#[test]
fn retry_counts_start_again_from_zero() {
    // The redrive page, "Retry behavior of redriven executions": "the retry attempt count for
    // these states is reset to 0 to allow for the maximum number of attempts on redrive".
    // The first attempt fails three times (two retries); the redrive gets two retries again,
    // and the third try of the redrive succeeds.
    let run = redriven(
        &asl(
            r#"{"StartAt": "Flaky", "States": {"Flaky": {"Type": "Task", "Resource": "FN:Flaky",
            "Parameters": {"retry.$": "$$.State.RetryCount", "attempt.$": "$$.Execution.RedriveCount"},
            "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 2}],
            "End": true}}}"#,
        ),
        Script::new(json!({}))
            .answering(|inv| match (attempt(inv), inv.input["retry"].as_u64()) {
                (1, Some(2)) => Answer::succeed(SECOND, json!("at last")),
                _ => Answer::fail(SECOND, "Flaky", "again"),
            })
            .redriving_at(T0 + HOUR),
    );
    assert_eq!(output(&run), &json!("at last"));
    let retries: Vec<(u64, u32)> = invocations_of(&run, "Flaky")
        .into_iter()
        .map(|inv| (inv.input["retry"].as_u64().unwrap_or(99), inv.retry_count))
        .collect();
    assert_eq!(retries, [(0, 0), (1, 1), (2, 2), (0, 0), (1, 1), (2, 2)]);
}

// ----- Refusals -----

fn start(definition: &str, config: &ExecutionConfig) -> (Execution, Vec<Command>) {
    start_plan(plan(definition), config)
}

fn start_plan(plan: Arc<Plan>, config: &ExecutionConfig) -> (Execution, Vec<Command>) {
    Execution::start(plan, config, json!({}), T0, &mut SplitMix64(1)).expect("it starts")
}

/// Fails the first task the commands invoke, at `at`.
fn fail_task(execution: &mut Execution, commands: &[Command], at: i64) {
    let task = commands
        .iter()
        .find_map(|c| match c {
            Command::Invoke(inv) => Some(inv.task),
            _ => None,
        })
        .expect("a task is invoked");
    execution.handle(
        Event::TaskFailed {
            task,
            failure: Failure::new("Boom", "broken"),
        },
        at,
        &mut SplitMix64(2),
    );
}

/// A redrive that is refused changes nothing.
fn refused(execution: &mut Execution, at: i64) -> RedriveError {
    let history = execution.history().to_vec();
    let status = execution.status().clone();
    let error = execution
        .redrive(at, &mut SplitMix64(3))
        .expect_err("refused");
    assert_eq!(execution.redrivable(at), Err(error.clone()));
    assert_eq!(execution.history(), &history[..]);
    assert_eq!(execution.status(), &status);
    assert_eq!(execution.info().redrive_count, 0);
    // Handed over as an event, it changes nothing either.
    assert_eq!(
        execution.handle(Event::Redrive { revision: None }, at, &mut SplitMix64(3)),
        []
    );
    assert_eq!(execution.history(), &history[..]);
    error
}

const ONE_TASK: &str = r#"{"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "F"}, "End": true}}}"#;

#[test]
fn refused_while_running_after_success_and_for_express() {
    let config = ExecutionConfig::default();
    let (mut running, _) = start(ONE_TASK, &config);
    assert_eq!(refused(&mut running, T0 + 1), RedriveError::Running);

    let (mut succeeded, _) = start(
        r#"{"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": true}}}"#,
        &config,
    );
    let error = refused(&mut succeeded, T0 + 1);
    assert_eq!(error, RedriveError::Succeeded);
    // AWS's redriveStatusReason, under its exception's name.
    assert_eq!(
        error.to_string(),
        "ExecutionNotRedrivable: Execution is SUCCEEDED and cannot be redriven."
    );

    // "This API action is not supported by EXPRESS state machines."
    let express = Definition::from_json_str(
        ONE_TASK,
        &CompileOptions {
            machine_type: MachineType::Express,
        },
    )
    .expect("valid")
    .plan()
    .expect("a plan");
    let (mut failed, commands) = start_plan(express, &config);
    fail_task(&mut failed, &commands, T0 + 1);
    assert!(matches!(failed.status(), ExecutionStatus::Failed(_)));
    assert_eq!(refused(&mut failed, T0 + 2), RedriveError::Express);
}

#[test]
fn refused_past_fourteen_days_after_the_end() {
    // "Your workflow execution has not exceeded the redrivable period of 14 days ... This
    // period starts from the day a state machine completes its execution."
    let (mut execution, commands) = start(ONE_TASK, &ExecutionConfig::default());
    let ended = T0 + 5 * DAY;
    fail_task(&mut execution, &commands, ended);
    assert_eq!(
        refused(&mut execution, ended + REDRIVABLE_PERIOD_MS + 1),
        RedriveError::RedrivablePeriodExceeded {
            since: 14 * DAY + 1
        }
    );
    assert!(
        execution
            .redrive(ended + REDRIVABLE_PERIOD_MS, &mut SplitMix64(3))
            .is_ok()
    );
}

#[test]
fn refused_without_room_in_the_history_for_two_more_events() {
    // "The execution event history count is less than 24,999 ... to accommodate the
    // ExecutionRedriven history event and at least one other history event" (of the 25,000
    // a STANDARD history holds): a redrive needs room for two more events under the quota.
    let (mut probe, commands) = start(ONE_TASK, &ExecutionConfig::default());
    fail_task(&mut probe, &commands, T0 + 1);
    let events = probe.history().len();
    let with_quota = |limit: usize| ExecutionConfig {
        history_limit: Some(limit),
        ..ExecutionConfig::default()
    };
    let (mut tight, commands) = start(ONE_TASK, &with_quota(events + 1));
    fail_task(&mut tight, &commands, T0 + 1);
    assert_eq!(tight.history().len(), events);
    assert_eq!(
        refused(&mut tight, T0 + 2),
        RedriveError::HistoryLimitExceeded {
            events,
            limit: events + 1
        }
    );
    let (mut roomy, commands) = start(ONE_TASK, &with_quota(events + 2));
    fail_task(&mut roomy, &commands, T0 + 1);
    assert!(roomy.redrive(T0 + 2, &mut SplitMix64(3)).is_ok());

    // An execution that failed at its history quota has no room at all.
    let (mut full, _) = start(
        r#"{"StartAt": "Step", "States": {
            "Step": {"Type": "Pass", "Next": "Again"},
            "Again": {"Type": "Choice", "Choices": [{"Variable": "$.stop", "IsPresent": true, "Next": "Done"}], "Default": "Step"},
            "Done": {"Type": "Succeed"}}}"#,
        &with_quota(40),
    );
    assert!(matches!(full.status(), ExecutionStatus::Failed(_)));
    assert_eq!(
        refused(&mut full, T0 + 1),
        RedriveError::HistoryLimitExceeded {
            events: 40,
            limit: 40
        }
    );
}

// ----- The journal of a redrive -----

#[test]
fn a_redrive_is_journaled_as_an_event_and_handled_as_redrive_does() {
    let run = redriven(
        &asl(THREE_BRANCHES),
        three_branches(10 * SECOND).redriving_at(T0 + HOUR),
    );
    let entry = run
        .entries
        .iter()
        .find(|e| matches!(e.event, Event::Redrive { .. }))
        .expect("a redrive entry");
    assert_eq!(
        serde_json::to_value(&entry.event).expect("serializes"),
        json!({"redrive": {}})
    );
    assert_eq!(
        serde_json::to_value(Event::Redrive { revision: Some(3) }).expect("serializes"),
        json!({"redrive": {"revision": 3}})
    );
    // `handle` given the event does what `redrive` does: the same history and commands.
    let k = run
        .entries
        .iter()
        .position(|e| matches!(e.event, Event::Redrive { .. }))
        .expect("a redrive entry");
    let replay = |entries: &[workflow_core::journal::Entry]| {
        workflow_core::journal::replay(
            run.plan.clone(),
            &run.start,
            entries,
            &mut SplitMix64(run.seed),
        )
        .expect("replays")
    };
    let mut through_handle = replay(&run.entries[..k]);
    let mut through_redrive = replay(&run.entries[..k]);
    let mut entropy = SplitMix64(9);
    let by_handle = through_handle.execution.handle(
        Event::Redrive { revision: None },
        entry.at,
        &mut entropy.clone(),
    );
    let by_redrive = through_redrive
        .execution
        .redrive(entry.at, &mut entropy)
        .expect("redrivable");
    assert_eq!(by_handle, by_redrive);
    assert_eq!(
        through_handle.execution.history(),
        through_redrive.execution.history()
    );
}

// ----- A patched definition (beyond AWS) -----

/// A Task that calls the function its Parameters name, then a Pass.
fn charging(function: &str, extra: &str) -> String {
    format!(
        r#"{{"StartAt": "Charge", "States": {{
            "Charge": {{"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                       "Parameters": {{"FunctionName": "{function}", "Payload.$": "$"}}, "Next": "Done"}},
            {extra}
            "Done": {{"Type": "Pass", "End": true}}}}}}"#
    )
}

/// Fails a call of `charge-v1`; anything else answers with the function's name.
fn by_function(inv: &TaskInvocation) -> Answer {
    match inv.input["FunctionName"].as_str() {
        Some("charge-v1") => Answer::fail(SECOND, "Bug", "charge-v1 is broken"),
        name => Answer::succeed(SECOND, json!({"called": name})),
    }
}

#[test]
fn a_patched_definition_that_fits_goes_on_from_where_the_execution_stopped() {
    // The fix names another function and adds a state after the Task (a patch may add
    // states: only the states the execution stands in must be found in it).
    let fixed = plan(
        &charging("charge-v2", r#""Notify": {"Type": "Pass", "Result": "sent", "ResultPath": "$.notified", "Next": "Done"},"#)
            .replace(r#""Payload.$": "$"}, "Next": "Done""#, r#""Payload.$": "$"}, "Next": "Notify""#),
    );
    let run = redriven(
        &charging("charge-v1", ""),
        Script::new(json!({"order": 1}))
            .answering(by_function)
            .redriving_with(T0 + HOUR, 2, fixed),
    );
    assert_eq!(
        output(&run),
        &json!({"called": "charge-v2", "notified": "sent"})
    );
    let called: Vec<Option<&str>> = invocations_of(&run, "Charge")
        .into_iter()
        .map(|inv| inv.input["FunctionName"].as_str())
        .collect();
    assert_eq!(called, [Some("charge-v1"), Some("charge-v2")]);
    let (_, after) = after_redrive(&run, 1);
    assert_eq!(entered(&after[0]), ("Charge", json!({"order": 1})));
    assert!(
        run.entries
            .iter()
            .any(|e| e.event == Event::Redrive { revision: Some(2) })
    );
}

#[test]
fn a_patched_branch_is_found_inside_its_parallel() {
    // B's branch is fixed: its Task gets a Retry and calls another function. A and C are not
    // run again.
    let patched = THREE_BRANCHES.replace(
        r#""B": {"Type": "Task", "Resource": "FN:B""#,
        r#""B": {"Type": "Task", "Resource": "FN:B2", "Retry": [{"ErrorEquals": ["States.ALL"]}]"#,
    );
    assert_ne!(patched, THREE_BRANCHES);
    let run = redriven(
        &asl(THREE_BRANCHES),
        three_branches(SECOND).redriving_with(T0 + HOUR, 1, plan(&asl(&patched))),
    );
    assert_eq!(output(&run), &json!([{"a": 0}, {"b": 1}, {"c": 0}]));
    let resources: Vec<String> = invocations_of(&run, "B")
        .into_iter()
        .map(|inv| inv.resource.to_string())
        .collect();
    assert_eq!(
        resources,
        [format!("{FUNCTION}:B"), format!("{FUNCTION}:B2")]
    );
}

/// A failed execution of `definition` (its first task fails), to patch.
fn failed(definition: &str, input: Value) -> Execution {
    let run = driver::run(
        &plan(definition),
        &Script::new(input).answering(|inv| {
            if &*inv.state_name == "B"
                || &*inv.state_name == "Charge"
                || &*inv.state_name == "Square"
            {
                Answer::fail(SECOND, "Broken", "broken")
            } else {
                Answer::succeed(SECOND, json!({}))
            }
        }),
    );
    assert!(
        matches!(run.status(), ExecutionStatus::Failed(_)),
        "{:?}",
        run.status()
    );
    run.execution
}

/// Redrives `execution` with `definition`, which must not fit; nothing changes.
fn does_not_fit(execution: &mut Execution, definition: &str) -> FitError {
    let history = execution.history().len();
    let error = execution
        .redrive_with(plan(definition), T0 + HOUR, &mut SplitMix64(1))
        .expect_err("does not fit");
    assert_eq!(execution.history().len(), history);
    assert!(matches!(execution.status(), ExecutionStatus::Failed(_)));
    assert_eq!(execution.info().redrive_count, 0);
    match error {
        RedriveError::DoesNotFit(fit) => fit,
        other => panic!("{other}"),
    }
}

#[test]
fn a_patched_definition_that_does_not_fit_is_refused() {
    let mut execution = failed(&charging("charge-v1", ""), json!({}));
    // The state it stopped in, renamed.
    let renamed = charging("charge-v2", "").replace("\"Charge\"", "\"Bill\"");
    let error = does_not_fit(&mut execution, &renamed);
    assert_eq!(
        error,
        FitError::StateMissing {
            state: "Charge".into(),
            scope: "the top level".into()
        }
    );
    assert_eq!(
        RedriveError::DoesNotFit(error).to_string(),
        "the new definition does not fit the execution: the state 'Charge' in the top level, where the execution stopped, is not in the new definition"
    );
    // ... or of another type.
    let passing = r#"{"StartAt": "Charge", "States": {"Charge": {"Type": "Pass", "End": true}}}"#;
    assert_eq!(
        does_not_fit(&mut execution, passing),
        FitError::TypeChanged {
            state: "Charge".into(),
            scope: "the top level".into(),
            execution: "Task",
            new: "Pass"
        }
    );

    // A Parallel whose branches are redriven, with a branch less.
    let mut fan = failed(&asl(THREE_BRANCHES), json!({}));
    let two_branches = asl(
        r#"{"StartAt": "Fan", "States": {"Fan": {"Type": "Parallel", "End": true, "Branches": [
        {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "FN:A", "End": true}}},
        {"StartAt": "B", "States": {"B": {"Type": "Task", "Resource": "FN:B", "End": true}}}]}}}"#,
    );
    assert_eq!(
        does_not_fit(&mut fan, &two_branches),
        FitError::BranchesChanged {
            state: "Fan".into(),
            scope: "the top level".into(),
            execution: 3,
            new: 2
        }
    );
    // A state missing inside a branch.
    let renamed_b = asl(THREE_BRANCHES).replace("\"B\"", "\"Bee\"");
    assert_eq!(
        does_not_fit(&mut fan, &renamed_b),
        FitError::StateMissing {
            state: "B".into(),
            scope: "branch 2 of the Parallel state 'Fan' (in the top level)".into()
        }
    );

    // An inline Map whose iterations are redriven, made distributed.
    let inline = asl(
        r#"{"StartAt": "Each", "States": {"Each": {"Type": "Map", "End": true,
        "ItemProcessor": {"StartAt": "Square", "States": {"Square": {"Type": "Task", "Resource": "FN:Square", "End": true}}}}}}"#,
    );
    let mut map = failed(&inline, json!([1]));
    let distributed = inline.replace(
        r#""ItemProcessor": {"#,
        r#""ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "#,
    );
    assert_eq!(
        does_not_fit(&mut map, &distributed),
        FitError::MapModeChanged {
            state: "Each".into(),
            scope: "the top level".into(),
            execution: "inline",
            new: "distributed (STANDARD child executions)"
        }
    );
    // After all these, a plan that fits still goes.
    assert!(
        execution
            .redrive_with(
                plan(&charging("charge-v2", "")),
                T0 + HOUR,
                &mut SplitMix64(1)
            )
            .is_ok()
    );
}
