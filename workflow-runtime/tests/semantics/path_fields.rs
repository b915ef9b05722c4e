//! The numeric `...Path` fields through the runtime: `SecondsPath`, `TimeoutSecondsPath`,
//! `HeartbeatSecondsPath`, `MaxConcurrencyPath`, `ToleratedFailureCountPath` and
//! `ToleratedFailurePercentagePath`, reading the state input, a variable or the context
//! object, and the `States.Runtime` error for each value a field refuses.
//!
//! The sentences come from the AWS-recorded corpus (`wait/base_wait_seconds_path_minus1_5`,
//! `io_processing/max_concurrency_path_nonumber`,
//! `error_handling/map_state_tolerated_failure_{count,percentage}_path_*`) and the pattern
//! workflow-core's `execution::path_numbers` derives from it for the cases the corpus lacks.

use serde_json::{Value, json};
use workflow_runtime::{EventType, Runtime, TaskContext, TaskError, Workflow};

use crate::common::*;

/// The cause of a `States.Runtime` error in the state `state`, entered at event `event`.
fn cause(state: &str, event: u64, detail: &str) -> String {
    format!(
        "An error occurred while executing the state '{state}' (entered at the event id #{event}). {detail}"
    )
}

/// Runs `wf` on `input` and checks that the state "S" (entered at event #4) fails at once
/// with `States.Runtime` and the cause `detail`, its last events `tail`.
async fn refused(rt: &Runtime, wf: &Workflow, input: Value, detail: &str, tail: &[&str]) {
    let (status, history) = run(rt, wf, input.clone()).await;
    let expected = cause("S", 4, detail);
    assert_eq!(
        failed(&status),
        (Some("States.Runtime"), Some(expected.as_str())),
        "{input}"
    );
    assert_eq!(types(&history)[3..], *tail, "{input}");
}

/// A machine that sets the variable `n` to `$.n`, then runs `state` as "S". Its paths can
/// read the value as `$.n` (the input), `$n` (the variable) or `$$.Execution.Input.n` (the
/// context object).
fn after_assign(state: Value) -> Value {
    let mut state = state;
    state["End"] = json!(true);
    json!({
        "StartAt": "Set",
        "States": {
            "Set": {"Type": "Pass", "Assign": {"n.$": "$.n"}, "Next": "S"},
            "S": state
        }
    })
}

/// The three ways a path can reach the value `n`.
const SOURCES: [&str; 3] = ["$.n", "$n", "$$.Execution.Input.n"];

