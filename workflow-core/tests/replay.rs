//! Replay of execution journals (`workflow_core::journal`) for every state type and
//! mechanism, and determinism of the step logic.
//!
//! Each test runs a definition through the step logic with a scripted driver (`driver.rs`: no
//! tokio, tasks answered, timers fired in deadline order, `Continue` when the step logic has
//! work left, a stop where the script says), journaling every event as a durable runtime
//! does, and puts the journal through `checks::check_run`:
//! 1. the whole journal replays to the same history (timestamps included), status and
//!    output;
//! 2. every prefix of it (a crash after entry k) replays to the execution as it stood after
//!    entry k, with what it had under way then (tasks in flight, timers armed with their
//!    deadlines, tokens awaited) as the driver recorded it from the commands it carried out;
//! 3. each replayed prefix, handed the rest of the journal, returns the same commands and
//!    ends as the run did;
//! 4. a check altered anywhere is refused at its entry;
//! 5. the journal read back from its JSON text is the same and replays the same.
//!
//! Each script also runs twice, and both runs must journal the same (nothing in the step
//! logic may depend on a hash map's order or a clock). Each test then checks that its run
//! went through the mechanism it is named for, with expectations reasoned from the
//! definition in comments (not copied from a run).

#[path = "replay/checks.rs"]
mod checks;
#[path = "replay/driver.rs"]
mod driver;
#[path = "replay/properties.rs"]
mod properties;

use serde_json::{Value, json};
use workflow_core::entropy::SplitMix64;
use workflow_core::execution::{
    Command, Event, ExecutionConfig, ExecutionStatus, Failure, PAYLOAD_LIMIT_BYTES, StartError,
    TaskId, TimerId,
};
use workflow_core::journal::{Entry, HistoryCheck, ReplayError, Start, replay};

use checks::{event_kinds, journaled, through_json};
use driver::{Answer, DAY, HOUR, MINUTE, SECOND, Script, T0, plan, run};

const FUNCTION: &str = "arn:aws:lambda:us-east-1:123456789012:function";

/// A definition's text with `FN:` standing for the Lambda ARN prefix of the test account.
fn asl(text: &str) -> String {
    text.replace("FN:", &format!("{FUNCTION}:"))
}

fn output(run: &driver::Run) -> &Value {
    run.status()
        .output()
        .unwrap_or_else(|| panic!("the run did not succeed: {:?}", run.status()))
}

fn failure(run: &driver::Run) -> &Failure {
    run.status()
        .failure()
        .unwrap_or_else(|| panic!("the run did not fail: {:?}", run.status()))
}

/// The timestamp of the history's last event.
fn ended_at(run: &driver::Run) -> i64 {
    run.history().last().expect("a history").timestamp
}

fn count(run: &driver::Run, event_type: &str) -> usize {
    run.event_types()
        .iter()
        .filter(|&&t| t == event_type)
        .count()
}

// ----- Pass, Succeed, Choice, Fail -----

#[test]
fn pass_states_and_succeed() {
    let run = journaled(
        r#"{"StartAt": "Greet", "States": {
            "Greet": {"Type": "Pass", "Result": {"hello": "wörld ☃"}, "ResultPath": "$.greeting", "Next": "Breathe"},
            "Breathe": {"Type": "Wait", "Seconds": 1, "Next": "Pick"},
            "Pick": {"Type": "Pass", "InputPath": "$.greeting",
                     "Parameters": {"said.$": "$.hello", "big": 1.5e300, "tiny": -2.5e-300},
                     "Next": "Done"},
            "Done": {"Type": "Succeed"}}}"#,
        Script::new(json!({"n": 0.1})),
    );
    // Greet adds the greeting, Pick keeps what its Parameters build from it.
    assert_eq!(
        output(&run),
        &json!({"said": "wörld ☃", "big": 1.5e300, "tiny": -2.5e-300})
    );
    assert_eq!(event_kinds(&run).get("timer_fired"), Some(&1));
    assert_eq!(ended_at(&run), T0 + SECOND);
}

#[test]
fn choice_loops_and_routes() {
    let definition = asl(r#"{"StartAt": "Count", "States": {
        "Count": {"Type": "Task", "Resource": "FN:Count", "Next": "Route"},
        "Route": {"Type": "Choice", "Choices": [
            {"Variable": "$.n", "NumericLessThan": 3, "Next": "Count"},
            {"And": [{"Variable": "$.n", "NumericGreaterThanEquals": 3},
                     {"Variable": "$.label", "StringMatches": "big*"}], "Next": "Big"}],
         "Default": "Small"},
        "Big": {"Type": "Succeed"},
        "Small": {"Type": "Fail", "Error": "TooSmall"}}}"#);
    // Count adds one to n: from 0, three calls reach 3, which the second rule sends to Big.
    let counting = |label: &'static str| {
        move |inv: &workflow_core::execution::TaskInvocation| {
            let n = inv.input["n"].as_i64().unwrap_or_default();
            Answer::succeed(100, json!({"n": n + 1, "label": label}))
        }
    };
    let run = journaled(
        &definition,
        Script::new(json!({"n": 0})).answering(counting("bigger")),
    );
    assert_eq!(output(&run), &json!({"n": 3, "label": "bigger"}));
    assert_eq!(count(&run, "ChoiceStateEntered"), 3);
    assert_eq!(event_kinds(&run).get("task_succeeded"), Some(&3));
    // No rule matches "tiny": the Default Fail state ends the execution.
    let run = journaled(
        &definition,
        Script::new(json!({"n": 2})).answering(counting("tiny")),
    );
    assert_eq!(
        failure(&run),
        &Failure {
            error: Some("TooSmall".into()),
            cause: None
        }
    );
}

#[test]
fn fail_states_with_and_without_error_and_cause() {
    let definition = asl(r#"{"StartAt": "Check", "States": {
        "Check": {"Type": "Task", "Resource": "FN:Check", "Next": "Decide"},
        "Decide": {"Type": "Choice", "Choices": [{"Variable": "$.ok", "BooleanEquals": false, "Next": "Refuse"}],
                   "Default": "Quiet"},
        "Refuse": {"Type": "Fail", "Error": "Refused", "Cause": "the check said «no»"},
        "Quiet": {"Type": "Fail"}}}"#);
    let refused = journaled(
        &definition,
        Script::new(json!({})).answering(|_| Answer::succeed(SECOND, json!({"ok": false}))),
    );
    assert_eq!(
        failure(&refused),
        &Failure::new("Refused", "the check said «no»")
    );
    let quiet = journaled(
        &definition,
        Script::new(json!({})).answering(|_| Answer::succeed(SECOND, json!({"ok": true}))),
    );
    // A Fail state with neither field fails the execution with neither.
    assert_eq!(failure(&quiet), &Failure::default());
    assert!(matches!(quiet.status(), ExecutionStatus::Failed(_)));
}

