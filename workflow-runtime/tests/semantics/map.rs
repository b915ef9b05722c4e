//! Map: MaxConcurrency, ItemSelector and ItemsPath, result order, failures and tolerated
//! failures, Retry, Catch, empty and large inputs.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::Barrier;
use workflow_runtime::{EventType, LoadOptions, Runtime, TaskContext, TaskError};

use crate::common::*;

/// Counts how many handlers run at once, and the most that ever did.
#[derive(Clone, Default)]
struct Gauge {
    now: Arc<AtomicUsize>,
    max: Arc<AtomicUsize>,
}

impl Gauge {
    fn enter(&self) -> GaugeGuard {
        let n = self.now.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(n, Ordering::SeqCst);
        GaugeGuard(self.now.clone())
    }
    fn max(&self) -> usize {
        self.max.load(Ordering::SeqCst)
    }
}

struct GaugeGuard(Arc<AtomicUsize>);

impl Drop for GaugeGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Binds "work": sleeps for `pause`, tracked by the gauge, and returns its input.
fn worker(rt: &Runtime, gauge: &Gauge, pause: Duration) {
    let gauge = gauge.clone();
    rt.bind_lambda("work", move |input: Value, _ctx: TaskContext| {
        let guard = gauge.enter();
        async move {
            let _guard = guard;
            tokio::time::sleep(pause).await;
            Ok::<_, TaskError>(input)
        }
    });
}

fn map_of_work(max_concurrency: Option<u64>) -> Value {
    let mut map = json!({
        "Type": "Map",
        "ItemProcessor": {
            "StartAt": "W",
            "States": {"W": {"Type": "Task", "Resource": lambda("work"), "End": true}}
        },
        "End": true
    });
    if let Some(n) = max_concurrency {
        map["MaxConcurrency"] = json!(n);
    }
    json!({"StartAt": "M", "States": {"M": map}})
}

fn items(n: usize) -> Value {
    Value::Array((0..n).map(|i| json!(i)).collect())
}

#[tokio::test(start_paused = true)]
async fn max_concurrency_limits_the_iterations_running_at_once() {
    let rt = runtime();
    let gauge = Gauge::default();
    worker(&rt, &gauge, Duration::from_secs(1));
    let wf = load(&rt, map_of_work(Some(3)));
    let (status, history) = run(&rt, &wf, items(10)).await;
    assert_eq!(output(&status), &items(10));
    assert_eq!(gauge.max(), 3);
    // Ten one-second items, three at a time: four rounds.
    assert_eq!(
        between(
            &history,
            EventType::MapStateEntered,
            EventType::MapStateExited
        ),
        4_000
    );
}

#[tokio::test(start_paused = true)]
async fn max_concurrency_one_runs_the_items_in_order_one_by_one() {
    let rt = runtime();
    let order = Arc::new(Mutex::new(Vec::new()));
    let gauge = Gauge::default();
    let (o, g) = (order.clone(), gauge.clone());
    rt.bind_lambda("work", move |input: Value, _ctx: TaskContext| {
        o.lock().unwrap().push(input.clone());
        let guard = g.enter();
        async move {
            let _guard = guard;
            // Later items are quicker: a concurrent run would finish them first.
            let secs = 10 - input.as_u64().unwrap();
            tokio::time::sleep(Duration::from_secs(secs)).await;
            Ok::<_, TaskError>(input)
        }
    });
    let wf = load(&rt, map_of_work(Some(1)));
    let (status, history) = run(&rt, &wf, items(5)).await;
    assert_eq!(output(&status), &items(5));
    assert_eq!(*order.lock().unwrap(), items(5).as_array().unwrap().clone());
    assert_eq!(gauge.max(), 1);
    // Strictly sequential history: each iteration ends before the next starts.
    let t = types(&history);
    let iteration_events: Vec<&str> = t
        .iter()
        .copied()
        .filter(|e| e.starts_with("MapIteration"))
        .collect();
    assert_eq!(
        iteration_events,
        ["MapIterationStarted", "MapIterationSucceeded"].repeat(5)
    );
}

