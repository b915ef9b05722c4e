//! The complete order workflow, written with the `workflow!` DSL: validation, a manager's
//! approval for large orders, payment with retries, a Map over the items and a Parallel
//! fulfilment. Prints the outcome, a short history, and the ASL it deploys as.
//!
//! `cargo run --example order_complete`

use std::sync::Arc;

use order_workflows::report::{orders, print_run};
use order_workflows::tasks::{ApprovalDesk, Warehouse, manager};
use order_workflows::{CompleteOrder, OrderDoc};
use workflow::dsl::Callbacks;
use workflow::prelude::*;
use workflow::runtime::TokioClock;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runtime = Runtime::builder()
        .clock(Arc::new(TokioClock::scaled(0.0)))
        .build();
    let order = orders::large();
    // What the tasks need, given once: the warehouse's stock and the approval desk, which a
    // manager reads.
    let warehouse = Warehouse::stocked();
    let (desk, queue) = ApprovalDesk::new();
    manager(Callbacks::new(&runtime), queue, |_| true, |_| {});
    CompleteOrder::bind(&runtime)
        .state(warehouse.clone())
        .state(desk)
        .finish()?;

    let execution = CompleteOrder::start(&runtime, OrderDoc::new(order)).await?;
    let outcome = execution.outcome().await;
    print_run("the complete order", &outcome, &execution.history().await);
    let order = execution.output().await?;
    println!(
        "paid {}, {} items reserved, tracking {}",
        order
            .payment
            .map_or("nothing".to_string(), |p| format!("{:.2}", p.amount)),
        order.reservations.map_or(0, |r| r.len()),
        order
            .notifications
            .map(|n| n.0.tracking)
            .unwrap_or_default()
    );
    println!(
        "desks left in the warehouse: {}",
        warehouse.available("desk")
    );
    println!(
        "\nDeploy it with `${{Name}}` resources resolved to your functions; the first lines of its ASL:\n{}",
        CompleteOrder::asl_json()
            .lines()
            .take(12)
            .collect::<Vec<_>>()
            .join("\n")
    );
    Ok(())
}