// ----- Task -----

#[test]
fn lambda_function_and_activity_tasks() {
    let run = journaled(
        &asl(r#"{"StartAt": "Double", "States": {
            "Double": {"Type": "Task", "Resource": "FN:Double", "ResultPath": "$.doubled", "Next": "Approve"},
            "Approve": {"Type": "Task", "Resource": "arn:aws:states:us-east-1:123456789012:activity:Approve",
                        "ResultPath": "$.approved", "End": true}}}"#),
        Script::new(json!({"x": 21})).answering(|inv| {
            if inv.state_name.as_ref() == "Double" {
                let x = inv.input["x"].as_i64().unwrap_or_default();
                Answer::succeed(250, json!(x * 2))
            } else {
                Answer::succeed(2 * HOUR, json!(true))
            }
        }),
    );
    assert_eq!(
        output(&run),
        &json!({"x": 21, "doubled": 42, "approved": true})
    );
    assert_eq!(count(&run, "LambdaFunctionSucceeded"), 1);
    assert_eq!(count(&run, "ActivitySucceeded"), 1);
    assert_eq!(ended_at(&run), T0 + 250 + 2 * HOUR);
}

#[test]
fn lambda_invoke_integration() {
    let run = journaled(
        r#"{"StartAt": "Invoke", "States": {
            "Invoke": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                       "Parameters": {"FunctionName": "Greeter", "Payload": {"who.$": "$.who"}},
                       "ResultSelector": {"greeting.$": "$.Payload.greeting"}, "End": true}}}"#,
        Script::new(json!({"who": "Ada"})).answering(|inv| {
            let who = inv.input["Payload"]["who"].as_str().unwrap_or_default();
            Answer::succeed(
                30,
                json!({"StatusCode": 200, "Payload": {"greeting": format!("hello {who}")}}),
            )
        }),
    );
    assert_eq!(output(&run), &json!({"greeting": "hello Ada"}));
    assert_eq!(count(&run, "TaskSucceeded"), 1);
}

#[test]
fn callback_token_answered_days_later_with_heartbeats() {
    // The token is answered three days (and five minutes) after the message went out, with
    // a heartbeat every 30 minutes, within the state's HeartbeatSeconds of an hour.
    let run = journaled(
        r#"{"StartAt": "Approve", "States": {
            "Approve": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                        "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/approvals",
                                       "MessageBody": {"token.$": "$$.Task.Token", "order.$": "$.order"}},
                        "HeartbeatSeconds": 3600, "TimeoutSeconds": 604800,
                        "ResultPath": "$.approval", "End": true}}}"#,
        Script::new(json!({"order": 7})).answering(|_| Answer::Callback {
            submitted: 200,
            response: json!({"MessageId": "7b1c"}),
            token: Box::new(Answer::Beating {
                beats: (1..=144).map(|i| i * 30 * MINUTE).collect(),
                then: Box::new(Answer::succeed(
                    3 * DAY + 5 * MINUTE,
                    json!({"approved": true, "by": "Zoë"}),
                )),
            }),
        }),
    );
    assert_eq!(
        output(&run),
        &json!({"order": 7, "approval": {"approved": true, "by": "Zoë"}})
    );
    assert_eq!(ended_at(&run), T0 + 3 * DAY + 5 * MINUTE);
    let kinds = event_kinds(&run);
    assert_eq!(kinds.get("task_heartbeat"), Some(&144));
    assert_eq!(kinds.get("task_submitted"), Some(&1));
    // The token the message carried is the one awaited while the task was handed over.
    let invocation = run.invocations()[0];
    let token = invocation
        .task_token
        .clone()
        .expect("a callback has a token");
    assert_eq!(invocation.input["MessageBody"]["token"], json!(token));
    let awaiting: Vec<_> = run
        .steps
        .iter()
        .filter(|s| !s.underway.tokens.is_empty())
        .collect();
    assert_eq!(awaiting.len(), 145, "from the hand-over to the answer");
    assert!(
        awaiting
            .iter()
            .all(|s| s.underway.tokens.values().all(|t| *t == token))
    );
}

#[test]
fn task_timeout_seconds_is_caught() {
    let run = journaled(
        &asl(r#"{"StartAt": "Slow", "States": {
            "Slow": {"Type": "Task", "Resource": "FN:Slow", "TimeoutSeconds": 30,
                     "Catch": [{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": "GaveUp"}],
                     "End": true},
            "GaveUp": {"Type": "Pass", "End": true}}}"#),
        Script::new(json!({"id": 1})).answering(|_| Answer::Silent),
    );
    assert_eq!(count(&run, "LambdaFunctionTimedOut"), 1);
    assert_eq!(output(&run)["error"]["Error"], json!("States.Timeout"));
    assert_eq!(ended_at(&run), T0 + 30 * SECOND);
    // The silent task was cancelled when it timed out.
    let last = &run.steps.last().expect("steps").commands;
    assert!(last.contains(&Command::Cancel { task: TaskId(1) }));
}

#[test]
fn heartbeat_seconds_times_out_then_a_retry_succeeds() {
    let run = journaled(
        r#"{"StartAt": "Work", "States": {
            "Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                     "Parameters": {"FunctionName": "Work", "Payload.$": "$"},
                     "HeartbeatSeconds": 10, "TimeoutSeconds": 300,
                     "Retry": [{"ErrorEquals": ["States.HeartbeatTimeout"], "IntervalSeconds": 2, "MaxAttempts": 1}],
                     "OutputPath": "$.Payload", "End": true}}}"#,
        Script::new(json!({})).answering(|inv| match inv.retry_count {
            // Beats at 5 s and 12 s, then silence: 10 s after the last beat, at 22 s, the
            // heartbeat runs out.
            0 => Answer::Beating {
                beats: vec![5 * SECOND, 12 * SECOND],
                then: Box::new(Answer::Silent),
            },
            _ => Answer::Beating {
                beats: vec![4 * SECOND],
                then: Box::new(Answer::succeed(
                    9 * SECOND,
                    json!({"StatusCode": 200, "Payload": {"done": true}}),
                )),
            },
        }),
    );
    assert_eq!(output(&run), &json!({"done": true}));
    assert_eq!(count(&run, "TaskTimedOut"), 1);
    let timed_out = run
        .history()
        .iter()
        .find(|e| e.event_type.as_str() == "TaskTimedOut")
        .expect("a timeout");
    assert_eq!(timed_out.timestamp, T0 + 22 * SECOND);
    // The retry starts 2 s later and answers 9 s after that.
    assert_eq!(ended_at(&run), T0 + 33 * SECOND);
}

