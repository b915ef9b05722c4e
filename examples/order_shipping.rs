//! Shipping and notifications in parallel; a bounced e-mail fails the whole Parallel state,
//! which a Catch turns into a clear failure.
//!
//! `cargo run --example order_shipping`

use order_workflows::report::{orders, print_run};
use order_workflows::{OrderDoc, ShipAndNotify};
use workflow::prelude::*;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runtime = Runtime::new();
    let execution = ShipAndNotify::start(&runtime, OrderDoc::new(orders::small())).await?;
    print_run(
        "ship and notify",
        &execution.outcome().await,
        &execution.history().await,
    );

    let mut order = orders::small();
    order.email = "bounce@example.com".into();
    let execution = ShipAndNotify::start(&runtime, OrderDoc::new(order)).await?;
    print_run(
        "an e-mail that bounces",
        &execution.outcome().await,
        &execution.history().await,
    );
    Ok(())
}