#[tokio::test(start_paused = true)]
async fn max_concurrency_zero_means_no_limit() {
    // Every iteration waits until all 50 have started. (AWS's inline Map runs at most 40
    // iterations at a time whatever MaxConcurrency says; we impose no such cap.)
    let rt = runtime();
    let barrier = Arc::new(Barrier::new(50));
    let gauge = Gauge::default();
    let (b, g) = (barrier.clone(), gauge.clone());
    rt.bind_lambda("work", move |input: Value, _ctx: TaskContext| {
        let b = b.clone();
        let guard = g.enter();
        async move {
            let _guard = guard;
            b.wait().await;
            Ok::<_, TaskError>(input)
        }
    });
    for limit in [Some(0), None] {
        let wf = load(&rt, map_of_work(limit));
        let handle = rt.start(&wf, items(50)).await.unwrap();
        let status = outcome_within(&handle, Duration::from_secs(60)).await;
        assert_eq!(output(&status), &items(50), "{limit:?}");
    }
    assert_eq!(gauge.max(), 50);
}

#[tokio::test(start_paused = true)]
async fn max_concurrency_path_reads_the_limit_from_the_input() {
    let rt = runtime();
    let gauge = Gauge::default();
    worker(&rt, &gauge, Duration::from_secs(1));
    let wf = load(
        &rt,
        json!({
            "StartAt": "M",
            "States": {"M": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "MaxConcurrencyPath": "$.limit",
                "ItemProcessor": {
                    "StartAt": "W",
                    "States": {"W": {"Type": "Task", "Resource": lambda("work"), "End": true}}
                },
                "End": true
            }}
        }),
    );
    let (status, _) = run(&rt, &wf, json!({"items": items(7), "limit": 2})).await;
    assert_eq!(output(&status), &items(7));
    assert_eq!(gauge.max(), 2);
}

#[tokio::test(start_paused = true)]
async fn results_are_in_item_order_whatever_the_completion_order() {
    let rt = runtime();
    rt.bind_lambda("work", |input: Value, _ctx: TaskContext| async move {
        let secs = 10 - input.as_u64().unwrap();
        tokio::time::sleep(Duration::from_secs(secs)).await;
        Ok::<_, TaskError>(json!({"item": input}))
    });
    let wf = load(&rt, map_of_work(None));
    let (status, _) = run(&rt, &wf, items(6)).await;
    let expected: Vec<Value> = (0..6).map(|i| json!({"item": i})).collect();
    assert_eq!(output(&status), &Value::Array(expected));
}

#[tokio::test(start_paused = true)]
async fn item_selector_sees_the_effective_input_and_the_map_context() {
    // In ItemSelector `$` is the Map's effective input (after InputPath), not the item.
    let rt = runtime();
    let wf = load(
        &rt,
        json!({
            "StartAt": "M",
            "States": {"M": {
                "Type": "Map",
                "InputPath": "$.detail",
                "ItemsPath": "$.shipped",
                "ItemSelector": {
                    "index.$": "$$.Map.Item.Index",
                    "value.$": "$$.Map.Item.Value",
                    "sku.$": "$$.Map.Item.Value.sku",
                    "order.$": "$.orderId",
                    "literal": "$.not.a.path"
                },
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
                "ResultPath": "$.detail.processed",
                "End": true
            }}
        }),
    );
    let input = json!({"detail": {"orderId": "o-1", "shipped": [{"sku": "a"}, {"sku": "b"}]}});
    let (status, history) = run(&rt, &wf, input).await;
    assert_eq!(
        output(&status),
        &json!({"detail": {"orderId": "o-1", "shipped": [{"sku": "a"}, {"sku": "b"}], "processed": [
            {"index": 0, "value": {"sku": "a"}, "sku": "a", "order": "o-1", "literal": "$.not.a.path"},
            {"index": 1, "value": {"sku": "b"}, "sku": "b", "order": "o-1", "literal": "$.not.a.path"}
        ]}})
    );
    // MapStateStarted reports the number of items; iteration events name the Map state.
    let started = events_of(&history, EventType::MapStateStarted)[0].to_aws_json();
    assert_eq!(started["mapStateStartedEventDetails"], json!({"length": 2}));
    let iteration = events_of(&history, EventType::MapIterationStarted)[1].to_aws_json();
    assert_eq!(
        iteration["mapIterationStartedEventDetails"],
        json!({"name": "M", "index": 1})
    );
}