#[test]
fn late_answers_and_timer_firings_are_journaled_and_replay_alike() {
    // A runtime's races: a task's answer already on its way when its TimeoutSeconds ran out
    // (Slow answers at 40 s, timed out at 30 s), a timer already popped when a branch's
    // failure called it off (Hold's, due at 50 s, called off when Boom fails at 32 s). The
    // step logic ignores both, but they are events it consumed: journaled, and replayed.
    let mut script = Script::new(json!({})).answering(|inv| match inv.state_name.as_ref() {
        "Slow" => Answer::succeed(40 * SECOND, json!("late")),
        _ => Answer::fail(2 * SECOND, "Boom", "in a branch"),
    });
    script.late_events = true;
    let run = journaled(
        &asl(r#"{"StartAt": "Slow", "States": {
            "Slow": {"Type": "Task", "Resource": "FN:Slow", "TimeoutSeconds": 30,
                     "Catch": [{"ErrorEquals": ["States.Timeout"], "ResultPath": null, "Next": "Fan"}], "Next": "Fan"},
            "Fan": {"Type": "Parallel", "Branches": [
                {"StartAt": "Boom", "States": {"Boom": {"Type": "Task", "Resource": "FN:Boom", "End": true}}},
                {"StartAt": "Hold", "States": {"Hold": {"Type": "Wait", "Seconds": 20, "End": true}}}],
             "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": null, "Next": "Linger"}], "Next": "Linger"},
            "Linger": {"Type": "Wait", "Seconds": 60, "End": true}}}"#),
        script,
    );
    assert_eq!(output(&run), &json!({}));
    assert_eq!(ended_at(&run), T0 + 92 * SECOND);
    let late: Vec<(i64, &Event)> = run
        .entries
        .iter()
        .filter(|e| e.at == T0 + 40 * SECOND || e.at == T0 + 50 * SECOND)
        .map(|e| (e.at - T0, &e.event))
        .collect();
    assert!(
        matches!(
            late[..],
            [
                (40_000, Event::TaskSucceeded { .. }),
                (50_000, Event::TimerFired { .. })
            ]
        ),
        "{late:?}"
    );
    // Neither left a trace in the history.
    assert!(
        run.history()
            .iter()
            .all(|e| e.timestamp != T0 + 40 * SECOND && e.timestamp != T0 + 50 * SECOND)
    );
}

// ----- Wait -----

#[test]
fn wait_seconds_timestamp_and_paths() {
    let run = journaled(
        r#"{"StartAt": "TenSeconds", "States": {
            "TenSeconds": {"Type": "Wait", "Seconds": 10, "Next": "Until"},
            "Until": {"Type": "Wait", "Timestamp": "2024-05-01T01:00:00Z", "Next": "ByPath"},
            "ByPath": {"Type": "Wait", "SecondsPath": "$.delay", "Next": "UntilPath"},
            "UntilPath": {"Type": "Wait", "TimestampPath": "$.until", "Next": "Done"},
            "Done": {"Type": "Succeed"}}}"#,
        Script::new(json!({"delay": 90, "until": "2024-05-02T00:00:00.500Z"})),
    );
    let exits: Vec<i64> = run
        .history()
        .iter()
        .filter(|e| e.event_type.as_str() == "WaitStateExited")
        .map(|e| e.timestamp)
        .collect();
    // T0 is 2024-05-01T00:00:00Z; a timestamp's fraction of a second is not waited for.
    assert_eq!(
        exits,
        vec![
            T0 + 10 * SECOND,
            T0 + HOUR,
            T0 + HOUR + 90 * SECOND,
            T0 + DAY
        ]
    );
    assert_eq!(event_kinds(&run).get("timer_fired"), Some(&4));
}

// ----- Parallel and Map -----

const FAN_OUT: &str = r#"{"StartAt": "Fan", "States": {
    "Fan": {"Type": "Parallel", "Branches": [
        {"StartAt": "Charge", "States": {"Charge": {"Type": "Task", "Resource": "FN:Charge", "End": true}}},
        {"StartAt": "Hold", "States": {"Hold": {"Type": "Wait", "Seconds": 3600, "End": true}}},
        {"StartAt": "Notify", "States": {"Notify": {"Type": "Task", "Resource": "FN:Notify", "End": true}}}],
     "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.failed", "Next": "Refund"}],
     "Next": "Done"},
    "Refund": {"Type": "Task", "Resource": "FN:Refund", "ResultPath": "$.refund", "End": true},
    "Done": {"Type": "Succeed"}}}"#;

#[test]
fn parallel_branches_all_succeed() {
    let run = journaled(
        &asl(FAN_OUT),
        Script::new(json!({"amount": 5})).answering(|inv| {
            Answer::succeed(
                SECOND,
                json!({"by": inv.state_name.as_ref(), "at": inv.task.0}),
            )
        }),
    );
    // One result per branch, in branch order; the Wait passes its input on.
    let results = output(&run).as_array().expect("an array").clone();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0]["by"], json!("Charge"));
    assert_eq!(results[1], json!({"amount": 5}));
    assert_eq!(results[2]["by"], json!("Notify"));
    assert_eq!(ended_at(&run), T0 + HOUR);
}

#[test]
fn parallel_branch_failure_aborts_the_others_and_is_caught() {
    let run = journaled(
        &asl(FAN_OUT),
        Script::new(json!({"amount": 5})).answering(|inv| match inv.state_name.as_ref() {
            "Charge" => Answer::fail(2 * SECOND, "CardDeclined", "insufficient funds"),
            "Notify" => Answer::Silent,
            _ => Answer::succeed(SECOND, json!({"refunded": true})),
        }),
    );
    assert_eq!(
        output(&run),
        &json!({"amount": 5, "failed": {"Error": "CardDeclined", "Cause": "insufficient funds"},
                "refund": {"refunded": true}})
    );
    // The branch that failed ends with its state aborted (it never exited; AWS records so, see
    // the corpus case error_handling/parallel_catch_error_parallel_catch_error_output), and
    // so do the two branches called off: Charge and Notify's Task states, Hold's Wait.
    assert_eq!(count(&run, "WaitStateAborted"), 1);
    assert_eq!(count(&run, "TaskStateAborted"), 2);
    assert_eq!(ended_at(&run), T0 + 3 * SECOND);
    // When Charge failed, the Hold timer and the Notify call were called off.
    let failed_at = run
        .steps
        .iter()
        .position(|s| {
            s.commands
                .iter()
                .any(|c| matches!(c, Command::CancelTimer { .. }))
        })
        .expect("the Wait's timer cancelled");
    assert!(
        run.steps[failed_at]
            .commands
            .iter()
            .any(|c| matches!(c, Command::Cancel { .. }))
    );
}

