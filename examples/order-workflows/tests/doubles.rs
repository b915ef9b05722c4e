//! The order workflows in tests: the tasks' states given where a workflow is bound, typed
//! test doubles in place of the tasks a test does not want to run (the payment gateway, the
//! manager, the mailer), and the approval answered as a manager would, with the approval
//! task's own types.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use order_workflows::report::orders;
use order_workflows::tasks::{
    ApprovalDesk, ApprovalError, NotifyError, PaymentError, Warehouse, charge_payment, manager,
    request_approval, send_email,
};
use order_workflows::*;
use workflow::dsl::Callbacks;
use workflow::prelude::*;

/// A runtime whose every task is real but the approval, which a double answers.
fn with_manager_approving(approved: bool) -> (Runtime, Warehouse) {
    let runtime = Runtime::new();
    let warehouse = Warehouse::stocked();
    CompleteOrder::bind(&runtime)
        .state(warehouse.clone())
        .replace::<request_approval>(move |request: ApprovalRequest| async move {
            Ok(Approval {
                approved: approved && request.total < 5000.0,
                by: "double".into(),
            })
        })
        .finish()
        .expect("the tasks bind");
    (runtime, warehouse)
}

#[tokio::test(start_paused = true)]
async fn a_large_order_approved_is_charged_and_reserved() {
    let (runtime, warehouse) = with_manager_approving(true);
    let execution = CompleteOrder::start(&runtime, OrderDoc::new(orders::large()))
        .await
        .unwrap();
    let done = execution.output().await.unwrap();
    assert_eq!(done.approval.map(|a| a.by).as_deref(), Some("double"));
    assert_eq!(done.payment.map(|p| p.amount), Some(2400.0));
    // The large order takes 1 desk, 4 chairs and 2 shelves from the 100 of each in stock.
    assert_eq!(warehouse.available("desk"), 99);
    assert_eq!(warehouse.available("chair"), 96);
    assert_eq!(warehouse.available("shelf"), 98);
}

#[tokio::test(start_paused = true)]
async fn a_large_order_not_approved_fails_and_reserves_nothing() {
    let (runtime, warehouse) = with_manager_approving(false);
    let execution = CompleteOrder::start(&runtime, OrderDoc::new(orders::large()))
        .await
        .unwrap();
    let failure = execution.outcome().await.failure().cloned().unwrap();
    assert_eq!(failure.error.as_deref(), Some("OrderRejected"));
    assert_eq!(warehouse.available("desk"), 100);
}