#[tokio::test(start_paused = true)]
async fn an_iteration_failure_fails_the_map_and_aborts_the_rest() {
    let rt = runtime();
    let drops = DropCounter::default();
    let d = drops.clone();
    rt.bind_lambda("work", move |input: Value, _ctx: TaskContext| {
        let signal = d.signal();
        async move {
            let _signal = signal;
            if input == json!(2) {
                tokio::time::sleep(Duration::from_secs(1)).await;
                return Err(TaskError::new("ItemError", "item 2 broke"));
            }
            forever().await;
            Ok(input)
        }
    });
    let wf = load(&rt, map_of_work(None));
    let (status, history) = run(&rt, &wf, items(4)).await;
    // The iteration's error, unchanged.
    assert_eq!(failed(&status), (Some("ItemError"), Some("item 2 broke")));
    // Four futures dropped: the failed one returned, the three others were cancelled.
    drops.wait_for(4).await;
    assert_eq!(count(&history, EventType::MapIterationFailed), 1);
    assert_eq!(count(&history, EventType::MapIterationAborted), 3);
    assert_eq!(count(&history, EventType::MapIterationSucceeded), 0);
    let t = types(&history);
    assert_eq!(t[t.len() - 2..], ["MapStateFailed", "ExecutionFailed"]);
    let failed_iteration = events_of(&history, EventType::MapIterationFailed)[0].to_aws_json();
    assert_eq!(
        failed_iteration["mapIterationFailedEventDetails"],
        json!({"name": "M", "index": 2})
    );
}

#[tokio::test(start_paused = true)]
async fn with_max_concurrency_one_a_failure_starts_no_further_item() {
    // The corpus (map_state_break_condition): later items are never started, so there are
    // no MapIterationAborted events.
    let rt = runtime();
    let wf = load(
        &rt,
        json!({
            "StartAt": "M",
            "States": {"M": {
                "Type": "Map", "MaxConcurrency": 1,
                "ItemProcessor": {
                    "StartAt": "C",
                    "States": {
                        "C": {"Type": "Choice", "Choices": [{"Variable": "$", "NumericEquals": 1, "Next": "F"}], "Default": "P"},
                        "P": {"Type": "Pass", "End": true},
                        "F": {"Type": "Fail", "Error": "Stop", "Cause": "found 1"}
                    }
                },
                "End": true
            }}
        }),
    );
    let (status, history) = run(&rt, &wf, json!([0, 1, 2, 3])).await;
    assert_eq!(failed(&status), (Some("Stop"), Some("found 1")));
    assert_eq!(count(&history, EventType::MapIterationStarted), 2);
    assert_eq!(count(&history, EventType::MapIterationAborted), 0);
    let t = types(&history);
    assert_eq!(
        t[t.len() - 4..],
        [
            "FailStateEntered",
            "MapIterationFailed",
            "MapStateFailed",
            "ExecutionFailed"
        ]
    );
}