const ORDERS: &str = r#"{"StartAt": "Orders", "States": {
    "Orders": {"Type": "Map", "ItemsPath": "$.orders",
               "ItemSelector": {"order.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index", "currency.$": "$.currency"},
               "MaxConcurrency": 2, "ToleratedFailureCount": 1,
               "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": "Ship",
                                 "States": {"Ship": {"Type": "Task", "Resource": "FN:Ship", "End": true}}},
               "Catch": [{"ErrorEquals": ["States.ExceedToleratedFailureThreshold"], "ResultPath": "$.error", "Next": "Partial"}],
               "ResultPath": "$.shipped", "End": true},
    "Partial": {"Type": "Pass", "End": true}}}"#;

/// Ships an order, slower for earlier items (so that they finish out of order), failing the
/// items whose order id is in `failing`.
fn shipping(
    failing: &'static [i64],
) -> impl Fn(&workflow_core::execution::TaskInvocation) -> Answer {
    move |inv| {
        let id = inv.input["order"]["id"].as_i64().unwrap_or_default();
        let index = inv.input["index"].as_i64().unwrap_or_default();
        let after = (5 - index) * 100;
        if failing.contains(&id) {
            Answer::fail(after, "OutOfStock", &format!("order {id}"))
        } else {
            Answer::succeed(
                after,
                json!({"id": id, "in": inv.input["currency"], "index": index}),
            )
        }
    }
}

fn orders() -> Value {
    json!({"currency": "EUR", "orders": [{"id": 10}, {"id": 11}, {"id": 12}, {"id": 13}, {"id": 14}]})
}

#[test]
fn map_with_max_concurrency_items_path_and_a_tolerated_failure() {
    let run = journaled(
        &asl(ORDERS),
        Script::new(orders()).answering(shipping(&[12])),
    );
    let shipped = output(&run)["shipped"].as_array().expect("results").clone();
    assert_eq!(shipped.len(), 5);
    // One failure is tolerated: its slot holds the error; the others their shipment.
    assert_eq!(
        shipped[2],
        json!({"Error": "OutOfStock", "Cause": "order 12"})
    );
    assert_eq!(shipped[4], json!({"id": 14, "in": "EUR", "index": 4}));
    assert_eq!(count(&run, "MapIterationFailed"), 1);
    assert_eq!(count(&run, "MapIterationSucceeded"), 4);
    // MaxConcurrency 2: never more than two items shipping at once, and two at times.
    let most = run
        .steps
        .iter()
        .map(|s| s.underway.running.len())
        .max()
        .unwrap_or_default();
    assert_eq!(most, 2);
}

#[test]
fn map_failures_beyond_tolerance_are_caught() {
    let run = journaled(
        &asl(ORDERS),
        Script::new(orders()).answering(shipping(&[11, 12])),
    );
    // The second failure passes ToleratedFailureCount 1: the Map fails with
    // States.ExceedToleratedFailureThreshold, which its Catch handles.
    assert_eq!(
        output(&run)["error"]["Error"],
        json!("States.ExceedToleratedFailureThreshold")
    );
    assert_eq!(count(&run, "MapStateFailed"), 1);
}

#[test]
fn distributed_map_iterations_leave_no_events_of_their_own() {
    let run = journaled(
        &asl(r#"{"StartAt": "Each", "States": {
            "Each": {"Type": "Map", "MaxConcurrency": 3,
                     "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                                       "StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": "FN:Work", "End": true}}},
                     "End": true}}}"#),
        Script::new(json!([1, 2, 3, 4])).answering(|inv| {
            let n = inv.input.as_i64().unwrap_or_default();
            Answer::succeed((5 - n) * SECOND, json!(n * n))
        }),
    );
    assert_eq!(output(&run), &json!([1, 4, 9, 16]));
    assert_eq!(count(&run, "MapRunSucceeded"), 1);
    assert_eq!(count(&run, "TaskStateEntered"), 0);
}

// ----- Retry and Catch -----

const FLAKY: &str = r#"{"StartAt": "Call", "States": {
    "Call": {"Type": "Task", "Resource": "FN:Flaky",
             "Retry": [{"ErrorEquals": ["Throttled"], "IntervalSeconds": 2, "BackoffRate": 3,
                        "MaxDelaySeconds": 10, "MaxAttempts": 5, "JitterStrategy": "FULL"}],
             "End": true}}}"#;

/// Fails with Throttled four times, then succeeds.
fn flaky(inv: &workflow_core::execution::TaskInvocation) -> Answer {
    if inv.retry_count < 4 {
        Answer::fail(100, "Throttled", "slow down")
    } else {
        Answer::succeed(100, json!({"attempts": inv.retry_count + 1}))
    }
}

/// The delays of the retry timers, in ms (the execution's time limit is the first timer).
fn retry_delays(run: &driver::Run) -> Vec<i64> {
    run.timers_started()
        .iter()
        .skip(1)
        .map(|(_, at, started)| at - started)
        .collect()
}

#[test]
fn retry_with_backoff_and_full_jitter() {
    let run = journaled(&asl(FLAKY), Script::new(json!({})).answering(flaky));
    assert_eq!(output(&run), &json!({"attempts": 5}));
    // Without jitter the delays would be 2, 6, then 18 and 54 capped at 10 seconds; FULL
    // jitter draws each from [0, delay).
    let delays = retry_delays(&run);
    let caps = [2_000, 6_000, 10_000, 10_000];
    assert_eq!(delays.len(), 4);
    for (delay, cap) in delays.iter().zip(caps) {
        assert!((0..cap).contains(delay), "{delays:?}");
    }
    // The jitter comes from the seed: another seed draws other delays, and its journal does
    // not replay with the first seed's numbers where they show (the timers' deadlines).
    let mut other = Script::new(json!({})).answering(flaky);
    other.seed ^= 0xff;
    let other = run_of(&asl(FLAKY), &other);
    assert_ne!(retry_delays(&other), delays);
}

fn run_of(definition: &str, script: &Script) -> driver::Run {
    run(&plan(definition), script)
}

