//! Branching on the order total: a large order waits for a manager's approval (a callback
//! task, answered here by a manager reading the approval desk) and a cooling-off Wait.
//!
//! `cargo run --example order_approval`

use std::sync::Arc;

use order_workflows::report::{orders, print_run};
use order_workflows::tasks::{ApprovalDesk, manager};
use order_workflows::{ApprovalOrder, OrderDoc};
use workflow::dsl::Callbacks;
use workflow::prelude::*;
use workflow::runtime::TokioClock;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // The 15-minute cooling-off Wait passes at once; the history still shows it.
    let runtime = Runtime::builder()
        .clock(Arc::new(TokioClock::scaled(0.0)))
        .build();
    let order = orders::large();

    // The approval desk is the callback task's state, given where the workflow is bound;
    // the manager reads its queue and approves, answering each token with an `Approval`
    // (the approval task's own type: an answer of another type does not compile).
    let (desk, queue) = ApprovalDesk::new();
    manager(
        Callbacks::new(&runtime),
        queue,
        |_| true,
        |ticket| {
            println!(
                "manager: approving order {} with task token {}...",
                ticket.request.order_id,
                &ticket.token[..12]
            );
        },
    );
    ApprovalOrder::bind(&runtime).state(desk).finish()?;

    let execution = ApprovalOrder::start(&runtime, OrderDoc::new(order)).await?;
    print_run(
        "a large order, approved",
        &execution.outcome().await,
        &execution.history().await,
    );
    Ok(())
}