/// The gateway declines: the double has the task's own error type, so the workflow's Catch
/// on `PaymentError::CardDeclined` takes it, and nothing is reserved.
#[tokio::test(start_paused = true)]
async fn a_declined_card_stops_the_order_before_the_warehouse() {
    let runtime = Runtime::new();
    let warehouse = Warehouse::stocked();
    let (desk, queue) = ApprovalDesk::new();
    manager(Callbacks::new(&runtime), queue, |_| true, |_| {});
    CompleteOrder::bind(&runtime)
        .state(warehouse.clone())
        .state(desk)
        .replace::<charge_payment>(|_request: ChargeRequest| async move {
            Err(PaymentError::CardDeclined {
                code: "stolen_card".into(),
            })
        })
        .finish()
        .unwrap();
    let execution = CompleteOrder::start(&runtime, OrderDoc::new(orders::small()))
        .await
        .unwrap();
    let failure = execution.outcome().await.failure().cloned().unwrap();
    assert_eq!(failure.error.as_deref(), Some("PaymentDeclined"));
    assert_eq!(
        failure.cause.as_deref(),
        Some(r#"{"code":"stolen_card"}"#),
        "the cause of a CardDeclined {{ code }} is its fields as JSON"
    );
    assert_eq!(warehouse.available("book"), 100);
}

/// A flaky gateway, as a double counting its calls: the Retry on `GatewayTimeout` calls it
/// three times (the first attempt and two retries), the third succeeds.
#[tokio::test(start_paused = true)]
async fn a_gateway_timeout_is_retried() {
    let runtime = Runtime::new();
    let calls = Arc::new(AtomicU32::new(0));
    let counted = calls.clone();
    Payment::bind(&runtime)
        .replace::<charge_payment>(move |request: ChargeRequest| {
            let attempt = counted.fetch_add(1, Ordering::SeqCst);
            async move {
                if attempt < 2 {
                    return Err(PaymentError::GatewayTimeout);
                }
                Ok(Receipt {
                    id: format!("R-{}", request.order_id),
                    amount: request.amount,
                })
            }
        })
        .finish()
        .unwrap();
    let execution = Payment::start(&runtime, OrderDoc::new(orders::small()))
        .await
        .unwrap();
    let done = execution.output().await.unwrap();
    assert_eq!(done.payment.map(|p| p.id).as_deref(), Some("R-A-1001"));
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

/// The mailer bounces: the Parallel state fails, and its Catch says so.
#[tokio::test(start_paused = true)]
async fn a_bounced_email_fails_the_notifications() {
    let runtime = Runtime::new();
    ShipAndNotify::bind(&runtime)
        .replace::<send_email>(|message: Message| async move {
            Err(NotifyError::Undeliverable(message.to))
        })
        .finish()
        .unwrap();
    let execution = ShipAndNotify::start(&runtime, OrderDoc::new(orders::small()))
        .await
        .unwrap();
    let failure = execution.outcome().await.failure().cloned().unwrap();
    assert_eq!(failure.error.as_deref(), Some("NotificationFailed"));
    assert_eq!(failure.cause.as_deref(), Some("ada@example.com"));
}

/// Without its states, the complete order does not start, and says what is missing.
#[tokio::test(start_paused = true)]
async fn the_complete_order_needs_its_states() {
    let runtime = Runtime::new();
    let refused = CompleteOrder::start(&runtime, OrderDoc::new(orders::small()))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("State<order_workflows::tasks::ApprovalDesk>")
            && refused.contains("State<order_workflows::tasks::Warehouse>"),
        "{refused}"
    );
}

/// A large order waits for its approval: the test answers it as the manager would, from the
/// execution's pending callbacks, with an `Approval` (the approval task's own type).
#[tokio::test(start_paused = true)]
async fn a_pending_approval_is_answered_with_the_tasks_type() {
    let runtime = Runtime::new();
    let warehouse = Warehouse::stocked();
    let (desk, mut queue) = ApprovalDesk::new();
    CompleteOrder::bind(&runtime)
        .state(warehouse.clone())
        .state(desk)
        .finish()
        .unwrap();
    let execution = CompleteOrder::start(&runtime, OrderDoc::new(orders::large()))
        .await
        .unwrap();
    // The request reaches the desk once the approval task runs: it then waits.
    let ticket = queue.recv().await.unwrap();
    let pending = execution.pending::<request_approval>().await;
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].state_name(), "RequestApproval");
    assert_eq!(pending[0].token(), ticket.token);
    for approval in pending {
        approval.heartbeat().await.unwrap();
        approval
            .succeed(Approval {
                approved: true,
                by: "test".into(),
            })
            .await
            .unwrap();
    }
    let done = execution.output().await.unwrap();
    assert_eq!(done.approval.map(|a| a.by).as_deref(), Some("test"));
    assert_eq!(done.payment.map(|p| p.amount), Some(2400.0));
    assert!(execution.pending::<request_approval>().await.is_empty());
}

/// An approval failed with a variant of the task's error type fails the task with that
/// variant's name and cause, as the task's function failing with it would; the workflow
/// catches nothing there, so the order fails with it.
#[tokio::test(start_paused = true)]
async fn an_approval_failed_with_the_tasks_error_fails_the_order() {
    let runtime = Runtime::new();
    let (desk, mut queue) = ApprovalDesk::new();
    ApprovalOrder::bind(&runtime).state(desk).finish().unwrap();
    let execution = ApprovalOrder::start(&runtime, OrderDoc::new(orders::large()))
        .await
        .unwrap();
    // By token, as code that holds only the ticket answers.
    let ticket = queue.recv().await.unwrap();
    Callbacks::<request_approval>::new(&runtime)
        .fail(
            &ticket.token,
            ApprovalError::NoApprover("the manager is away".into()),
        )
        .await
        .unwrap();
    let failure = execution.outcome().await.failure().cloned().unwrap();
    assert_eq!(failure.error.as_deref(), Some("NoApprover"));
    assert_eq!(failure.cause.as_deref(), Some("the manager is away"));
}