#[test]
fn retry_exhausted_then_catch_with_assign() {
    let run = journaled(
        &asl(r#"{"StartAt": "Call", "States": {
            "Call": {"Type": "Task", "Resource": "FN:Flaky",
                     "Retry": [{"ErrorEquals": ["Throttled"], "IntervalSeconds": 1, "BackoffRate": 2, "MaxAttempts": 2}],
                     "Catch": [{"ErrorEquals": ["States.ALL"], "Assign": {"lastError.$": "$.Error"},
                                "ResultPath": "$.caught", "Next": "Report"}],
                     "End": true},
            "Report": {"Type": "Pass", "Parameters": {"error.$": "$lastError", "cause.$": "$.caught.Cause"}, "End": true}}}"#),
        Script::new(json!({})).answering(|_| Answer::fail(100, "Throttled", "again")),
    );
    assert_eq!(
        output(&run),
        &json!({"error": "Throttled", "cause": "again"})
    );
    // Three attempts (two retries, 1 s then 2 s after a failure), each failing 100 ms in.
    assert_eq!(event_kinds(&run).get("task_failed"), Some(&3));
    assert_eq!(ended_at(&run), T0 + 300 + 3 * SECOND);
}

// ----- Variables and intrinsics -----

#[test]
fn variables_assigned_and_read_across_states_and_iterations() {
    let run = journaled(
        &asl(r#"{"StartAt": "Init", "States": {
            "Init": {"Type": "Pass", "Assign": {"customer.$": "$.customer", "discount": 10}, "Next": "Items"},
            "Items": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1,
                      "ItemProcessor": {"StartAt": "Price", "States": {
                          "Price": {"Type": "Task", "Resource": "FN:Price",
                                    "Parameters": {"sku.$": "$", "customer.$": "$customer"}, "End": true}}},
                      "Assign": {"prices.$": "$"}, "Next": "Sum"},
            "Sum": {"Type": "Pass",
                    "Parameters": {"sum.$": "States.MathAdd($prices[0].price, $prices[1].price)"},
                    "Assign": {"total.$": "States.MathAdd($.sum, $discount)"}, "Next": "Report"},
            "Report": {"Type": "Pass", "Parameters": {"total.$": "$total", "customer.$": "$customer"}, "End": true}}}"#),
        Script::new(json!({"customer": "Ada", "items": ["ab", "abcd"]})).answering(|inv| {
            let sku = inv.input["sku"].as_str().unwrap_or_default();
            assert_eq!(inv.input["customer"], json!("Ada"));
            Answer::succeed(SECOND, json!({"price": sku.len() * 10}))
        }),
    );
    // 20 + 40, plus the discount variable's 10.
    assert_eq!(output(&run), &json!({"total": 70, "customer": "Ada"}));
}

#[test]
fn intrinsics_that_draw_random_numbers() {
    let definition = asl(r#"{"StartAt": "Draw", "States": {
        "Draw": {"Type": "Pass", "Parameters": {"id.$": "States.UUID()", "roll.$": "States.MathRandom(1, 1000000)"},
                 "ResultPath": "$.first", "Next": "Store"},
        "Store": {"Type": "Task", "Resource": "FN:Store", "ResultPath": null, "Next": "Again"},
        "Again": {"Type": "Pass", "Parameters": {"id.$": "States.UUID()", "roll.$": "States.MathRandom(1, 1000000)"},
                  "ResultPath": "$.second", "End": true}}}"#);
    let mut script = Script::new(json!({}));
    // The execution's name is drawn too.
    script.config.execution_name = None;
    let run = journaled(&definition, script.clone());
    let out = output(&run);
    assert_ne!(out["first"]["id"], out["second"]["id"]);
    assert_ne!(out["first"]["roll"], out["second"]["roll"]);
    assert_eq!(run.execution.info().name.len(), 36);
    // Replayed with other random numbers, the first draw differs at once.
    let error = replay(
        run.plan.clone(),
        &run.start,
        &run.entries,
        &mut SplitMix64(run.seed + 1),
    )
    .expect_err("other random numbers");
    assert!(
        matches!(error, ReplayError::Diverged { entry: None, .. }),
        "{error}"
    );
}

// ----- Loops, stops and limits -----

/// A loop of Pass and Choice states that counts to `to` and then succeeds.
fn counting_loop(to: u64) -> String {
    format!(
        r#"{{"StartAt": "Step", "States": {{
            "Step": {{"Type": "Pass", "Parameters": {{"i.$": "States.MathAdd($.i, 1)"}}, "Next": "More"}},
            "More": {{"Type": "Choice", "Choices": [{{"Variable": "$.i", "NumericLessThan": {to}, "Next": "Step"}}],
                      "Default": "Done"}},
            "Done": {{"Type": "Succeed"}}}}}}"#
    )
}

/// A loop of a Pass and a Choice state that ends only on an input it never gets.
const ENDLESS_LOOP: &str = r#"{"StartAt": "Step", "States": {
    "Step": {"Type": "Pass", "Next": "Again"},
    "Again": {"Type": "Choice", "Choices": [{"Variable": "$.stop", "IsPresent": true, "Next": "Done"}], "Default": "Step"},
    "Done": {"Type": "Succeed"}}}"#;

#[test]
fn long_pass_choice_loop_goes_on_with_continue() {
    let mut script = Script::new(json!({"i": 0}));
    script.config.history_limit = None;
    let run = journaled(&counting_loop(15_000), script);
    assert_eq!(output(&run), &json!({"i": 15_000}));
    // 15,000 rounds of two states and the Succeed state: 30,001 states, 10,000 per call
    // (STATES_PER_CALL), so the start and three Continues.
    assert_eq!(run.entries.len(), 3);
    assert!(run.events().all(|e| *e == Event::Continue));
    // Every state's entry and exit, and the execution's start and end.
    assert_eq!(run.history().len(), 2 * 30_001 + 2);
}

#[test]
fn stop_aborts_tasks_waits_and_iterations() {
    let run = journaled(
        &asl(r#"{"StartAt": "All", "States": {
            "All": {"Type": "Parallel", "End": true, "Branches": [
                {"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": "FN:Call", "HeartbeatSeconds": 600, "End": true}}},
                {"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 86400, "End": true}}},
                {"StartAt": "Each", "States": {"Each": {"Type": "Map", "ItemsPath": "$.items", "End": true,
                    "ItemProcessor": {"StartAt": "Item", "States": {"Item": {"Type": "Task", "Resource": "FN:Item", "End": true}}}}}}]}}}"#),
        Script::new(json!({"items": [1, 2, 3]}))
            .answering(|inv| match inv.state_name.as_ref() {
                "Call" => Answer::Beating {
                    beats: vec![MINUTE, 2 * MINUTE],
                    then: Box::new(Answer::Silent),
                },
                _ => Answer::Silent,
            })
            .stop_at(
                5 * MINUTE + T0,
                Failure {
                    error: Some("Operator".into()),
                    cause: None,
                },
            ),
    );
    assert!(matches!(run.status(), ExecutionStatus::Aborted(_)));
    assert_eq!(
        failure(&run),
        &Failure {
            error: Some("Operator".into()),
            cause: None
        }
    );
    assert_eq!(ended_at(&run), T0 + 5 * MINUTE);
    assert_eq!(count(&run, "MapIterationAborted"), 3);
    // Every task was cancelled: 1 Call and 3 Items.
    let cancelled = run.steps.last().expect("steps").commands.iter();
    assert_eq!(
        cancelled
            .filter(|c| matches!(c, Command::Cancel { .. }))
            .count(),
        4
    );
}

