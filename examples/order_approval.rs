//! Branching on the order total: a large order waits for a manager's approval (a callback
//! task, answered here by the example itself) and a cooling-off Wait.
//!
//! `cargo run --example order_approval`

use std::sync::Arc;

use order_workflows::report::{orders, print_run};
use order_workflows::tasks::expect_approval_request;
use order_workflows::{Approval, ApprovalOrder, OrderDoc};
use workflow::prelude::*;
use workflow::runtime::TokioClock;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The 15-minute cooling-off Wait passes at once; the history still shows it.
    let runtime = Runtime::builder()
        .clock(Arc::new(TokioClock::scaled(0.0)))
        .build();
    let order = orders::large();

    // The manager: waits for the approval request, then approves.
    let request = expect_approval_request(&order.id);
    let manager = runtime.clone();
    tokio::spawn(async move {
        if let Ok(token) = request.await {
            println!("manager: approving with task token {}...", &token[..12]);
            let approval = Approval {
                approved: true,
                by: "grace@example.com".into(),
            };
            let _ = manager
                .send_task_success(&token, serde_json::to_value(approval).unwrap_or_default());
        }
    });

    let execution = ApprovalOrder::start(&runtime, OrderDoc::new(order))?;
    print_run(
        "a large order, approved",
        &execution.outcome().await,
        &execution.history().await,
    );
    Ok(())
}