fn tolerant_map(tolerance: Value) -> Value {
    let mut map = json!({
        "Type": "Map",
        "ItemProcessor": {
            "StartAt": "C",
            "States": {
                "C": {"Type": "Choice", "Choices": [{"Variable": "$.fail", "BooleanEquals": true, "Next": "F"}], "Default": "P"},
                "P": {"Type": "Pass", "OutputPath": "$.id", "End": true},
                "F": {"Type": "Fail", "Error": "ItemFailed", "Cause": "bad item"}
            }
        },
        "End": true
    });
    for (k, v) in tolerance.as_object().unwrap() {
        map[k] = v.clone();
    }
    json!({"StartAt": "M", "States": {"M": map}})
}

/// `n` items, those whose index is in `failing` fail.
fn mixed_items(n: usize, failing: &[usize]) -> Value {
    Value::Array(
        (0..n)
            .map(|i| json!({"id": i, "fail": failing.contains(&i)}))
            .collect(),
    )
}

#[tokio::test(start_paused = true)]
async fn tolerated_failure_count_lets_the_map_succeed() {
    let rt = runtime();
    let wf = load(&rt, tolerant_map(json!({"ToleratedFailureCount": 2})));
    let (status, history) = run(&rt, &wf, mixed_items(5, &[1, 3])).await;
    // Tolerated failures keep going. What AWS puts in a failed item's slot is not
    // documented for inline Maps; we put its Error Output there, so the output keeps one
    // element per item and shows which failed and why.
    assert_eq!(
        output(&status),
        &json!([0, {"Error": "ItemFailed", "Cause": "bad item"}, 2, {"Error": "ItemFailed", "Cause": "bad item"}, 4])
    );
    assert_eq!(count(&history, EventType::MapIterationFailed), 2);
    assert_eq!(count(&history, EventType::MapIterationSucceeded), 3);
    assert_eq!(count(&history, EventType::MapStateSucceeded), 1);
}

#[tokio::test(start_paused = true)]
async fn exceeding_tolerated_failure_count_fails_the_map() {
    let rt = runtime();
    let wf = load(
        &rt,
        tolerant_map(json!({"ToleratedFailureCount": 1, "MaxConcurrency": 1})),
    );
    let (status, history) = run(&rt, &wf, mixed_items(5, &[1, 3])).await;
    let (error, _) = failed(&status);
    assert_eq!(error, Some("States.ExceedToleratedFailureThreshold"));
    // The second failure (item 3) crosses the threshold: item 4 never starts.
    assert_eq!(count(&history, EventType::MapIterationStarted), 4);
    assert_eq!(count(&history, EventType::MapIterationFailed), 2);
    let t = types(&history);
    assert_eq!(t[t.len() - 2..], ["MapStateFailed", "ExecutionFailed"]);
}

#[tokio::test(start_paused = true)]
async fn tolerated_failure_percentage() {
    let rt = runtime();
    let wf = load(&rt, tolerant_map(json!({"ToleratedFailurePercentage": 50})));
    // 5 of 10 failing is 50 %: tolerated.
    let (status, _) = run(&rt, &wf, mixed_items(10, &[0, 2, 4, 6, 8])).await;
    assert_eq!(output(&status).as_array().unwrap().len(), 10);
    // 6 of 10 is more than 50 %.
    let (status, _) = run(&rt, &wf, mixed_items(10, &[0, 2, 4, 6, 8, 9])).await;
    assert_eq!(
        failed(&status).0,
        Some("States.ExceedToleratedFailureThreshold")
    );
    // When both are given, breaching either fails the Map: 2 of 10 is within 50 % but over
    // a count of 1.
    let wf = load(
        &rt,
        tolerant_map(json!({"ToleratedFailurePercentage": 50, "ToleratedFailureCount": 1})),
    );
    let (status, _) = run(&rt, &wf, mixed_items(10, &[3, 7])).await;
    assert_eq!(
        failed(&status).0,
        Some("States.ExceedToleratedFailureThreshold")
    );
}