#[test]
fn a_deleted_state_machine_fails_its_running_execution() {
    // AWS's DeleteStateMachine: "On the next state transition, the state machine's
    // executions are terminated"; they fail with States.Runtime, "State machine NAME has
    // been deleted." (AWS re:Post, "Step Functions state machine stuck in DELETING").
    let mut script = Script::new(json!({"items": [1, 2]})).deleted_at(T0 + 5 * MINUTE);
    script.config.state_machine_name = "orders".into();
    let run = journaled(
        &asl(r#"{"StartAt": "Both", "States": {
            "Both": {"Type": "Parallel", "End": true, "Branches": [
                {"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 86400, "End": true}}},
                {"StartAt": "Each", "States": {"Each": {"Type": "Map", "ItemsPath": "$.items", "End": true,
                    "ItemProcessor": {"StartAt": "Item", "States": {"Item": {"Type": "Task", "Resource": "FN:Item", "End": true}}}}}}]}}}"#),
        script.answering(|_| Answer::Silent),
    );
    assert_eq!(
        run.status(),
        &ExecutionStatus::Failed(Failure::new(
            "States.Runtime",
            "State machine orders has been deleted."
        ))
    );
    assert_eq!(ended_at(&run), T0 + 5 * MINUTE);
    assert_eq!(run.event_types().last(), Some(&"ExecutionFailed"));
    // What ran was aborted: the Wait and both iterations' tasks, called off.
    assert_eq!(count(&run, "WaitStateAborted"), 1);
    assert_eq!(count(&run, "MapIterationAborted"), 2);
    let cancelled = run.steps.last().expect("steps").commands.iter();
    assert_eq!(
        cancelled
            .filter(|c| matches!(c, Command::Cancel { .. }))
            .count(),
        2
    );
    assert_eq!(event_kinds(&run).get("state_machine_deleted"), Some(&1));
}

#[test]
fn execution_timeout_ends_a_silent_task() {
    let run = journaled(
        &asl(r#"{"TimeoutSeconds": 60, "StartAt": "Call", "States": {
            "Call": {"Type": "Task", "Resource": "FN:Call", "End": true}}}"#),
        Script::new(json!({})).answering(|_| Answer::Silent),
    );
    assert!(matches!(run.status(), ExecutionStatus::TimedOut(_)));
    assert_eq!(ended_at(&run), T0 + 60 * SECOND);
    assert_eq!(failure(&run).error.as_deref(), Some("States.Timeout"));
}

#[test]
fn execution_timeout_ends_a_loop_that_never_waits() {
    // The loop never ends by itself; each run of 10,000 states takes 400 ms on the driver's
    // clock, so the 1-second limit is due after the third.
    let mut script = Script::new(json!({"i": 0}));
    script.config.history_limit = None;
    script.continue_ms = 400;
    let run = journaled(
        &ENDLESS_LOOP.replacen('{', r#"{"TimeoutSeconds": 1, "#, 1),
        script,
    );
    assert!(matches!(run.status(), ExecutionStatus::TimedOut(_)));
    let kinds = event_kinds(&run);
    assert_eq!(kinds.get("continue"), Some(&3));
    assert_eq!(kinds.get("timer_fired"), Some(&1));
}

#[test]
fn history_quota_of_25000_events_fails_the_execution() {
    let run = journaled(ENDLESS_LOOP, Script::new(json!({})));
    // AWS's quota: the 25,000th event would not be ExecutionSucceeded, so it is
    // ExecutionFailed. The start runs 10,000 states (20,001 events); one Continue reaches it.
    assert_eq!(run.history().len(), 25_000);
    assert_eq!(run.event_types().last(), Some(&"ExecutionFailed"));
    assert_eq!(failure(&run).error.as_deref(), Some("States.Runtime"));
    assert_eq!(run.entries.len(), 1);
}

#[test]
fn history_quota_reached_while_tasks_run() {
    // A small quota, reached when the fast branch's task answers: the slow one is cancelled.
    let mut script = Script::new(json!({})).answering(|inv| match inv.state_name.as_ref() {
        "Fast" => Answer::succeed(SECOND, json!(1)),
        _ => Answer::succeed(HOUR, json!(2)),
    });
    script.config.history_limit = Some(11);
    let run = journaled(
        &asl(r#"{"StartAt": "Both", "States": {
            "Both": {"Type": "Parallel", "End": true, "Branches": [
                {"StartAt": "Fast", "States": {"Fast": {"Type": "Task", "Resource": "FN:Fast", "End": true}}},
                {"StartAt": "Slow", "States": {"Slow": {"Type": "Task", "Resource": "FN:Slow", "End": true}}}]}}}"#),
        script,
    );
    assert_eq!(run.history().len(), 11);
    assert_eq!(run.event_types().last(), Some(&"ExecutionFailed"));
    assert_eq!(ended_at(&run), T0 + SECOND);
    assert!(
        run.steps
            .last()
            .expect("steps")
            .commands
            .contains(&Command::Cancel { task: TaskId(2) })
    );
}

// ----- Redrive -----

