//! The execution history: ids, previousEventId, timestamps, details, the AWS JSON shape.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{Value, json};
use workflow_runtime::{EventType, HistoryEvent, TaskContext, TaskError};

use crate::common::*;

/// Checks what holds for every history: ids 1..n, previousEventId pointing back, time never
/// going backwards.
fn check_invariants(history: &[HistoryEvent]) {
    assert!(!history.is_empty());
    assert_eq!(history[0].event_type, EventType::ExecutionStarted);
    for (i, e) in history.iter().enumerate() {
        assert_eq!(e.id, i as u64 + 1, "ids are consecutive from 1");
        if i == 0 {
            assert_eq!(e.previous_event_id, 0);
        } else {
            assert!(
                e.previous_event_id < e.id,
                "event {} ({}) points forward to {}",
                e.id,
                e.event_type,
                e.previous_event_id
            );
            assert!(e.timestamp >= history[i - 1].timestamp, "time goes forward");
        }
    }
    // The first state's entry is the one other event with no predecessor: AWS records
    // previousEventId 0 for it (the API reference's GetExecutionHistory example).
    assert_eq!(history[1].previous_event_id, 0, "{:?}", history[1]);
    for e in &history[2..] {
        assert_ne!(
            e.previous_event_id, 0,
            "{:?} has no predecessor",
            e.event_type
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_linear_history_chains_each_event_to_the_one_before() {
    let rt = runtime();
    rt.bind_lambda("f", |input: Value, _ctx: TaskContext| async move {
        tokio::time::sleep(Duration::from_millis(250)).await;
        Ok::<_, TaskError>(json!({"got": input}))
    });
    let wf = load(
        &rt,
        json!({
            "StartAt": "P",
            "States": {
                "P": {"Type": "Pass", "Result": {"a": 1}, "Next": "T"},
                "T": {"Type": "Task", "Resource": lambda("f"), "Next": "W"},
                "W": {"Type": "Wait", "Seconds": 2, "Next": "C"},
                "C": {"Type": "Choice", "Choices": [{"Variable": "$.got.a", "NumericEquals": 1, "Next": "S"}]},
                "S": {"Type": "Succeed"}
            }
        }),
    );
    let (status, history) = run(&rt, &wf, json!({"in": true})).await;
    assert_eq!(output(&status), &json!({"got": {"a": 1}}));
    check_invariants(&history);
    for e in &history[2..] {
        assert_eq!(e.previous_event_id, e.id - 1);
    }
    assert_eq!(
        types(&history),
        [
            "ExecutionStarted",
            "PassStateEntered",
            "PassStateExited",
            "TaskStateEntered",
            "LambdaFunctionScheduled",
            "LambdaFunctionStarted",
            "LambdaFunctionSucceeded",
            "TaskStateExited",
            "WaitStateEntered",
            "WaitStateExited",
            "ChoiceStateEntered",
            "ChoiceStateExited",
            "SucceedStateEntered",
            "SucceedStateExited",
            "ExecutionSucceeded"
        ]
    );
    // The task took 250 ms and the wait 2 s.
    assert_eq!(history[6].timestamp - history[5].timestamp, 250);
    assert_eq!(history[9].timestamp - history[8].timestamp, 2_000);
}

#[tokio::test(start_paused = true)]
async fn events_carry_inputs_and_outputs_in_the_aws_shape() {
    let rt = runtime();
    rt.bind_lambda("f", |input: Value, _ctx: TaskContext| async move {
        Ok::<_, TaskError>(json!({"echo": input}))
    });
    let wf = load(
        &rt,
        json!({
            "StartAt": "T",
            "States": {"T": {
                "Type": "Task", "Resource": lambda("f"),
                "Parameters": {"x.$": "$.x"},
                "ResultPath": "$.r",
                "End": true
            }}
        }),
    );
    let (_, history) = run(&rt, &wf, json!({"x": 1})).await;
    let aws: Vec<Value> = history.iter().map(|e| e.to_aws_json()).collect();
    for (e, j) in history.iter().zip(&aws) {
        assert_eq!(j["id"], json!(e.id));
        assert_eq!(j["previousEventId"], json!(e.previous_event_id));
        assert_eq!(j["type"], json!(e.event_type.as_str()));
        // ISO 8601 in UTC.
        let ts = j["timestamp"].as_str().unwrap();
        let parsed = chrono::DateTime::parse_from_rfc3339(ts).unwrap();
        assert_eq!(parsed.timestamp_millis(), e.timestamp);
        assert!(ts.ends_with('Z'));
    }
    let started = &aws[0]["executionStartedEventDetails"];
    assert_eq!(started["input"], json!(r#"{"x":1}"#));
    assert_eq!(started["inputDetails"], json!({"truncated": false}));
    assert!(
        started["roleArn"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:iam::123456789012:role/")
    );
    assert_eq!(
        aws[1]["stateEnteredEventDetails"],
        json!({"name": "T", "input": r#"{"x":1}"#, "inputDetails": {"truncated": false}})
    );
    assert_eq!(
        aws[2]["lambdaFunctionScheduledEventDetails"],
        json!({"resource": lambda("f"), "input": r#"{"x":1}"#, "inputDetails": {"truncated": false}})
    );
    // LambdaFunctionStarted has no details at all.
    assert_eq!(aws[3].as_object().unwrap().len(), 4, "{}", aws[3]);
    assert_eq!(
        aws[4]["lambdaFunctionSucceededEventDetails"],
        json!({"output": r#"{"echo":{"x":1}}"#, "outputDetails": {"truncated": false}})
    );
    assert_eq!(
        aws[5]["stateExitedEventDetails"],
        json!({"name": "T", "output": r#"{"x":1,"r":{"echo":{"x":1}}}"#, "outputDetails": {"truncated": false}})
    );
    assert_eq!(
        aws[6]["executionSucceededEventDetails"],
        json!({"output": r#"{"x":1,"r":{"echo":{"x":1}}}"#, "outputDetails": {"truncated": false}})
    );
}

#[tokio::test(start_paused = true)]
async fn service_task_events_name_the_resource() {
    let rt = runtime();
    rt.bind_lambda("f", |input: Value, _ctx: TaskContext| async move {
        Ok::<_, TaskError>(input)
    });
    let wf = load(
        &rt,
        json!({
            "StartAt": "T",
            "States": {"T": {
                "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "f", "Payload": {"k": "v"}},
                "TimeoutSeconds": 30, "HeartbeatSeconds": 10,
                "ResultSelector": {"payload.$": "$.Payload", "status.$": "$.StatusCode"},
                "End": true
            }}
        }),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(
        output(&status),
        &json!({"payload": {"k": "v"}, "status": 200})
    );
    let aws: Vec<Value> = history.iter().map(|e| e.to_aws_json()).collect();
    let scheduled = &aws[2]["taskScheduledEventDetails"];
    assert_eq!(scheduled["resourceType"], json!("lambda"));
    assert_eq!(scheduled["resource"], json!("invoke"));
    assert_eq!(scheduled["region"], json!("us-east-1"));
    assert_eq!(
        serde_json::from_str::<Value>(scheduled["parameters"].as_str().unwrap()).unwrap(),
        json!({"FunctionName": "f", "Payload": {"k": "v"}})
    );
    assert_eq!(scheduled["timeoutInSeconds"], json!(30));
    assert_eq!(scheduled["heartbeatInSeconds"], json!(10));
    assert_eq!(
        aws[3]["taskStartedEventDetails"],
        json!({"resourceType": "lambda", "resource": "invoke"})
    );
    // TaskSucceeded records the full response, before ResultSelector.
    let succeeded = &aws[4]["taskSucceededEventDetails"];
    let response: Value = serde_json::from_str(succeeded["output"].as_str().unwrap()).unwrap();
    assert_eq!(response["Payload"], json!({"k": "v"}));
    assert_eq!(response["StatusCode"], json!(200));
}

#[tokio::test(start_paused = true)]
async fn failure_events_carry_error_and_cause() {
    let rt = runtime();
    let wf = load(
        &rt,
        json!({
            "StartAt": "F",
            "States": {"F": {"Type": "Fail", "Error": "Bad", "Cause": "very bad"}}
        }),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(failed(&status), (Some("Bad"), Some("very bad")));
    check_invariants(&history);
    assert_eq!(
        types(&history),
        ["ExecutionStarted", "FailStateEntered", "ExecutionFailed"]
    );
    assert_eq!(
        history[2].to_aws_json()["executionFailedEventDetails"],
        json!({"error": "Bad", "cause": "very bad"})
    );
    // A Fail state with neither Error nor Cause: the keys are absent.
    let wf = load(
        &rt,
        json!({"StartAt": "F", "States": {"F": {"Type": "Fail"}}}),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(failed(&status), (None, None));
    let details = &history[2].to_aws_json()["executionFailedEventDetails"];
    assert!(
        details.get("error").is_none() && details.get("cause").is_none(),
        "{details}"
    );
}

#[tokio::test(start_paused = true)]
async fn branches_chain_their_events_within_the_branch() {
    // Branch events point back into their own branch: the first state of a branch to the
    // ParallelStateStarted (or MapIterationStarted), later ones to their predecessor in the
    // branch, however the branches interleave.
    let rt = runtime();
    rt.bind_lambda("sleep", |input: Value, _ctx: TaskContext| async move {
        tokio::time::sleep(Duration::from_secs(input.as_u64().unwrap())).await;
        Ok::<_, TaskError>(input)
    });
    let sleeper = |name: &str, secs: u64| {
        json!({
            "StartAt": name,
            "States": {
                name: {"Type": "Task", "Resource": lambda("sleep"), "InputPath": format!("$[{secs}]"), "Next": format!("After{name}")},
                format!("After{name}"): {"Type": "Pass", "End": true}
            }
        })
    };
    let wf = load(
        &rt,
        json!({
            "StartAt": "P",
            "States": {
                "P": {"Type": "Parallel", "Branches": [sleeper("A", 2), sleeper("B", 1)], "Next": "M"},
                "M": {
                    "Type": "Map",
                    "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Task", "Resource": lambda("sleep"), "End": true}}},
                    "End": true
                }
            }
        }),
    );
    let (status, history) = run(&rt, &wf, json!([0, 1, 2])).await;
    assert_eq!(output(&status), &json!([2, 1]));
    check_invariants(&history);
    let by_id: HashMap<u64, &HistoryEvent> = history.iter().map(|e| (e.id, e)).collect();
    let name_of = |e: &HistoryEvent| -> Option<String> {
        let j = e.to_aws_json();
        j.get("stateEnteredEventDetails")
            .or(j.get("stateExitedEventDetails"))
            .map(|d| d["name"].as_str().unwrap().to_string())
    };
    // Each branch's Task entry points at ParallelStateStarted.
    let parallel_started = events_of(&history, EventType::ParallelStateStarted)[0].id;
    // How many events each check below saw, so that none passes for want of events.
    let (mut branch_tasks, mut passes, mut iteration_tasks, mut lambdas) = (0, 0, 0, 0);
    for e in &history {
        if e.event_type == EventType::TaskStateEntered
            && matches!(name_of(e).as_deref(), Some("A") | Some("B"))
        {
            branch_tasks += 1;
            assert_eq!(e.previous_event_id, parallel_started);
        }
        // Each branch's "After" Pass follows its own branch's TaskStateExited.
        if e.event_type == EventType::PassStateEntered {
            passes += 1;
            let prev = by_id[&e.previous_event_id];
            assert_eq!(prev.event_type, EventType::TaskStateExited);
        }
        // Each Map iteration's Task entry follows its MapIterationStarted.
        if e.event_type == EventType::TaskStateEntered && name_of(e).as_deref() == Some("I") {
            iteration_tasks += 1;
            let prev = by_id[&e.previous_event_id];
            assert_eq!(prev.event_type, EventType::MapIterationStarted);
        }
        // Lambda events of a task follow that task's previous event: the chain from a
        // LambdaFunctionSucceeded back to its TaskStateEntered stays in one branch.
        if e.event_type == EventType::LambdaFunctionSucceeded {
            lambdas += 1;
            let started = by_id[&e.previous_event_id];
            assert_eq!(started.event_type, EventType::LambdaFunctionStarted);
            let scheduled = by_id[&started.previous_event_id];
            assert_eq!(scheduled.event_type, EventType::LambdaFunctionScheduled);
            let entered = by_id[&scheduled.previous_event_id];
            assert_eq!(entered.event_type, EventType::TaskStateEntered);
            // The result is the input of that branch's scheduled function.
            assert_eq!(
                scheduled.to_aws_json()["lambdaFunctionScheduledEventDetails"]["input"],
                e.to_aws_json()["lambdaFunctionSucceededEventDetails"]["output"]
            );
        }
    }
    // Two branches (Task A or B, then its After Pass), then one Map iteration per element of
    // the Parallel's output [2, 1]; every Task calls "sleep" once.
    assert_eq!(branch_tasks, 2, "{:?}", types(&history));
    assert_eq!(passes, 2, "{:?}", types(&history));
    assert_eq!(iteration_tasks, 2, "{:?}", types(&history));
    assert_eq!(lambdas, 4, "{:?}", types(&history));
}

#[tokio::test(start_paused = true)]
async fn retried_and_caught_histories_keep_the_invariants() {
    let rt = runtime();
    rt.bind_lambda("fail", |_: Value, _ctx: TaskContext| async {
        Err::<Value, _>(TaskError::new("E", "c"))
    });
    let wf = load(
        &rt,
        json!({
            "StartAt": "M",
            "States": {
                "M": {
                    "Type": "Map",
                    "ItemProcessor": {"StartAt": "T", "States": {"T": {
                        "Type": "Task", "Resource": lambda("fail"),
                        "Retry": [{"ErrorEquals": ["E"], "MaxAttempts": 1}],
                        "End": true
                    }}},
                    "Retry": [{"ErrorEquals": ["E"], "MaxAttempts": 1}],
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Done"}],
                    "End": true
                },
                "Done": {"Type": "Pass", "End": true}
            }
        }),
    );
    let (status, history) = run(&rt, &wf, json!([1, 2])).await;
    assert_eq!(output(&status), &json!({"Error": "E", "Cause": "c"}));
    check_invariants(&history);
}
