//! Deleting a state machine while executions of it run, as AWS's DeleteStateMachine: "It sets
//! the state machine's status to DELETING and begins the deletion process. A state machine is
//! deleted only when all its executions are completed. On the next state transition, the
//! state machine's executions are terminated", failing with `States.Runtime`, "State machine
//! NAME has been deleted." (AWS re:Post, "Step Functions state machine stuck in DELETING").

use serde_json::json;
use workflow_runtime::store::{PageRequest, StateMachineStatus, Status, StoreError};
use workflow_runtime::{
    ExecutionStatus, Failure, LoadOptions, RegisterError, RegistryError, Runtime, StartError, Work,
};

use crate::common::{
    OpenStore, QUICK, clock, nap, newest, resumed, runtime, session, temp_dir, types,
};

/// How an execution of the deleted state machine `orders` ends.
fn deleted() -> ExecutionStatus {
    ExecutionStatus::Failed(Failure::new(
        "States.Runtime",
        "State machine orders has been deleted.",
    ))
}

/// The status of the state machine `name` in the runtime's store (`None`: there is none).
async fn status_of(rt: &Runtime, name: &str) -> Option<StateMachineStatus> {
    newest(rt, name).await.map(|r| r.status)
}

#[tokio::test(start_paused = true)]
async fn a_deleted_state_machine_fails_its_executions_at_their_next_transition_then_goes() {
    let rt = Runtime::new();
    let options = LoadOptions::default();
    let orders = rt.register("orders", &nap(3600), &options).await.unwrap();
    let other = rt.register("other", &nap(3600), &options).await.unwrap();
    let first = rt.start(&orders, json!({})).await.unwrap();
    let second = rt.start(&orders, json!({})).await.unwrap();
    let untouched = rt.start(&other, json!({})).await.unwrap();

    rt.delete_state_machine("orders").await.unwrap();
    // Nothing has moved yet: they wait for their Wait's end, the state machine is DELETING.
    assert_eq!(
        status_of(&rt, "orders").await,
        Some(StateMachineStatus::Deleting)
    );
    let record = rt.describe_execution(first.execution_arn()).await.unwrap();
    assert_eq!(record.status, Status::Running);
    // Meanwhile no execution of it starts, and it takes no revision.
    assert!(matches!(
        rt.start(&orders, json!({})).await,
        Err(StartError::StateMachineDeleting { name }) if name == "orders"
    ));
    assert!(matches!(
        rt.register("orders", QUICK, &options).await,
        Err(RegisterError::Store(
            StoreError::StateMachineDeleting { .. }
        ))
    ));

    // Their next transition (the Wait's end) fails them; the other state machine's goes on.
    for handle in [&first, &second] {
        assert_eq!(handle.outcome().await, deleted());
        let history = handle.history().await;
        assert_eq!(
            types(&history),
            [
                "ExecutionStarted",
                "WaitStateEntered",
                "WaitStateAborted",
                "ExecutionFailed"
            ]
        );
    }
    assert_eq!(untouched.outcome().await.as_str(), "SUCCEEDED");
    let record = rt.describe_execution(first.execution_arn()).await.unwrap();
    assert_eq!(record.status, Status::Failed);
    assert_eq!(record.error.as_deref(), Some("States.Runtime"));

    // None runs any more: it is deleted. A workflow registered before is of no state machine;
    // registered again, the name is a new state machine, from revision 1.
    assert_eq!(status_of(&rt, "orders").await, None);
    assert!(matches!(
        rt.start(&orders, json!({})).await,
        Err(StartError::StateMachineDoesNotExist { name }) if name == "orders"
    ));
    let again = rt.register("orders", QUICK, &options).await.unwrap();
    assert_eq!(again.revision(), Some(1));
    let handle = rt.start(&again, json!({})).await.unwrap();
    assert_eq!(handle.outcome().await.as_str(), "SUCCEEDED");
    // A state machine none of whose executions runs goes at once; one that does not exist,
    // nothing to do.
    rt.delete_state_machine("other").await.unwrap();
    assert_eq!(status_of(&rt, "other").await, None);
    rt.delete_state_machine("nobody").await.unwrap();
}

#[test]
fn a_deletion_outlives_the_process_that_asked_for_it() {
    let dir = temp_dir("deletion");
    let clock = clock();
    // A process starts two executions of `orders`, which wait an hour, and crashes.
    let (waiting, stopped) = session(async {
        let rt = runtime(dir.open(), &clock);
        let orders = rt
            .register("orders", &nap(3600), &LoadOptions::default())
            .await
            .unwrap();
        // Time stands still to the end of the session: they wait.
        let _hold = Work::new(&clock);
        let mut arns = Vec::new();
        for _ in 0..2 {
            // Recorded once `start` returns.
            let handle = rt.start(&orders, json!({})).await.unwrap();
            arns.push(handle.execution_arn().to_string());
        }
        (arns[0].clone(), arns[1].clone())
    });
    // A second one deletes the state machine without resuming the executions, stops one of
    // them in the store, and crashes too.
    session(async {
        let rt = runtime(dir.open(), &clock);
        rt.delete_state_machine("orders").await.unwrap();
        assert_eq!(
            status_of(&rt, "orders").await,
            Some(StateMachineStatus::Deleting)
        );
        rt.stop_execution(&stopped, None, None).await.unwrap();
        assert_eq!(
            status_of(&rt, "orders").await,
            Some(StateMachineStatus::Deleting),
            "the other still runs"
        );
        assert!(matches!(
            rt.register("orders", QUICK, &LoadOptions::default()).await,
            Err(RegisterError::Store(
                StoreError::StateMachineDeleting { .. }
            ))
        ));
    });
    // The third resumes: the last execution fails at its Wait's end, and the state machine
    // goes.
    session(async {
        let rt = runtime(dir.open(), &clock);
        let handle = resumed(&rt).await;
        assert_eq!(handle.execution_arn(), waiting);
        assert_eq!(handle.outcome().await, deleted());
        let record = rt.describe_execution(&waiting).await.unwrap();
        assert_eq!(record.status, Status::Failed);
        assert_eq!(
            record.cause.as_deref(),
            Some("State machine orders has been deleted.")
        );
        assert_eq!(status_of(&rt, "orders").await, None);
        // Its record stays until purged; its history, which its revision rebuilt, is gone
        // with the state machine.
        assert!(matches!(
            rt.execution_history(&waiting, PageRequest::first(100), false)
                .await,
            Err(RegistryError::HistoryUnavailable { .. })
        ));
    });
}
