//! The 256 KiB payload limit.

use serde_json::{Value, json};
use workflow_runtime::{EventType, StartError, TaskContext, TaskError};

use crate::common::*;

const LIMIT: usize = 262_144;

/// A JSON string whose serialized form is exactly `bytes` long.
fn string_of_size(bytes: usize) -> Value {
    Value::String("x".repeat(bytes - 2))
}

#[tokio::test(start_paused = true)]
async fn a_task_result_over_the_limit_fails_with_data_limit_exceeded() {
    let rt = runtime();
    rt.bind_lambda("big", |_: Value, _ctx: TaskContext| async {
        Ok::<_, TaskError>(string_of_size(LIMIT + 1))
    });
    let wf = load(
        &rt,
        json!({
            "StartAt": "T",
            "States": {
                "T": {
                    "Type": "Task", "Resource": lambda("big"),
                    // Terminal: neither Retry nor Catch on States.ALL handles it, and the
                    // check comes before ResultPath (an issue reports it with ResultPath null).
                    "ResultPath": null,
                    "Retry": [{"ErrorEquals": ["States.ALL"]}],
                    "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
                    "End": true
                },
                "Caught": {"Type": "Pass", "End": true}
            }
        }),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    let (error, cause) = failed(&status);
    assert_eq!(error, Some("States.DataLimitExceeded"));
    // Real AWS names the Lambda function's ARN for a direct-ARN task (three reports quoting
    // AWS, see facts-execution §1.3).
    assert_eq!(
        cause.unwrap(),
        format!(
            "The state/task '{}' returned a result with a size exceeding the maximum number of bytes service limit.",
            lambda("big")
        )
    );
    assert_eq!(count(&history, EventType::LambdaFunctionScheduled), 1);
    assert_eq!(count(&history, EventType::PassStateEntered), 0);
}

#[tokio::test(start_paused = true)]
async fn a_service_task_result_over_the_limit_names_the_service() {
    // AWS: "The state/task 'aws-sdk:cloudformation' returned a result ..." for an SDK
    // integration (facts-execution §1.3).
    let rt = runtime();
    rt.bind(
        "arn:aws:states:::aws-sdk:s3:getObject",
        |_: Value, _ctx: TaskContext| async { Ok::<_, TaskError>(string_of_size(LIMIT + 1)) },
    );
    let wf = load(
        &rt,
        json!({"StartAt": "Get", "States": {"Get": {
            "Type": "Task", "Resource": "arn:aws:states:::aws-sdk:s3:getObject",
            "Parameters": {"Bucket": "b", "Key": "k"}, "End": true
        }}}),
    );
    let (status, history) = run(&rt, &wf, json!({})).await;
    assert_eq!(
        failed(&status),
        (
            Some("States.DataLimitExceeded"),
            Some(
                "The state/task 'aws-sdk:s3' returned a result with a size exceeding the maximum number of bytes service limit."
            )
        )
    );
    assert_eq!(types(&history)[4..], ["TaskSucceeded", "ExecutionFailed"]);
}

#[tokio::test(start_paused = true)]
async fn a_task_result_at_the_limit_is_fine() {
    let rt = runtime();
    rt.bind_lambda("big", |_: Value, _ctx: TaskContext| async {
        Ok::<_, TaskError>(string_of_size(LIMIT))
    });
    let wf = load(
        &rt,
        json!({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": lambda("big"), "End": true}}}),
    );
    let (status, _) = run(&rt, &wf, json!({})).await;
    assert_eq!(output(&status).as_str().unwrap().len(), LIMIT - 2);
}

#[tokio::test(start_paused = true)]
async fn a_state_output_over_the_limit_fails() {
    // Each branch returns its 150 KB input: the Parallel's 300 KB result is over the limit.
    let rt = runtime();
    let pass =
        |name: &str| json!({"StartAt": name, "States": {name: {"Type": "Pass", "End": true}}});
    let wf = load(
        &rt,
        json!({
            "StartAt": "Par",
            "States": {"Par": {"Type": "Parallel", "Branches": [pass("P1"), pass("P2")], "End": true}}
        }),
    );
    let (status, history) = run(&rt, &wf, string_of_size(150_000)).await;
    // A state's own output is reported with the state's name.
    assert_eq!(
        failed(&status),
        (
            Some("States.DataLimitExceeded"),
            Some(
                "The state/task 'Par' returned a result with a size exceeding the maximum number of bytes service limit."
            )
        )
    );
    assert_eq!(count(&history, EventType::ParallelStateExited), 0);
}

#[tokio::test(start_paused = true)]
async fn an_execution_input_over_the_limit_is_refused() {
    let rt = runtime();
    let wf = load(
        &rt,
        json!({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": true}}}),
    );
    match rt.start(&wf, string_of_size(LIMIT + 1)) {
        Err(StartError::Input(e)) => {
            assert!(e.to_string().contains(&format!("{}", LIMIT + 1)), "{e}");
        }
        other => panic!("expected an input error, got {other:?}"),
    }
    // Exactly at the limit is accepted; the size counts UTF-8 bytes, not characters.
    let (status, _) = run(&rt, &wf, string_of_size(LIMIT)).await;
    assert_eq!(output(&status).as_str().unwrap().len(), LIMIT - 2);
    let multibyte = Value::String("é".repeat((LIMIT - 2) / 2 + 1));
    assert!(matches!(
        rt.start(&wf, multibyte),
        Err(StartError::Input(_))
    ));
}

#[tokio::test(start_paused = true)]
async fn a_task_input_over_the_limit_after_parameters_fails_before_the_call() {
    // "The state's input is larger than the quota after Parameters processing."
    let rt = runtime();
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let c = calls.clone();
    rt.bind_lambda("f", move |input: Value, _ctx: TaskContext| {
        c.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        async move { Ok::<_, TaskError>(input) }
    });
    let wf = load(
        &rt,
        json!({"StartAt": "T", "States": {"T": {
            "Type": "Task", "Resource": lambda("f"),
            "Parameters": {"a.$": "$", "b.$": "$"},
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Caught"}],
            "End": true
        }, "Caught": {"Type": "Pass", "End": true}}}),
    );
    let (status, history) = run(&rt, &wf, string_of_size(150_000)).await;
    assert_eq!(failed(&status).0, Some("States.DataLimitExceeded"));
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 0);
    assert_eq!(
        types(&history),
        ["ExecutionStarted", "TaskStateEntered", "ExecutionFailed"]
    );
}