#[tokio::test(start_paused = true)]
async fn retry_on_map_reruns_every_iteration() {
    // The corpus (map_state_retry): each attempt emits MapStateStarted again, there is no
    // new MapStateEntered, and MapStateFailed appears once, at the end.
    let rt = runtime();
    let wf = load(
        &rt,
        json!({
            "StartAt": "M",
            "States": {"M": {
                "Type": "Map",
                "ItemProcessor": {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "HandleItemFailError", "Cause": "HandleItemFailCause"}}},
                "Retry": [{"ErrorEquals": ["HandleItemFailError"], "IntervalSeconds": 3, "MaxAttempts": 2}],
                "End": true
            }}
        }),
    );
    let (status, history) = run(&rt, &wf, json!([1])).await;
    assert_eq!(
        failed(&status),
        (Some("HandleItemFailError"), Some("HandleItemFailCause"))
    );
    let attempt = [
        "MapStateStarted",
        "MapIterationStarted",
        "FailStateEntered",
        "MapIterationFailed",
    ];
    let mut expected = vec!["ExecutionStarted", "MapStateEntered"];
    for _ in 0..3 {
        expected.extend(attempt);
    }
    expected.extend(["MapStateFailed", "ExecutionFailed"]);
    assert_eq!(types(&history), expected);
    let started = times_of(&history, EventType::MapStateStarted);
    let failures = times_of(&history, EventType::MapIterationFailed);
    assert_eq!(started[1] - failures[0], 3_000);
    assert_eq!(started[2] - failures[1], 6_000);
}

#[tokio::test(start_paused = true)]
async fn a_caught_map_failure_exits_the_map() {
    let rt = runtime();
    let wf = load(
        &rt,
        json!({
            "StartAt": "M",
            "States": {
                "M": {
                    "Type": "Map",
                    "ItemProcessor": {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "HandleItemFailError", "Cause": "HandleItemFailCause"}}},
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handled"}],
                    "End": true
                },
                "Handled": {"Type": "Pass", "End": true}
            }
        }),
    );
    let (status, history) = run(&rt, &wf, json!([1])).await;
    assert_eq!(
        output(&status),
        &json!({"Error": "HandleItemFailError", "Cause": "HandleItemFailCause"})
    );
    assert_eq!(
        types(&history),
        [
            "ExecutionStarted",
            "MapStateEntered",
            "MapStateStarted",
            "MapIterationStarted",
            "FailStateEntered",
            "MapIterationFailed",
            "MapStateFailed",
            "MapStateExited",
            "PassStateEntered",
            "PassStateExited",
            "ExecutionSucceeded"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn an_empty_array_gives_an_empty_result_without_iterations() {
    let rt = runtime();
    let wf = load(&rt, map_of_work(None));
    let (status, history) = run(&rt, &wf, json!([])).await;
    assert_eq!(output(&status), &json!([]));
    assert_eq!(
        types(&history),
        [
            "ExecutionStarted",
            "MapStateEntered",
            "MapStateStarted",
            "MapStateSucceeded",
            "MapStateExited",
            "ExecutionSucceeded"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn items_path_that_is_not_an_array_is_a_runtime_error() {
    // AWS's JSONPath behaviour here is not recorded (its JSONata Map fails with
    // "Map state input must be an array"); like every other JSONPath data error it is a
    // States.Runtime error, which a States.ALL catcher does not catch.
    let rt = runtime();
    let wf = load(
        &rt,
        json!({
            "StartAt": "M",
            "States": {"M": {
                "Type": "Map", "ItemsPath": "$.items",
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
                "End": true
            }, "Caught": {"Type": "Pass", "End": true}}
        }),
    );
    let (status, _) = run(&rt, &wf, json!({"items": {"a": 1}})).await;
    let (error, cause) = failed(&status);
    assert_eq!(error, Some("States.Runtime"));
    assert!(cause.unwrap().starts_with(
        "An error occurred while executing the state 'M' (entered at the event id #2)."
    ));
}

#[tokio::test(start_paused = true)]
async fn ten_thousand_items_finish() {
    // An inline Map this large has over 25,000 events (four per iteration): a STANDARD
    // execution fails at its history quota (see the next test), an EXPRESS one runs.
    let rt = runtime();
    let wf = load_with(
        &rt,
        json!({
            "StartAt": "M",
            "States": {"M": {
                "Type": "Map",
                "ItemSelector": {"n.$": "$$.Map.Item.Value"},
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "OutputPath": "$.n", "End": true}}},
                "End": true
            }}
        }),
        &LoadOptions::express(),
    );
    let wall = std::time::Instant::now();
    let (status, history) = run(&rt, &wf, items(10_000)).await;
    assert_eq!(output(&status), &items(10_000));
    // 4 events per iteration, plus the execution's and the Map's own: the history keeps the
    // first 25,000 and the last.
    assert_eq!(history.len(), 25_001);
    assert_eq!(history.last().map(|e| e.id), Some(4 * 10_000 + 6));
    assert!(
        wall.elapsed() < Duration::from_secs(60),
        "{:?}",
        wall.elapsed()
    );
}

#[tokio::test(start_paused = true)]
async fn an_inline_map_past_the_history_quota_fails_a_standard_execution() {
    let rt = runtime();
    let wf = load(
        &rt,
        json!({
            "StartAt": "M",
            "States": {"M": {
                "Type": "Map",
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}},
                "End": true
            }}
        }),
    );
    let (status, history) = run(&rt, &wf, items(10_000)).await;
    assert_eq!(failed(&status).0, Some("States.Runtime"));
    assert_eq!(history.len(), 25_000);
    assert_eq!(
        history.last().map(|e| e.event_type),
        Some(EventType::ExecutionFailed)
    );
}

