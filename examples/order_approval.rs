//! Branching on the order total: a large order waits for a manager's approval (a callback
//! task, answered here by the example itself) and a cooling-off Wait.
//!
//! `cargo run --example order_approval`

use std::sync::Arc;

use order_workflows::report::{orders, print_run};
use order_workflows::tasks::approve_when_asked;
use order_workflows::{ApprovalOrder, OrderDoc};
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
    approve_when_asked(&runtime, &order.id, true, |token| {
        println!("manager: approving with task token {}...", &token[..12]);
    });

    let execution = ApprovalOrder::start(&runtime, OrderDoc::new(order)).await?;
    print_run(
        "a large order, approved",
        &execution.outcome().await,
        &execution.history().await,
    );
    Ok(())
}
