//! A Map over the order's items, two at a time (MaxConcurrency 2), each reserved in the
//! warehouse, the task's state.
//!
//! `cargo run --example order_items`

use order_workflows::report::{orders, print_run};
use order_workflows::tasks::Warehouse;
use order_workflows::{Item, OrderDoc, ReserveItems};
use workflow::prelude::*;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runtime = Runtime::new();
    ReserveItems::bind(&runtime)
        .state(Warehouse::stocked())
        .finish()?;
    let execution = ReserveItems::start(&runtime, OrderDoc::new(orders::large())).await?;
    print_run(
        "reserve three items",
        &execution.outcome().await,
        &execution.history().await,
    );

    let mut order = orders::large();
    order.items.push(Item {
        sku: "discontinued-vase".into(),
        quantity: 1,
    });
    let execution = ReserveItems::start(&runtime, OrderDoc::new(order)).await?;
    print_run(
        "an item out of stock",
        &execution.outcome().await,
        &execution.history().await,
    );
    Ok(())
}
