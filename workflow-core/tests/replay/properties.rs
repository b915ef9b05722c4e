//! Property test: on definitions with Retry, Catch, Parallel, Map, callbacks and timeouts,
//! any way the world answers (tasks succeeding, failing, silent, beating, handed over; a
//! stop at any time; any seed), the journal passes every check of `checks::check_run`: in
//! particular a replay of any prefix is the run as it stood after that prefix.
//!
//! The same with redrives: an execution that failed, timed out or was stopped is redriven
//! (up to twice) and its journal, redrives included, passes every check too.
//!
//! `PROPTEST_CASES=1000 cargo test -p workflow-core --test replay properties` explores
//! further.

use proptest::prelude::*;
use serde_json::json;
use workflow_core::execution::{Failure, TaskInvocation};

use crate::checks::{check_run, run_twice};
use crate::driver::{Answer, SECOND, Script, T0, plan};

/// One scripted way to answer a task.
#[derive(Clone, Debug)]
enum Reply {
    Succeed,
    /// Fails with the error of this index in `ERRORS`.
    Fail(usize),
    Silent,
    /// Sends this many heartbeats, then succeeds.
    Beat(usize),
}

const ERRORS: [&str; 3] = ["Boom", "Other", "States.TaskFailed"];

/// A reply, after how long, and for a callback task whether its integration call returns
/// (hands the task over) first.
#[derive(Clone, Debug)]
struct Scripted {
    reply: Reply,
    after: i64,
    handed_over: bool,
}

fn scripted() -> impl Strategy<Value = Scripted> {
    let reply = prop_oneof![
        3 => Just(Reply::Succeed),
        2 => (0..ERRORS.len()).prop_map(Reply::Fail),
        1 => Just(Reply::Silent),
        1 => (1usize..4).prop_map(Reply::Beat),
    ];
    (reply, 0i64..6_000, any::<bool>()).prop_map(|(reply, after, handed_over)| Scripted {
        reply,
        after,
        handed_over,
    })
}

fn answer(scripted: &Scripted, inv: &TaskInvocation) -> Answer {
    let after = scripted.after;
    let answer = match &scripted.reply {
        Reply::Succeed => Answer::succeed(
            after,
            json!({"task": inv.task.0, "attempt": inv.retry_count}),
        ),
        Reply::Fail(e) => Answer::fail(after, ERRORS[*e], "scripted"),
        Reply::Silent => Answer::Silent,
        Reply::Beat(n) => Answer::Beating {
            beats: (1..=*n as i64)
                .map(|i| i * after / (*n as i64 + 1))
                .collect(),
            then: Box::new(Answer::succeed(after, json!({"beats": n}))),
        },
    };
    if inv.task_token.is_some() && scripted.handed_over {
        Answer::Callback {
            submitted: after / 3,
            response: json!({"MessageId": inv.task.0}),
            token: Box::new(answer),
        }
    } else {
        answer
    }
}

/// A script whose `n`th task (from 1) is answered by `replies[(n - 1) % len]`.
fn script(
    input: serde_json::Value,
    replies: Vec<Scripted>,
    stop: Option<i64>,
    (seed, late_events): (u64, bool),
) -> Script {
    let mut script = Script::new(input).answering(move |inv| {
        let n = usize::try_from(inv.task.0 - 1).unwrap_or_default();
        answer(&replies[n % replies.len()], inv)
    });
    script.seed = seed;
    script.late_events = late_events;
    script.max_calls = 10_000;
    if let Some(at) = stop {
        script = script.stop_at(T0 + at, Failure::new("Stopped", "by the property test"));
    }
    script
}

