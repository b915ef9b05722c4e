//! Typed callbacks: a callback task's token answered with the task's own output and error
//! types, from a typed execution's pending callbacks (listed by task, in the order they were
//! invoked) or by token; heartbeats; and the listing after a restart on the SQLite store,
//! where the tokens survive.

use std::time::Duration;

use workflow::dsl::{self, AnswerError, Callbacks};
use workflow::prelude::*;
use workflow::runtime::store::testing::TempDir;
use workflow_sqlite::SqliteStore;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Item {
    pub sku: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Order {
    pub id: String,
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Confirmation {
    pub sku: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Approval {
    pub approved: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Doc {
    pub order: Order,
    pub approval: Option<Approval>,
    pub error: Option<ErrorOutput>,
}

#[derive(Debug, TaskError)]
pub enum ApprovalError {
    /// Caught by the workflow: its cause is the fields as JSON.
    Rejected { reason: String },
    /// Not caught.
    Away,
}

/// Asks the warehouse to confirm one item; the answer comes through the token.
#[task(callback)]
async fn confirm_item(_item: Item) -> Result<Callback<Confirmation>, TaskError> {
    Ok(Callback::pending())
}

/// Asks a manager; the answer comes through the token.
#[task(callback)]
async fn request_approval(_order: Order) -> Result<Callback<Approval>, ApprovalError> {
    Ok(Callback::pending())
}

workflow! {
    /// Every item confirmed (one callback per item) while a manager approves.
    pub Fulfil(Order) -> (Vec<Confirmation>, Approval) {
        parallel Both {
            branch {
                map ConfirmAll {
                    items_path: $.items,
                    item_processor { task ConfirmItem = confirm_item { callback, end } },
                    end,
                }
            },
            branch { task Approve = request_approval { callback, end } },
            end,
        }
    }
}

workflow! {
    /// A manager's approval; a rejection is caught and ends the order.
    pub Approve(Doc) -> Doc {
        task Ask = request_approval {
            callback,
            input_path: $.order,
            heartbeat_seconds: 60,
            result_path: $.approval,
            catch: [ ApprovalError::Rejected => Rejected { result_path: $.error } ],
            end,
        }
        fail Rejected { error: "OrderRejected", cause_path: $.error.Cause }
    }
}

fn order() -> Order {
    Order {
        id: "A-1".into(),
        items: ["book", "lamp", "desk"]
            .map(|sku| Item { sku: sku.into() })
            .into(),
    }
}

fn doc() -> Doc {
    Doc {
        order: order(),
        approval: None,
        error: None,
    }
}

/// The pending callbacks of `T` once there are `n` (the callback functions run after the
/// start returns), within a bounded number of yields.
async fn pending_n<W, T>(execution: &dsl::TypedExecution<W>, n: usize) -> Vec<dsl::Pending<T>>
where
    W: dsl::WorkflowDefinition,
    T: dsl::CallbackOf<W>,
{
    for _ in 0..1000 {
        let pending = execution.pending::<T>().await;
        if pending.len() >= n {
            return pending;
        }
        tokio::task::yield_now().await;
    }
    panic!("fewer than {n} callbacks of {} are pending", T::NAME);
}

#[tokio::test(start_paused = true)]
async fn the_pending_callbacks_are_listed_by_task_and_answered_with_its_types() {
    let runtime = Runtime::new();
    let execution = Fulfil::start(&runtime, order()).await.unwrap();
    // One callback per item, in the order they were invoked: the order of the items.
    let confirmations = pending_n::<Fulfil, confirm_item>(&execution, 3).await;
    let states: Vec<&str> = confirmations.iter().map(|p| p.state_name()).collect();
    assert_eq!(states, ["ConfirmItem"; 3]);
    // The other task's callback is listed under its own task only.
    let approvals = pending_n::<Fulfil, request_approval>(&execution, 1).await;
    assert_eq!(approvals.len(), 1);
    assert_eq!(approvals[0].state_name(), "Approve");
    let untyped = execution.handle().pending_callbacks().await;
    assert_eq!(untyped.len(), 4);
    assert!(
        untyped
            .iter()
            .any(|p| p.state_name == "Approve" && p.token == approvals[0].token())
    );

    for (pending, sku) in confirmations.into_iter().zip(["book", "lamp", "desk"]) {
        pending
            .succeed(Confirmation { sku: sku.into() })
            .await
            .unwrap();
    }
    for pending in approvals {
        pending.succeed(Approval { approved: true }).await.unwrap();
    }
    let (confirmed, approval) = execution.output().await.unwrap();
    let skus: Vec<&str> = confirmed.iter().map(|c| c.sku.as_str()).collect();
    assert_eq!(skus, ["book", "lamp", "desk"]);
    assert_eq!(approval, Approval { approved: true });
    assert!(execution.pending::<confirm_item>().await.is_empty());
}

/// A failure is a variant of the task's error type: its name is what Catch matches, its
/// cause (a variant with fields: the fields as JSON, as for a task's own error) what the
/// catcher passes on.
#[tokio::test(start_paused = true)]
async fn a_failure_with_the_tasks_error_is_caught_by_its_variant() {
    let runtime = Runtime::new();
    let execution = Approve::start(&runtime, doc()).await.unwrap();
    let pending = pending_n::<Approve, request_approval>(&execution, 1).await;
    for pending in pending {
        pending
            .fail(ApprovalError::Rejected {
                reason: "over budget".into(),
            })
            .await
            .unwrap();
    }
    let failure = execution.outcome().await.failure().cloned().unwrap();
    assert_eq!(failure.error.as_deref(), Some("OrderRejected"));
    assert_eq!(
        failure.cause.as_deref(),
        Some(r#"{"reason":"over budget"}"#)
    );
}

/// A variant the workflow does not catch fails it with the variant's name.
#[tokio::test(start_paused = true)]
async fn a_failure_by_token_that_nothing_catches_fails_the_execution() {
    let runtime = Runtime::new();
    let execution = Approve::start(&runtime, doc()).await.unwrap();
    let token = pending_n::<Approve, request_approval>(&execution, 1).await[0]
        .token()
        .to_string();
    let approvals = Callbacks::<request_approval>::new(&runtime);
    approvals.fail(&token, ApprovalError::Away).await.unwrap();
    let failure = execution.outcome().await.failure().cloned().unwrap();
    assert_eq!(failure.error.as_deref(), Some("Away"));
    assert_eq!(failure.cause, None);
    // The token is spent.
    match approvals.succeed(&token, Approval { approved: true }).await {
        Err(AnswerError::Refused(workflow::runtime::CallbackError::TaskDoesNotExist)) => {}
        other => panic!("{other:?}"),
    }
}

/// Heartbeats keep a task with `heartbeat_seconds: 60` alive past a minute.
#[tokio::test(start_paused = true)]
async fn heartbeats_keep_a_pending_callback_alive() {
    let runtime = Runtime::new();
    let execution = Approve::start(&runtime, doc()).await.unwrap();
    let pending = pending_n::<Approve, request_approval>(&execution, 1)
        .await
        .pop()
        .unwrap();
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_secs(50)).await;
        pending.heartbeat().await.unwrap();
    }
    // 150 s after the task started, it still waits: each heartbeat started the 60 s again.
    assert!(execution.handle().try_outcome().is_none());
    pending.succeed(Approval { approved: true }).await.unwrap();
    let done = execution.output().await.unwrap();
    assert_eq!(done.approval, Some(Approval { approved: true }));
}

/// An output that is not JSON (a map with keys that are not strings) is refused before it is
/// sent, as AWS refuses it (`InvalidOutput`).
#[tokio::test(start_paused = true)]
async fn an_output_that_is_not_json_is_refused() {
    #[task(callback)]
    async fn tally(
        _order: Order,
    ) -> Result<Callback<std::collections::HashMap<(u8, u8), u8>>, TaskError> {
        Ok(Callback::pending())
    }
    let runtime = Runtime::new();
    let output = std::collections::HashMap::from([((1, 2), 3)]);
    match Callbacks::<tally>::new(&runtime)
        .succeed("any", output)
        .await
    {
        Err(AnswerError::InvalidOutput(e)) => {
            assert!(e.to_string().contains("key must be a string"), "{e}")
        }
        other => panic!("{other:?}"),
    }
}

/// Runs `body` in a tokio runtime of its own, dropped when `body` returns, with every task it
/// ran: as a process that stops.
fn session<T>(body: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
        .block_on(body)
}

/// The tokens survive a restart: the execution's pending callbacks are listed by ARN, typed,
/// before the runtime resumes it (from its journal) and after, and answered.
#[test]
fn the_pending_callbacks_survive_a_restart_on_the_sqlite_store() {
    let dir = TempDir::new_in(env!("CARGO_TARGET_TMPDIR"), "typed-callbacks");
    let (arn, token) = session(async {
        let runtime = Runtime::builder()
            .store(SqliteStore::open(dir.store_path()).unwrap())
            .build();
        let execution = Approve::start(&runtime, doc()).await.unwrap();
        let pending = pending_n::<Approve, request_approval>(&execution, 1).await;
        let arn = execution.handle().execution_arn().to_string();
        // Handed over and journaled before the process stops.
        while runtime
            .store()
            .journal(&arn)
            .await
            .unwrap()
            .map_or(0, |(_, entries)| entries.len())
            == 0
        {
            tokio::task::yield_now().await;
        }
        (arn, pending[0].token().to_string())
    });
    let output = session(async {
        let runtime = Runtime::builder()
            .store(SqliteStore::open(dir.store_path()).unwrap())
            .build();
        let tokens = |pending: &[dsl::Pending<request_approval>]| -> Vec<(String, String)> {
            pending
                .iter()
                .map(|p| (p.state_name().to_string(), p.token().to_string()))
                .collect()
        };
        let expected = vec![("Ask".to_string(), token.clone())];
        let before = dsl::pending::<Approve, request_approval>(&runtime, &arn)
            .await
            .unwrap();
        assert_eq!(tokens(&before), expected);
        let mut resumed = runtime.resume().await.unwrap();
        assert_eq!(resumed.len(), 1);
        let after = dsl::pending::<Approve, request_approval>(&runtime, &arn)
            .await
            .unwrap();
        assert_eq!(tokens(&after), expected);
        for pending in after {
            pending.succeed(Approval { approved: true }).await.unwrap();
        }
        let handle = resumed.pop().unwrap();
        handle.outcome().await.output().cloned()
    });
    let done: Doc = serde_json::from_value(output.expect("it succeeded")).unwrap();
    assert_eq!(done.approval, Some(Approval { approved: true }));
}