#[tokio::test(start_paused = true)]
async fn three_thousand_task_items_with_a_concurrency_limit_finish() {
    let rt = runtime();
    let gauge = Gauge::default();
    worker(&rt, &gauge, Duration::from_millis(10));
    let wf = load(&rt, map_of_work(Some(40)));
    // Seven events per item: 3,000 items stay under the 25,000-event history quota.
    let (status, history) = run(&rt, &wf, items(3_000)).await;
    assert_eq!(output(&status), &items(3_000));
    assert_eq!(gauge.max(), 40);
    // 75 rounds of 10 ms.
    assert_eq!(
        between(
            &history,
            EventType::MapStateEntered,
            EventType::MapStateExited
        ),
        750
    );
}

#[tokio::test(start_paused = true)]
async fn ten_thousand_items_in_a_distributed_map_finish() {
    let rt = runtime();
    rt.bind_lambda("work", |input: Value, _ctx: TaskContext| async move {
        Ok::<_, TaskError>(json!({"n": input}))
    });
    let wf = load(
        &rt,
        json!({
            "StartAt": "M",
            "States": {"M": {
                "Type": "Map",
                "MaxConcurrency": 1000,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                    "StartAt": "W", "States": {"W": {"Type": "Task", "Resource": lambda("work"), "End": true}}
                },
                "End": true
            }}
        }),
    );
    let (status, history) = run(&rt, &wf, items(10_000)).await;
    let out = output(&status).as_array().unwrap();
    assert_eq!(out.len(), 10_000);
    assert!(out.iter().enumerate().all(|(i, v)| v == &json!({"n": i})));
    // Child executions have their own histories: the parent's stays small.
    assert_eq!(history.len(), 8);
}