#[tokio::test(start_paused = true)]
async fn seconds_path_from_the_input_a_variable_or_the_context() {
    for path in SOURCES {
        let rt = runtime();
        let wf = load(
            &rt,
            after_assign(json!({"Type": "Wait", "SecondsPath": path})),
        );
        let (status, history) = run(&rt, &wf, json!({"n": 3})).await;
        assert_eq!(output(&status), &json!({"n": 3}), "{path}");
        assert_eq!(
            between(
                &history,
                EventType::WaitStateEntered,
                EventType::WaitStateExited
            ),
            3_000,
            "{path}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn seconds_path_refusals() {
    // A non-negative Java long, and nothing else: the field's one sentence for each refusal.
    let rt = runtime();
    let wf = load(
        &rt,
        after_assign(json!({"Type": "Wait", "SecondsPath": "$n"})),
    );
    for (n, shown) in [
        (json!(-1), "-1"),
        (json!(5.0), "5.0"),
        (json!(1.5), "1.5"),
        (json!("5"), "5"),
        (json!(null), "null"),
        (json!(true), "true"),
        (json!({"s": 1}), "{\"s\":1}"),
        (json!(9_223_372_036_854_775_808u64), "9223372036854775808"),
    ] {
        refused(
            &rt,
            &wf,
            json!({"n": n}),
            &format!("The SecondsPath parameter cannot be parsed as a long value: $n == {shown}"),
            &["WaitStateEntered", "ExecutionFailed"],
        )
        .await;
    }
}

#[tokio::test(start_paused = true)]
async fn a_seconds_path_beyond_the_execution_limit_times_the_execution_out() {
    // AWS documents no upper bound for a value read from a path; a STANDARD execution stops
    // after a year, whatever it waits for.
    let rt = runtime();
    let wf = load(
        &rt,
        after_assign(json!({"Type": "Wait", "SecondsPath": "$.n"})),
    );
    for n in [json!(99_999_999_999u64), json!(i64::MAX)] {
        let handle = rt.start(&wf, json!({"n": n})).await.expect("start");
        let status = outcome(&handle).await;
        assert_eq!(status.as_str(), "TIMED_OUT", "{n}");
        assert_eq!(
            status.failure().and_then(|f| f.error.as_deref()),
            Some("States.Timeout")
        );
    }
}

/// Binds the Lambda `f` to a handler that answers at once with its input.
fn echo(rt: &Runtime) {
    rt.bind_lambda("f", |input: Value, _ctx: TaskContext| async move {
        Ok::<_, TaskError>(input)
    });
}

#[tokio::test(start_paused = true)]
async fn timeout_and_heartbeat_paths_from_the_input_a_variable_or_the_context() {
    for path in SOURCES {
        for (field, error, event) in [
            (
                "TimeoutSecondsPath",
                "States.Timeout",
                EventType::LambdaFunctionTimedOut,
            ),
            (
                "HeartbeatSecondsPath",
                "States.HeartbeatTimeout",
                EventType::LambdaFunctionTimedOut,
            ),
        ] {
            let rt = runtime();
            let drops = DropCounter::default();
            hanging(&rt, "f", &drops);
            let mut task = json!({"Type": "Task", "Resource": lambda("f"), "TimeoutSeconds": 60});
            if field == "TimeoutSecondsPath" {
                task.as_object_mut().unwrap().remove("TimeoutSeconds");
            }
            task[field] = json!(path);
            let wf = load(&rt, after_assign(task));
            let (status, history) = run(&rt, &wf, json!({"n": 7})).await;
            assert_eq!(failed(&status).0, Some(error), "{field} {path}");
            assert_eq!(
                between(&history, EventType::LambdaFunctionStarted, event),
                7_000,
                "{field} {path}"
            );
        }
    }
}

#[tokio::test(start_paused = true)]
async fn timeout_and_heartbeat_path_refusals() {
    // A positive integer ("must select a field whose value is a positive integer", AWS's
    // Task state documentation): 0 and negative values are not positive, the rest not valid.
    for field in ["TimeoutSecondsPath", "HeartbeatSecondsPath"] {
        let rt = runtime();
        let calls = counted(&rt, "f", Ok);
        let mut task = json!({"Type": "Task", "Resource": lambda("f")});
        task[field] = json!("$.n");
        let wf = load(&rt, after_assign(task));
        for (n, shown, sentence) in [
            (json!(0), "0", "not a positive integer"),
            (json!(-5), "-5", "not a positive integer"),
            (json!(5.0), "5.0", "not a valid integer"),
            (json!(2.5), "2.5", "not a valid integer"),
            (json!("5"), "5", "not a valid integer"),
            (json!(null), "null", "not a valid integer"),
            (json!([5]), "[5]", "not a valid integer"),
            (
                json!(9_223_372_036_854_775_808u64),
                "9223372036854775808",
                "not a valid integer",
            ),
        ] {
            refused(
                &rt,
                &wf,
                json!({"n": n}),
                &format!("The {field} field refers to value \"{shown}\" which is {sentence}: $.n"),
                &["TaskStateEntered", "ExecutionFailed"],
            )
            .await;
        }
        assert_eq!(
            calls.load(std::sync::atomic::Ordering::SeqCst),
            0,
            "{field}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn the_largest_timeout_a_path_may_give_runs_the_task() {
    // A Java long: the task runs, and the scheduled event records the value as given.
    let rt = runtime();
    echo(&rt);
    let wf = load(
        &rt,
        after_assign(json!({"Type": "Task", "Resource": lambda("f"), "TimeoutSecondsPath": "$.n"})),
    );
    let (status, history) = run(&rt, &wf, json!({"n": i64::MAX})).await;
    assert_eq!(output(&status), &json!({"n": i64::MAX}));
    let scheduled = events_of(&history, EventType::LambdaFunctionScheduled)[0].to_aws_json();
    assert_eq!(
        scheduled["lambdaFunctionScheduledEventDetails"]["timeoutInSeconds"],
        json!(i64::MAX)
    );
}

#[tokio::test(start_paused = true)]
async fn a_heartbeat_path_not_below_the_timeout_is_not_refused() {
    // "HeartbeatSeconds must be smaller than TimeoutSeconds" is checked on the definition's
    // literals; a value read at run time is not refused: the limit that comes first ends the
    // task, and when both come together the task has run out its TimeoutSeconds.
    for (heartbeat, error, after) in [
        (5, "States.HeartbeatTimeout", 5_000),
        (10, "States.Timeout", 10_000),
        (20, "States.Timeout", 10_000),
    ] {
        let rt = runtime();
        let drops = DropCounter::default();
        hanging(&rt, "f", &drops);
        let wf = load(
            &rt,
            after_assign(json!({
                "Type": "Task", "Resource": lambda("f"),
                "TimeoutSeconds": 10, "HeartbeatSecondsPath": "$.n"
            })),
        );
        let (status, history) = run(&rt, &wf, json!({"n": heartbeat})).await;
        assert_eq!(failed(&status).0, Some(error), "{heartbeat}");
        assert_eq!(
            between(
                &history,
                EventType::LambdaFunctionStarted,
                EventType::LambdaFunctionTimedOut
            ),
            after,
            "{heartbeat}"
        );
    }
}

/// An inline Map over `$.items` whose iterations wait one second each, with `fields`.
fn waiting_map(fields: Value) -> Value {
    let mut map = json!({
        "Type": "Map",
        "ItemsPath": "$.items",
        "ItemProcessor": {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1, "End": true}}}
    });
    for (k, v) in fields.as_object().expect("fields") {
        map[k] = v.clone();
    }
    after_assign(map)
}

#[tokio::test(start_paused = true)]
async fn max_concurrency_path_from_the_input_a_variable_or_the_context() {
    // Three iterations of one second: one at a time they take three seconds, all at once
    // (0: no limit) one second.
    for path in SOURCES {
        for (n, took) in [(1, 3_000), (2, 2_000), (0, 1_000)] {
            let rt = runtime();
            let wf = load(&rt, waiting_map(json!({"MaxConcurrencyPath": path})));
            let (status, history) = run(&rt, &wf, json!({"n": n, "items": [1, 2, 3]})).await;
            assert_eq!(output(&status), &json!([1, 2, 3]), "{path} {n}");
            assert_eq!(
                between(
                    &history,
                    EventType::MapStateStarted,
                    EventType::MapStateSucceeded
                ),
                took,
                "{path} {n}"
            );
        }
    }
}

#[tokio::test(start_paused = true)]
async fn max_concurrency_path_refusals() {
    // A non-negative integer of 32 bits; the Map fails before it starts (the corpus:
    // io_processing/max_concurrency_path_nonumber, no MapStateStarted).
    let rt = runtime();
    let wf = load(&rt, waiting_map(json!({"MaxConcurrencyPath": "$n"})));
    for (n, shown) in [
        (json!("NoNumber"), "NoNumber"),
        (json!("2"), "2"),
        (json!(-1), "-1"),
        (json!(1.0), "1.0"),
        (json!(1.5), "1.5"),
        (json!(2_147_483_648u64), "2147483648"),
        (json!(false), "false"),
        (json!({}), "{}"),
    ] {
        refused(
            &rt,
            &wf,
            json!({"n": n, "items": [1]}),
            &format!(
                "The MaxConcurrencyPath field refers to value \"{shown}\" which is not a valid integer: $n"
            ),
            &["MapStateEntered", "ExecutionFailed"],
        )
        .await;
    }
    // The largest: no limit in effect for three items.
    let (status, _) = run(&rt, &wf, json!({"n": i32::MAX, "items": [1, 2, 3]})).await;
    assert_eq!(output(&status), &json!([1, 2, 3]));
}

/// An inline Map over `$.items` whose iterations fail with `Boom` where `bad` is true.
fn failing_map(fields: Value) -> Value {
    let mut map = json!({
        "Type": "Map",
        "ItemsPath": "$.items",
        "ItemProcessor": {"StartAt": "C", "States": {
            "C": {"Type": "Choice", "Choices": [{"Variable": "$.bad", "BooleanEquals": true, "Next": "F"}], "Default": "Ok"},
            "F": {"Type": "Fail", "Error": "Boom"},
            "Ok": {"Type": "Pass", "End": true}
        }}
    });
    for (k, v) in fields.as_object().expect("fields") {
        map[k] = v.clone();
    }
    after_assign(map)
}

/// Two failing items out of three.
fn two_of_three_fail() -> Value {
    json!([{"bad": true}, {"bad": false}, {"bad": true}])
}

#[tokio::test(start_paused = true)]
async fn tolerated_failure_count_path_from_the_input_a_variable_or_the_context() {
    for path in SOURCES {
        let rt = runtime();
        let wf = load(&rt, failing_map(json!({"ToleratedFailureCountPath": path})));
        // Two failures tolerated: the Map succeeds.
        let (status, _) = run(&rt, &wf, json!({"n": 2, "items": two_of_three_fail()})).await;
        assert_eq!(output(&status).as_array().map(Vec::len), Some(3), "{path}");
        // One tolerated: the second failure exceeds it.
        let (status, _) = run(&rt, &wf, json!({"n": 1, "items": two_of_three_fail()})).await;
        assert_eq!(
            failed(&status).0,
            Some("States.ExceedToleratedFailureThreshold"),
            "{path}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn tolerated_failure_count_path_refusals() {
    // The corpus: "{}" is not a valid integer, after MapStateStarted.
    let rt = runtime();
    let wf = load(
        &rt,
        failing_map(json!({"ToleratedFailureCountPath": "$.n"})),
    );
    for (n, shown) in [
        (json!({}), "{}"),
        (json!(-1), "-1"),
        (json!(1.0), "1.0"),
        (json!("1"), "1"),
        (json!(null), "null"),
        (json!(9_223_372_036_854_775_808u64), "9223372036854775808"),
    ] {
        refused(
            &rt,
            &wf,
            json!({"n": n, "items": [{}]}),
            &format!(
                "The ToleratedFailureCountPath field refers to value \"{shown}\" which is not a valid integer: $.n"
            ),
            &["MapStateEntered", "MapStateStarted", "ExecutionFailed"],
        )
        .await;
    }
}

#[tokio::test(start_paused = true)]
async fn tolerated_failure_percentage_path_from_the_input_a_variable_or_the_context() {
    for path in SOURCES {
        let rt = runtime();
        let wf = load(
            &rt,
            failing_map(json!({"ToleratedFailurePercentagePath": path})),
        );
        // Two failures of three are 66.7 %: within 70, beyond 50 (and a float is fine).
        let (status, _) = run(&rt, &wf, json!({"n": 70, "items": two_of_three_fail()})).await;
        assert_eq!(output(&status).as_array().map(Vec::len), Some(3), "{path}");
        let (status, _) = run(&rt, &wf, json!({"n": 50.5, "items": two_of_three_fail()})).await;
        assert_eq!(
            failed(&status).0,
            Some("States.ExceedToleratedFailureThreshold"),
            "{path}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn tolerated_failure_percentage_path_refusals() {
    let rt = runtime();
    let wf = load(
        &rt,
        failing_map(json!({"ToleratedFailurePercentagePath": "$.n"})),
    );
    let not_a_float = |shown: &str| {
        format!(
            "The ToleratedFailurePercentagePath field refers to value \"{shown}\" which is not a valid float: $.n"
        )
    };
    let out_of_range = "ToleratedFailurePercentage must be between 0 and 100.".to_string();
    for (n, detail) in [
        (json!("NoNumber"), not_a_float("NoNumber")),
        (json!("50"), not_a_float("50")),
        (json!(null), not_a_float("null")),
        (json!([]), not_a_float("[]")),
        (json!(-1), out_of_range.clone()),
        (json!(-0.5), out_of_range.clone()),
        (json!(100.1), out_of_range.clone()),
        (json!(1e21), out_of_range.clone()),
    ] {
        refused(
            &rt,
            &wf,
            json!({"n": n, "items": [{}]}),
            &detail,
            &["MapStateEntered", "MapStateStarted", "ExecutionFailed"],
        )
        .await;
    }
    // The bounds themselves are accepted.
    for n in [json!(0), json!(100), json!(0.0), json!(100.0)] {
        let (status, _) = run(&rt, &wf, json!({"n": n, "items": [{"bad": false}]})).await;
        assert_eq!(output(&status), &json!([{"bad": false}]), "{n}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_path_that_matches_nothing_is_a_runtime_error_for_every_field() {
    for state in [
        json!({"Type": "Wait", "SecondsPath": "$.missing"}),
        json!({"Type": "Task", "Resource": lambda("f"), "TimeoutSecondsPath": "$.missing"}),
        json!({"Type": "Task", "Resource": lambda("f"), "HeartbeatSecondsPath": "$missing"}),
        json!({"Type": "Map", "MaxConcurrencyPath": "$$.Execution.Input.missing", "ItemsPath": "$.items",
               "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}),
        json!({"Type": "Map", "ToleratedFailureCountPath": "$.missing", "ItemsPath": "$.items",
               "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}),
        json!({"Type": "Map", "ToleratedFailurePercentagePath": "$.missing", "ItemsPath": "$.items",
               "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}}),
    ] {
        let rt = runtime();
        echo(&rt);
        let wf = load(&rt, after_assign(state.clone()));
        let (status, _) = run(&rt, &wf, json!({"n": 1, "items": [1]})).await;
        let (error, cause) = failed(&status);
        assert_eq!(error, Some("States.Runtime"), "{state}");
        assert!(
            cause.is_some_and(|c| c.starts_with(
                "An error occurred while executing the state 'S' (entered at the event id #4)."
            )),
            "{state}: {cause:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_cause_quoting_a_long_value_is_cut_to_aws_bound() {
    // Found by the CLI mutation script: a refusal's cause quotes the value a ...Path field
    // selected, whole, and a failure event holds a cause of at most 32,768 characters.
    let rt = runtime();
    let wf = load(
        &rt,
        json!({
            "StartAt": "M",
            "States": {"M": {
                "Type": "Map",
                "ToleratedFailureCountPath": "$.count",
                "ItemsPath": "$.items",
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
                "End": true
            }}
        }),
    );
    let long = "7".repeat(70_000) + "x";
    let (status, history) = run(&rt, &wf, json!({"count": long, "items": [1]})).await;
    let (error, cause) = failed(&status);
    assert_eq!(error, Some("States.Runtime"));
    let cause = cause.unwrap();
    assert_eq!(cause.chars().count(), 32_768);
    // Its first 32,768 characters: the sentence up to the quoted value, and the value's start.
    assert!(cause.starts_with(
        "An error occurred while executing the state 'M' (entered at the event id #2). The ToleratedFailureCountPath field refers to value \"7777"
    ));
    let recorded = events_of(&history, EventType::ExecutionFailed);
    assert_eq!(recorded.len(), 1);

    // A Fail state's CausePath may select a long string: the execution's cause is cut too.
    let wf = load(
        &rt,
        json!({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E", "CausePath": "$.why"}}}),
    );
    let (status, _) = run(&rt, &wf, json!({"why": "é".repeat(40_000)})).await;
    let (error, cause) = failed(&status);
    assert_eq!(error, Some("E"));
    assert_eq!(cause.map(|c| c.chars().count()), Some(32_768));
}