const RETRY_CATCH: &str = r#"{"StartAt": "Call", "States": {
    "Call": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Call",
             "TimeoutSeconds": 5, "HeartbeatSeconds": 2,
             "Retry": [{"ErrorEquals": ["Boom"], "IntervalSeconds": 1, "BackoffRate": 2, "MaxAttempts": 3, "JitterStrategy": "FULL"},
                       {"ErrorEquals": ["States.Timeout", "States.HeartbeatTimeout"], "MaxAttempts": 1}],
             "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Handle"}],
             "Next": "Nap"},
    "Nap": {"Type": "Wait", "Seconds": 3, "Next": "Done"},
    "Handle": {"Type": "Pass", "Next": "Done"},
    "Done": {"Type": "Succeed"}}}"#;

const PARALLEL_MAP_CALLBACK: &str = r#"{"StartAt": "Both", "States": {
    "Both": {"Type": "Parallel", "Branches": [
        {"StartAt": "Items", "States": {"Items": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2,
            "ToleratedFailurePercentage": 50,
            "ItemProcessor": {"StartAt": "Work", "States": {"Work": {"Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Work", "TimeoutSeconds": 4,
                "Retry": [{"ErrorEquals": ["Boom", "States.Timeout"], "IntervalSeconds": 1, "MaxAttempts": 2, "JitterStrategy": "FULL"}],
                "End": true}}},
            "End": true}}},
        {"StartAt": "Ask", "States": {"Ask": {"Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/q", "MessageBody.$": "$$.Task.Token"},
            "HeartbeatSeconds": 3, "TimeoutSeconds": 10, "End": true}}}],
     "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 2, "MaxAttempts": 1}],
     "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Recover"}],
     "End": true},
    "Recover": {"Type": "Wait", "Seconds": 1, "End": true}}}"#;

const MAP_OF_PARALLELS: &str = r#"{"TimeoutSeconds": 30, "StartAt": "Loop", "States": {
    "Loop": {"Type": "Map", "ItemsPath": "$.items", "ToleratedFailureCount": 1,
        "ItemProcessor": {"StartAt": "Pair", "States": {
            "Pair": {"Type": "Parallel", "Branches": [
                {"StartAt": "A", "States": {"A": {"Type": "Task",
                    "Resource": "arn:aws:lambda:us-east-1:123456789012:function:A",
                    "HeartbeatSeconds": 2, "TimeoutSeconds": 8, "End": true}}},
                {"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "SecondsPath": "$.nap", "End": true}}}],
             "Catch": [{"ErrorEquals": ["Boom"], "Next": "Fallback"}], "End": true},
            "Fallback": {"Type": "Pass", "Result": "fallback", "End": true}}},
        "Next": "Count"},
    "Count": {"Type": "Pass", "Parameters": {"n.$": "States.ArrayLength($)", "id.$": "States.UUID()"}, "End": true}}}"#;

/// A Parallel of a Map of retried tasks (tolerating some failures) and a callback, with no
/// Catch and a time limit: it fails, times out or is stopped often, to be redriven.
const REDRIVABLE: &str = r#"{"TimeoutSeconds": 40, "StartAt": "Both", "States": {
    "Both": {"Type": "Parallel", "End": true, "Branches": [
        {"StartAt": "Items", "States": {"Items": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 2,
            "ToleratedFailureCount": 1,
            "ItemProcessor": {"StartAt": "Work", "States": {"Work": {"Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:Work", "TimeoutSeconds": 4,
                "Retry": [{"ErrorEquals": ["Boom"], "IntervalSeconds": 1, "MaxAttempts": 1}],
                "Next": "Rest"},
                "Rest": {"Type": "Wait", "Seconds": 1, "End": true}}},
            "End": true}}},
        {"StartAt": "Ask", "States": {"Ask": {"Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {"QueueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/q", "MessageBody.$": "$$.Task.Token"},
            "HeartbeatSeconds": 3, "TimeoutSeconds": 10, "End": true}}}]}}}"#;

/// Any JSON scalar a handler may return: every finite float (subnormals, -0.0, the ends of
/// the range), integers of both signs past `i64`, any string.
fn scalar() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        any::<f64>()
            .prop_filter("JSON has no NaN or infinity", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
        any::<u64>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<String>().prop_map(serde_json::Value::from),
        any::<bool>().prop_map(serde_json::Value::from),
    ]
}