#[tokio::test(start_paused = true)]
async fn distributed_map_records_only_the_map_run() {
    let rt = runtime();
    let wf = load(
        &rt,
        json!({
            "StartAt": "M",
            "States": {"M": {
                "Type": "Map",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}
                },
                "End": true
            }}
        }),
    );
    let (status, history) = run(&rt, &wf, items(3)).await;
    assert_eq!(output(&status), &items(3));
    assert_eq!(
        types(&history),
        [
            "ExecutionStarted",
            "MapStateEntered",
            "MapStateStarted",
            "MapRunStarted",
            "MapRunSucceeded",
            "MapStateSucceeded",
            "MapStateExited",
            "ExecutionSucceeded"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_failure_under_a_concurrency_limit_starts_nothing_more() {
    // MaxConcurrency 2: items 0 and 1 run; item 0 fails after 1 s; item 1 is aborted and
    // items 2..5 never start.
    let rt = runtime();
    let drops = DropCounter::default();
    let started = Arc::new(Mutex::new(Vec::new()));
    let (d, s) = (drops.clone(), started.clone());
    rt.bind_lambda("work", move |input: Value, _ctx: TaskContext| {
        s.lock().unwrap().push(input.clone());
        let signal = d.signal();
        async move {
            let _signal = signal;
            tokio::time::sleep(Duration::from_secs(1)).await;
            if input == json!(0) {
                return Err(TaskError::new("First", "item 0"));
            }
            forever().await;
            Ok(input)
        }
    });
    let wf = load(&rt, map_of_work(Some(2)));
    let (status, history) = run(&rt, &wf, items(6)).await;
    assert_eq!(failed(&status).0, Some("First"));
    drops.wait_for(2).await;
    assert_eq!(*started.lock().unwrap(), vec![json!(0), json!(1)]);
    assert_eq!(count(&history, EventType::MapIterationStarted), 2);
    assert_eq!(count(&history, EventType::MapIterationAborted), 1);
}

#[tokio::test(start_paused = true)]
async fn crossing_the_threshold_aborts_the_iterations_in_flight() {
    let rt = runtime();
    let drops = DropCounter::default();
    let d = drops.clone();
    rt.bind_lambda("work", move |input: Value, _ctx: TaskContext| {
        let signal = d.signal();
        async move {
            let _signal = signal;
            let n = input.as_u64().unwrap();
            if n < 3 {
                tokio::time::sleep(Duration::from_secs(n + 1)).await;
                return Err(TaskError::new("Bad", format!("item {n}")));
            }
            forever().await;
            Ok(input)
        }
    });
    let mut definition = map_of_work(None);
    definition["States"]["M"]["ToleratedFailureCount"] = json!(2);
    let wf = load(&rt, definition);
    let (status, history) = run(&rt, &wf, items(6)).await;
    assert_eq!(
        failed(&status).0,
        Some("States.ExceedToleratedFailureThreshold")
    );
    // The third failure, at 3 s, ends the Map; items 3, 4 and 5 are cancelled.
    drops.wait_for(6).await;
    assert_eq!(count(&history, EventType::MapIterationFailed), 3);
    assert_eq!(count(&history, EventType::MapIterationAborted), 3);
    assert_eq!(span(&history), 3_000);
}

#[tokio::test(start_paused = true)]
async fn nested_maps() {
    let rt = runtime();
    let wf = load(
        &rt,
        json!({
            "StartAt": "Outer",
            "States": {"Outer": {
                "Type": "Map",
                "ItemSelector": {"row.$": "$$.Map.Item.Index", "cells.$": "$$.Map.Item.Value"},
                "ItemProcessor": {"StartAt": "Inner", "States": {"Inner": {
                    "Type": "Map",
                    "ItemsPath": "$.cells",
                    "ItemSelector": {"row.$": "$.row", "col.$": "$$.Map.Item.Index", "v.$": "$$.Map.Item.Value"},
                    "ItemProcessor": {"StartAt": "Cell", "States": {"Cell": {
                        "Type": "Pass",
                        "Parameters": {"at.$": "States.Format('{},{}', $.row, $.col)", "v.$": "$.v"},
                        "End": true
                    }}},
                    "End": true
                }}},
                "End": true
            }}
        }),
    );
    let (status, history) = run(&rt, &wf, json!([["a", "b"], ["c"]])).await;
    assert_eq!(
        output(&status),
        &json!([
            [{"at": "0,0", "v": "a"}, {"at": "0,1", "v": "b"}],
            [{"at": "1,0", "v": "c"}]
        ])
    );
    assert_eq!(count(&history, EventType::MapStateEntered), 3);
    assert_eq!(count(&history, EventType::MapIterationSucceeded), 5);
}

#[tokio::test(start_paused = true)]
async fn map_result_selector_and_result_path() {
    let rt = runtime();
    let wf = load(
        &rt,
        json!({
            "StartAt": "M",
            "States": {"M": {
                "Type": "Map", "ItemsPath": "$.xs",
                "ItemProcessor": {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"sq.$": "States.MathAdd($, $)"}, "End": true}}},
                "ResultSelector": {"count.$": "States.ArrayLength($)", "all.$": "$[*].sq"},
                "ResultPath": "$.summary",
                "End": true
            }}
        }),
    );
    let (status, _) = run(&rt, &wf, json!({"xs": [1, 2, 3]})).await;
    assert_eq!(
        output(&status),
        &json!({"xs": [1, 2, 3], "summary": {"count": 3, "all": [2, 4, 6]}})
    );
}