/// A Parallel whose first branch waits for a callback and whose second runs a Map of tasks,
/// one failing on the first attempt (`$$.Execution.RedriveCount` is 0).
const REDRIVEN: &str = r#"{"StartAt": "Both", "States": {"Both": {"Type": "Parallel", "End": true, "Branches": [
    {"StartAt": "Approve", "States": {"Approve": {"Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}}, "End": true}}},
    {"StartAt": "Each", "States": {"Each": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2, "End": true,
        "ItemProcessor": {"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": "FN:Work",
            "Parameters": {"n.$": "$", "attempt.$": "$$.Execution.RedriveCount"},
            "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 2, "MaxAttempts": 1}], "End": true}}}}}}]}}}"#;

/// Answers `REDRIVEN`'s tasks: the approval an hour after its message is sent; item 3 fails
/// twice (after its retry too) on the first attempt, then works.
fn redriven_answers(inv: &workflow_core::execution::TaskInvocation) -> Answer {
    if inv.task_token.is_some() {
        return Answer::Callback {
            submitted: SECOND,
            response: json!({"MessageId": "m"}),
            token: Box::new(Answer::succeed(HOUR, json!("approved"))),
        };
    }
    match (inv.input["n"].as_u64(), inv.input["attempt"].as_u64()) {
        (Some(3), Some(0)) => Answer::fail(SECOND, "Flaky", "three"),
        (n, _) => Answer::succeed(SECOND, json!(n)),
    }
}

#[test]
fn a_redriven_execution_replays_with_its_redrive() {
    // Item 3 fails for good 1 + 2 + 1 s in; the Map fails, the branch with it, and the
    // approval, still awaited, is aborted with its branch. The redrive reruns item 3 and the
    // approval (a new token), and neither items 1, 2, 4 nor the first branch's finished work.
    let run = journaled(
        &asl(REDRIVEN),
        Script::new(json!({"items": [1, 2, 3, 4]}))
            .answering(redriven_answers)
            .redriving_at(T0 + DAY),
    );
    assert_eq!(output(&run), &json!(["approved", [1, 2, 3, 4]]));
    assert_eq!(event_kinds(&run).get("redrive"), Some(&1));
    let tokens: Vec<&String> = run
        .invocations()
        .into_iter()
        .filter_map(|inv| inv.task_token.as_ref())
        .collect();
    assert_eq!(tokens.len(), 2);
    assert_ne!(tokens[0], tokens[1]);
    // Approve was entered twice (its branch was aborted, then rerun); items 1 to 4 once
    // each in the first attempt (a retry does not enter the state again), and item 3 once
    // more on the redrive.
    assert_eq!(count(&run, "TaskStateEntered"), 2 + 4 + 1);
}

#[test]
fn a_journal_redriven_with_a_patched_definition_replays_with_that_revision() {
    // Item 3 fails whenever `Work` handles it; the patch (revision 7) sends the items to
    // `Work2`, which handles every item: only with the patch does the redrive succeed, and
    // the replay needs revision 7's plan.
    let patched = plan(&asl(&REDRIVEN.replace("FN:Work", "FN:Work2")));
    let run = journaled(
        &asl(REDRIVEN),
        Script::new(json!({"items": [1, 2, 3, 4]}))
            .answering(|inv| match (inv.input["n"].as_u64(), &*inv.resource) {
                (Some(3), resource) if resource.ends_with(":Work") => {
                    Answer::fail(SECOND, "Flaky", "three")
                }
                _ => redriven_answers(inv),
            })
            .redriving_with(T0 + DAY, 7, patched),
    );
    assert_eq!(output(&run), &json!(["approved", [1, 2, 3, 4]]));
    let k = run
        .entries
        .iter()
        .position(|e| e.event == Event::Redrive { revision: Some(7) })
        .expect("the redrive is journaled with its revision");
    let error = replay(
        run.plan.clone(),
        &run.start,
        &run.entries,
        &mut SplitMix64(run.seed),
    )
    .expect_err("the revision's plan is needed");
    assert_eq!(
        error,
        ReplayError::UnknownRevision {
            entry: k,
            revision: 7
        }
    );
}

// ----- Journals that do not fit -----

const TWO_CALLS: &str = r#"{"StartAt": "First", "States": {
    "First": {"Type": "Task", "Resource": "FN:First", "Next": "Label"},
    "Label": {"Type": "Pass", "Result": "v1", "ResultPath": "$.label", "Next": "Second"},
    "Second": {"Type": "Task", "Resource": "FN:Second", "End": true}}}"#;

#[test]
fn a_changed_definition_is_refused_at_the_entry_that_runs_the_change() {
    let run = journaled(&asl(TWO_CALLS), Script::new(json!({})));
    assert_eq!(run.entries.len(), 2);
    let changed = plan(&asl(&TWO_CALLS.replace("\"v1\"", "\"v2\"")));
    // The start runs up to First's call, the same in both; Label runs when First's result,
    // entry 0, is handled.
    let error = replay(
        changed.clone(),
        &run.start,
        &run.entries,
        &mut SplitMix64(run.seed),
    )
    .expect_err("the change shows");
    let ReplayError::Diverged {
        entry,
        recorded,
        replayed,
    } = &error
    else {
        panic!("{error}")
    };
    assert_eq!(*entry, Some(0));
    assert_eq!(*recorded, run.entries[0].check);
    // The same number of events, with another Result in one of them.
    assert_eq!(replayed.events, recorded.events);
    assert_ne!(replayed.digest, recorded.digest);
    assert!(error.to_string().contains("journal entry 0"), "{error}");
    // A journal that stops before the change still replays.
    assert!(
        replay(
            changed,
            &run.start,
            &run.entries[..0],
            &mut SplitMix64(run.seed)
        )
        .is_ok()
    );
}

#[test]
fn a_change_before_the_first_wait_is_refused_at_the_start() {
    let definition = asl(r#"{"StartAt": "Label", "States": {
        "Label": {"Type": "Pass", "Result": "v1", "ResultPath": "$.label", "Next": "Call"},
        "Call": {"Type": "Task", "Resource": "FN:Call", "End": true}}}"#);
    let run = journaled(&definition, Script::new(json!({})));
    let changed = plan(&definition.replace("\"v1\"", "\"v2\""));
    let error = replay(changed, &run.start, &run.entries, &mut SplitMix64(run.seed))
        .expect_err("the change shows");
    assert!(
        matches!(error, ReplayError::Diverged { entry: None, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("after the start"), "{error}");
}

#[test]
fn a_start_record_that_cannot_start_is_refused() {
    let plan = plan(&asl(TWO_CALLS));
    let config = ExecutionConfig::default();
    let big = json!({"blob": "x".repeat(PAYLOAD_LIMIT_BYTES)});
    let start = Start::new(config.clone(), big, 1, T0, HistoryCheck::default());
    let error = replay(plan.clone(), &start, &[], &mut SplitMix64(1)).expect_err("too large");
    assert!(
        matches!(
            error,
            ReplayError::Start(StartError::InputTooLarge { size }) if size > PAYLOAD_LIMIT_BYTES
        ),
        "{error}"
    );
    let mut deep = json!(1);
    for _ in 0..200 {
        deep = json!([deep]);
    }
    let start = Start::new(config, deep, 1, T0, HistoryCheck::default());
    assert_eq!(
        replay(plan, &start, &[], &mut SplitMix64(1)).expect_err("too deep"),
        ReplayError::Start(StartError::InputTooDeep)
    );
}

// ----- The journal as a store writes it -----

/// Values a store must keep exactly: floats at the ends of their range and with long
/// fractions, integers past `i64`, unicode past the BMP, escapes, empty containers, keys in
/// an order that is not sorted.
fn odd_values() -> Value {
    json!({
        "z": 0.1, "a": 1e-310, "m": [1.7976931348623157e308, -0.0, 2.2250738585072014e-308, 123_456_789.123_456_79],
        "u64": u64::MAX, "i64": i64::MIN,
        "text": "naïve ☃ 𝄞 \u{0}\u{1f} \"quoted\" \\ /",
        "empty": [{}, [], ""],
        "null": null
    })
}

#[test]
fn every_event_kind_round_trips_through_json() {
    let events = [
        Event::TaskSucceeded {
            task: TaskId(1),
            output: odd_values(),
        },
        Event::TaskFailed {
            task: TaskId(2),
            failure: Failure::default(),
        },
        Event::TaskFailed {
            task: TaskId(3),
            failure: Failure {
                error: Some("Ünïcode.Error".into()),
                cause: None,
            },
        },
        Event::TaskFailed {
            task: TaskId(u64::MAX),
            failure: Failure {
                error: None,
                cause: Some("a cause without an error\n".into()),
            },
        },
        Event::TaskSubmitted {
            task: TaskId(4),
            output: json!([odd_values(), 5e-324]),
        },
        Event::TaskHeartbeat { task: TaskId(5) },
        Event::TimerFired {
            timer: TimerId(u64::MAX),
        },
        Event::Stop {
            failure: Failure::default(),
        },
        Event::Stop {
            failure: Failure::new("Operator", "🛑"),
        },
        Event::Continue,
        Event::StateMachineDeleted,
        Event::Redrive { revision: None },
        Event::Redrive {
            revision: Some(u64::MAX),
        },
    ];
    let entries: Vec<Entry> = events
        .into_iter()
        .enumerate()
        .map(|(i, event)| Entry {
            event,
            at: i64::MIN + i as i64,
            check: HistoryCheck {
                events: u64::MAX,
                digest: i as u64,
            },
        })
        .collect();
    let start = Start::new(
        ExecutionConfig {
            execution_name: None,
            role_arn: Some("arn:aws:iam::123456789012:role/ʀole".into()),
            history_limit: None,
            ..ExecutionConfig::default()
        },
        odd_values(),
        u64::MAX,
        i64::MAX,
        HistoryCheck::default(),
    );
    let (start_back, entries_back) = through_json(&start, &entries);
    assert_eq!(start_back, start);
    assert_eq!(entries_back, entries);
    // Bit for bit: -0.0 stays negative, the subnormal stays itself.
    let Event::TaskSucceeded { output, .. } = &entries_back[0].event else {
        unreachable!()
    };
    assert!(output["m"][1].as_f64().expect("a float").is_sign_negative());
    assert_eq!(output["a"].as_f64(), Some(1e-310));
    let keys: Vec<&String> = output.as_object().expect("an object").keys().collect();
    assert_eq!(&keys[..3], &["z", "a", "m"]);
}

#[test]
fn odd_values_in_a_run_replay_from_json() {
    // The driver's checks read every journal back from JSON; here with odd values in the
    // input, a task's result, a callback's response and a failure without error or cause.
    let run = journaled(
        r#"{"StartAt": "Call", "States": {
            "Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                     "Parameters": {"FunctionName": "Ask", "Payload": {"token.$": "$$.Task.Token", "in.$": "$"}},
                     "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 1}],
                     "End": true}}}"#,
        Script::new(odd_values()).answering(|inv| {
            let token = if inv.retry_count == 0 {
                Answer::Fail {
                    after: DAY,
                    failure: Failure::default(),
                }
            } else {
                Answer::succeed(DAY, odd_values())
            };
            Answer::Callback {
                submitted: 10,
                response: json!({"StatusCode": 202, "odd": odd_values()}),
                token: Box::new(token),
            }
        }),
    );
    assert_eq!(output(&run), &odd_values());
    let kinds = event_kinds(&run);
    assert_eq!(kinds.get("task_failed"), Some(&1));
    assert_eq!(kinds.get("task_submitted"), Some(&2));
}

/// A value nested `depth` levels deep (arrays around a number), built without recursion.
fn nested(depth: usize) -> Value {
    let mut value = json!(1);
    for _ in 0..depth {
        value = Value::Array(vec![value]);
    }
    value
}

#[test]
fn values_nested_to_the_limit_replay_from_json() {
    // MAX_JSON_DEPTH (127) levels is the most an execution's input, a task's result or a
    // callback's response may nest: the step logic keeps them, so the journal must too, and
    // read them back although its own records nest them a few levels deeper.
    let deep = nested(workflow_core::nesting::MAX_JSON_DEPTH);
    let answer = deep.clone();
    let run = journaled(
        r#"{"StartAt": "Call", "States": {
            "Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                     "Parameters": {"FunctionName": "Ask", "Payload.$": "$$.Task.Token"}, "Next": "Echo"},
            "Echo": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Echo", "End": true}}}"#,
        Script::new(deep.clone()).answering(move |inv| {
            if inv.state_name.as_ref() == "Call" {
                Answer::Callback {
                    submitted: 10,
                    response: answer.clone(),
                    token: Box::new(Answer::succeed(MINUTE, answer.clone())),
                }
            } else {
                Answer::succeed(SECOND, inv.input.clone())
            }
        }),
    );
    assert_eq!(output(&run), &deep);
    assert_eq!(event_kinds(&run).get("task_submitted"), Some(&1));
}

#[test]
fn a_result_nested_too_deep_replays_from_json() {
    // A result or a response nested deeper than MAX_JSON_DEPTH is kept by nothing: the
    // callback's response is left out of TaskSubmitted, and the result fails the task with
    // States.DataLimitExceeded. The journal still records both events, and reads them back
    // as values that the step logic handles the same way.
    let too_deep = nested(1_000);
    let answer = too_deep.clone();
    let run = journaled(
        r#"{"StartAt": "Call", "States": {
            "Call": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                     "Parameters": {"FunctionName": "Ask", "Payload.$": "$$.Task.Token"},
                     "Catch": [{"ErrorEquals": ["States.DataLimitExceeded"], "Next": "Caught"}], "End": true},
            "Caught": {"Type": "Pass", "End": true}}}"#,
        Script::new(json!({})).answering(move |_| Answer::Callback {
            submitted: 10,
            response: answer.clone(),
            token: Box::new(Answer::succeed(MINUTE, answer.clone())),
        }),
    );
    assert_eq!(
        output(&run)["Error"],
        json!("States.DataLimitExceeded"),
        "{:?}",
        run.status()
    );
    workflow_core::nesting::drop_deep(too_deep);
}