fn document() -> impl Strategy<Value = serde_json::Value> {
    scalar().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::vec((any::<String>(), inner), 0..4)
                .prop_map(|members| { serde_json::Value::Object(members.into_iter().collect()) }),
        ]
    })
}

fn check(definition: &str, script: &Script) {
    let plan = plan(definition);
    let run = run_twice(&plan, script);
    check_run(&run);
}

/// 64 cases per property, or `PROPTEST_CASES` (which `ProptestConfig::with_cases` would
/// override).
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(64)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn any_value_reads_back_from_the_journal_bit_for_bit(
        input in document(),
        result in document(),
        error in prop::option::of(any::<String>()),
        cause in prop::option::of(any::<String>()),
    ) {
        use workflow_core::execution::{Event, TaskId};
        use workflow_core::journal::{Entry, HistoryCheck, Start};

        let start = Start::new(Script::new(json!({})).config, input, 1, T0, HistoryCheck::default());
        let entries: Vec<Entry> = [
            Event::TaskSucceeded { task: TaskId(1), output: result.clone() },
            Event::TaskSubmitted { task: TaskId(2), output: result },
            Event::TaskFailed { task: TaskId(3), failure: Failure { error, cause } },
        ]
        .into_iter()
        .map(|event| Entry { event, at: T0, check: HistoryCheck::default() })
        .collect();
        let (start_back, entries_back) = crate::checks::through_json(&start, &entries);
        // serde_json compares floats by value; their texts tell -0.0 from 0.0.
        prop_assert_eq!(&start_back, &start);
        prop_assert_eq!(&entries_back, &entries);
        prop_assert_eq!(
            serde_json::to_string(&(start_back, entries_back)).unwrap(),
            serde_json::to_string(&(start, entries)).unwrap()
        );
    }

    #[test]
    fn retry_and_catch_replay_from_any_prefix(
        replies in prop::collection::vec(scripted(), 1..6),
        stop in prop::option::weighted(0.25, 0i64..20 * SECOND),
        seed in (any::<u64>(), any::<bool>()),
    ) {
        check(RETRY_CATCH, &script(json!({"id": 1}), replies, stop, seed));
    }

    #[test]
    fn parallel_map_and_callback_replay_from_any_prefix(
        replies in prop::collection::vec(scripted(), 1..8),
        stop in prop::option::weighted(0.25, 0i64..20 * SECOND),
        seed in (any::<u64>(), any::<bool>()),
        items in 0usize..5,
    ) {
        let input = json!({"items": (0..items).collect::<Vec<_>>()});
        check(PARALLEL_MAP_CALLBACK, &script(input, replies, stop, seed));
    }

    #[test]
    fn redriven_executions_replay_from_any_prefix(
        replies in prop::collection::vec(scripted(), 1..8),
        stop in prop::option::weighted(0.25, 0i64..20 * SECOND),
        seed in (any::<u64>(), any::<bool>()),
        items in 0usize..5,
        redrives in prop::collection::vec(0i64..60 * SECOND, 0..3),
    ) {
        let input = json!({"items": (0..items).collect::<Vec<_>>()});
        let mut script = script(input, replies, stop, seed);
        for at in redrives {
            script = script.redriving_at(T0 + at);
        }
        check(REDRIVABLE, &script);
    }

    #[test]
    fn map_of_parallels_replay_from_any_prefix(
        replies in prop::collection::vec(scripted(), 1..8),
        stop in prop::option::weighted(0.25, 0i64..40 * SECOND),
        seed in (any::<u64>(), any::<bool>()),
        naps in prop::collection::vec(0u64..5, 0..4),
    ) {
        let items: Vec<_> = naps.iter().map(|nap| json!({"nap": nap})).collect();
        check(MAP_OF_PARALLELS, &script(json!({"items": items}), replies, stop, seed));
    }
}