/// A distributed Map whose item processor loops forever (`Loop` leads back to itself): each
/// item is a child execution of type `child_type`, with `loop_state` as its one state.
fn distributed_forever(child_type: &str, loop_state: Value, tolerated: u64) -> Value {
    json!({
        "StartAt": "M",
        "States": {"M": {
            "Type": "Map",
            "ToleratedFailureCount": tolerated,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": child_type},
                "StartAt": "Loop",
                "States": {"Loop": loop_state}
            },
            "End": true
        }}
    })
}

#[tokio::test(start_paused = true)]
async fn a_standard_child_execution_that_loops_forever_fails_at_its_history_quota() {
    // Found by the CLI mutation script: the child executions of a distributed Map kept no
    // quota of their own, so an item that looped forever ran until the parent's year. On AWS
    // each child is a STANDARD execution that fails at its 25,000th event, and the Map Run
    // counts a failed item.
    let rt = runtime();
    let pass_loop = json!({"Type": "Pass", "Next": "Loop"});
    let wf = load(&rt, distributed_forever("STANDARD", pass_loop.clone(), 0));
    let (status, history) = run(&rt, &wf, json!([1])).await;
    assert_eq!(
        failed(&status).0,
        Some("States.ExceedToleratedFailureThreshold")
    );
    assert_eq!(count(&history, EventType::MapRunFailed), 1);
    // Tolerated, the failed child is one failed item among others that succeed.
    let wf = load(
        &rt,
        json!({
            "StartAt": "M",
            "States": {"M": {
                "Type": "Map",
                "ToleratedFailureCount": 1,
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "Choose",
                    "States": {
                        "Choose": {"Type": "Choice",
                            "Choices": [{"Variable": "$", "NumericEquals": 0, "Next": "Loop"}],
                            "Default": "Done"},
                        "Loop": pass_loop,
                        "Done": {"Type": "Succeed"}
                    }
                },
                "End": true
            }}
        }),
    );
    let (status, _) = run(&rt, &wf, json!([0, 1, 2])).await;
    assert_eq!(output(&status).as_array().map(Vec::len), Some(3));
}

#[tokio::test(start_paused = true)]
async fn an_express_child_execution_ends_at_five_minutes() {
    // An EXPRESS child execution runs at most five minutes, like any EXPRESS execution: a child
    // that waits a minute per pass fails by its fifth, and the Map Run with it.
    let rt = runtime();
    let wait_loop = json!({"Type": "Wait", "Seconds": 60, "Next": "Loop"});
    let wf = load(&rt, distributed_forever("EXPRESS", wait_loop, 0));
    let (status, history) = run(&rt, &wf, json!([1])).await;
    assert_eq!(
        failed(&status).0,
        Some("States.ExceedToleratedFailureThreshold")
    );
    let minutes = span(&history) / 60_000;
    assert!((5..=6).contains(&minutes), "ended after {minutes} minutes");
}
