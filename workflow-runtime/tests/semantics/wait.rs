//! Wait: Seconds, Timestamp, SecondsPath, TimestampPath, long waits.

use std::time::Duration;

use serde_json::{Value, json};
use workflow_runtime::{EventType, HistoryEvent, Runtime};

use crate::common::*;

fn waiting(wait: Value) -> Value {
    let mut state = json!({"Type": "Wait", "End": true});
    for (k, v) in wait.as_object().unwrap() {
        state[k] = v.clone();
    }
    json!({"StartAt": "W", "States": {"W": state}})
}

/// How long the Wait state waited.
fn waited(history: &[HistoryEvent]) -> i64 {
    between(
        history,
        EventType::WaitStateEntered,
        EventType::WaitStateExited,
    )
}

/// An RFC 3339 timestamp `offset_ms` from the runtime's current time, on a whole second.
fn timestamp_from_now(rt: &Runtime, offset_ms: i64) -> (String, i64) {
    let at = (rt.clock().now_millis() + offset_ms).div_euclid(1000) * 1000;
    let t = chrono::DateTime::from_timestamp_millis(at).unwrap();
    (t.format("%Y-%m-%dT%H:%M:%SZ").to_string(), at)
}

#[tokio::test(start_paused = true)]
async fn seconds() {
    let rt = runtime();
    let wf = load(&rt, waiting(json!({"Seconds": 10})));
    let (status, history) = run(&rt, &wf, json!({"in": 1})).await;
    // The output is the input.
    assert_eq!(output(&status), &json!({"in": 1}));
    assert_eq!(waited(&history), 10_000);
    assert_eq!(
        types(&history),
        [
            "ExecutionStarted",
            "WaitStateEntered",
            "WaitStateExited",
            "ExecutionSucceeded"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn zero_seconds_does_not_wait() {
    let rt = runtime();
    let wf = load(&rt, waiting(json!({"Seconds": 0})));
    let (_, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(waited(&history), 0);
}

#[tokio::test(start_paused = true)]
async fn timestamp_in_the_future_waits_until_then() {
    let rt = runtime();
    let (ts, at) = timestamp_from_now(&rt, 3_600_000);
    let wf = load(&rt, waiting(json!({"Timestamp": ts})));
    let (status, history) = run(&rt, &wf, json!("x")).await;
    assert_eq!(output(&status), &json!("x"));
    assert_eq!(times_of(&history, EventType::WaitStateExited)[0], at);
}

#[tokio::test(start_paused = true)]
async fn timestamp_in_the_past_does_not_wait() {
    let rt = runtime();
    let wf = load(&rt, waiting(json!({"Timestamp": "2016-03-14T01:59:00Z"})));
    let (status, history) = run(&rt, &wf, json!("x")).await;
    assert_eq!(output(&status), &json!("x"));
    assert_eq!(waited(&history), 0);
}

#[tokio::test(start_paused = true)]
async fn timestamp_fractions_are_ignored() {
    // AWS waits to the second: "...T..:..:..9Z" and "...T..:..:..9.999999999Z" end together.
    let rt = runtime();
    let (ts, at) = timestamp_from_now(&rt, 60_000);
    let with_fraction = ts.replace('Z', ".999999999Z");
    let wf = load(&rt, waiting(json!({"Timestamp": with_fraction})));
    let (_, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(times_of(&history, EventType::WaitStateExited)[0], at);
}

#[tokio::test(start_paused = true)]
async fn seconds_path() {
    let rt = runtime();
    let wf = load(&rt, waiting(json!({"SecondsPath": "$.delay.s"})));
    let (status, history) = run(&rt, &wf, json!({"delay": {"s": 42}})).await;
    assert_eq!(output(&status), &json!({"delay": {"s": 42}}));
    assert_eq!(waited(&history), 42_000);
}

#[tokio::test(start_paused = true)]
async fn seconds_path_reads_the_effective_input() {
    // InputPath applies first; OutputPath shapes the output.
    let rt = runtime();
    let wf = load(
        &rt,
        waiting(json!({"InputPath": "$.cfg", "SecondsPath": "$.s", "OutputPath": "$.keep"})),
    );
    let (status, history) = run(&rt, &wf, json!({"cfg": {"s": 5, "keep": "k"}})).await;
    assert_eq!(output(&status), &json!("k"));
    assert_eq!(waited(&history), 5_000);
}

#[tokio::test(start_paused = true)]
async fn timestamp_path() {
    let rt = runtime();
    let (ts, at) = timestamp_from_now(&rt, 86_400_000);
    let wf = load(&rt, waiting(json!({"TimestampPath": "$.when"})));
    let (_, history) = run(&rt, &wf, json!({"when": ts})).await;
    assert_eq!(times_of(&history, EventType::WaitStateExited)[0], at);
}

#[tokio::test(start_paused = true)]
async fn invalid_seconds_path_and_timestamp_path_are_runtime_errors() {
    // The corpus (wait/base_wait_seconds_path_minus1_5, wait_timestamp_path_*).
    let rt = runtime();
    let wf = load(&rt, waiting(json!({"SecondsPath": "$.input.waitSeconds"})));
    let (status, history) = run(&rt, &wf, json!({"input": {"waitSeconds": -1.5}})).await;
    assert_eq!(
        failed(&status),
        (
            Some("States.Runtime"),
            Some(
                "An error occurred while executing the state 'W' (entered at the event id #2). \
                 The SecondsPath parameter cannot be parsed as a long value: $.input.waitSeconds == -1.5"
            )
        )
    );
    assert_eq!(
        types(&history),
        ["ExecutionStarted", "WaitStateEntered", "ExecutionFailed"]
    );
    let wf = load(&rt, waiting(json!({"TimestampPath": "$.TimestampValue"})));
    let (status, _) = run(&rt, &wf, json!({"TimestampValue": "2016-12-05 21:29:29Z"})).await;
    assert_eq!(
        failed(&status).1,
        Some(
            "An error occurred while executing the state 'W' (entered at the event id #2). \
             The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: $.TimestampValue == 2016-12-05 21:29:29Z"
        )
    );
}

#[tokio::test(start_paused = true)]
async fn a_timestamp_path_value_that_is_not_a_string_is_shown_as_the_path_fields_show_it() {
    // The recorded refusals (wait/wait_timestamp_path_*) all hold strings, shown bare. A value
    // of another type is shown as the numeric ...Path fields' recorded refusals show theirs
    // (workflow-core's execution::path_numbers): a number with a fraction or an exponent as
    // Java's Double.toString (Jackson reads it as a double), anything else as JSON.
    let rt = runtime();
    let wf = load(&rt, waiting(json!({"TimestampPath": "$.t"})));
    for (value, shown) in [
        (json!(1_480_973_369), "1480973369"),
        (json!(-1), "-1"),
        (json!(1.5), "1.5"),
        // Double.toString writes a whole double with ".0", and from 10^7 up with an exponent.
        (json!(5.0), "5.0"),
        (json!(1e21), "1.0E21"),
        (json!(true), "true"),
        (json!(null), "null"),
        (json!({"a": 1}), r#"{"a":1}"#),
        (
            json!(["2016-03-14T01:59:00Z"]),
            r#"["2016-03-14T01:59:00Z"]"#,
        ),
        (json!(""), ""),
    ] {
        let (status, _) = run(&rt, &wf, json!({"t": value})).await;
        let expected = format!(
            "An error occurred while executing the state 'W' (entered at the event id #2). \
             The TimestampPath parameter does not reference a valid ISO-8601 extended offset date-time format string: $.t == {shown}"
        );
        assert_eq!(
            failed(&status),
            (Some("States.Runtime"), Some(expected.as_str())),
            "{value}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_one_year_wait_finishes_instantly() {
    let rt = runtime();
    let year = 365 * 24 * 3600;
    let wf = load(&rt, waiting(json!({"Seconds": year})));
    let wall = std::time::Instant::now();
    let (status, history) = run(&rt, &wf, json!("a year later")).await;
    assert!(
        wall.elapsed() < Duration::from_secs(5),
        "{:?}",
        wall.elapsed()
    );
    assert_eq!(output(&status), &json!("a year later"));
    assert_eq!(waited(&history), year * 1000);
    let start = chrono::DateTime::from_timestamp_millis(history[0].timestamp).unwrap();
    let end = chrono::DateTime::from_timestamp_millis(history.last().unwrap().timestamp).unwrap();
    assert_eq!((end - start).num_days(), 365);
}

#[tokio::test(start_paused = true)]
async fn consecutive_waits_add_up() {
    let rt = runtime();
    let wf = load(
        &rt,
        json!({
            "StartAt": "A",
            "States": {
                "A": {"Type": "Wait", "Seconds": 5, "Next": "B"},
                "B": {"Type": "Wait", "SecondsPath": "$.more", "Next": "C"},
                "C": {"Type": "Pass", "Parameters": {"entered.$": "$$.State.EnteredTime", "start.$": "$$.Execution.StartTime"}, "End": true}
            }
        }),
    );
    let (status, history) = run(&rt, &wf, json!({"more": 7})).await;
    assert_eq!(span(&history), 12_000);
    // The context object's times agree with the history.
    let out = output(&status);
    let entered = chrono::DateTime::parse_from_rfc3339(out["entered"].as_str().unwrap()).unwrap();
    let start = chrono::DateTime::parse_from_rfc3339(out["start"].as_str().unwrap()).unwrap();
    assert_eq!((entered - start).num_milliseconds(), 12_000);
}

#[tokio::test(start_paused = true)]
async fn a_wait_longer_than_a_year_times_the_execution_out() {
    // Seconds allows up to 99999999 (over three years), but a STANDARD execution runs at
    // most a year: "If an execution runs for more than the 1-year maximum, it will fail with
    // a States.Timeout error" (the Developer Guide's quotas).
    let rt = runtime();
    let wf = load(&rt, waiting(json!({"Seconds": 99_999_999})));
    let wall = std::time::Instant::now();
    let (status, history) = run(&rt, &wf, json!(1)).await;
    assert!(wall.elapsed() < Duration::from_secs(5));
    assert_eq!(status.as_str(), "TIMED_OUT");
    assert_eq!(
        status.failure().unwrap().error.as_deref(),
        Some("States.Timeout")
    );
    assert_eq!(
        types(&history),
        [
            "ExecutionStarted",
            "WaitStateEntered",
            "WaitStateAborted",
            "ExecutionTimedOut"
        ]
    );
    // It has run for more than a year: 365 days and a millisecond.
    assert_eq!(span(&history), 365 * 24 * 3600 * 1000 + 1);
}

#[tokio::test(start_paused = true)]
async fn timestamps_with_an_offset() {
    let rt = runtime();
    let (ts, at) = timestamp_from_now(&rt, 7_200_000);
    // The same instant written two hours ahead, at UTC+02:00.
    let t = chrono::DateTime::from_timestamp_millis(at).unwrap() + chrono::TimeDelta::hours(2);
    let with_offset = format!("{}+02:00", t.format("%Y-%m-%dT%H:%M:%S"));
    // Both spellings name the same instant, `at`.
    for spelled in [&ts, &with_offset] {
        let parsed = chrono::DateTime::parse_from_rfc3339(spelled).unwrap();
        assert_eq!(parsed.timestamp_millis(), at, "{spelled}");
    }
    let wf = load(&rt, waiting(json!({"TimestampPath": "$.t"})));
    let (_, history) = run(&rt, &wf, json!({"t": with_offset})).await;
    assert_eq!(times_of(&history, EventType::WaitStateExited)[0], at);
}
