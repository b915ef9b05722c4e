//! A sequential order flow: validate, charge, ship.
//!
//! `cargo run --example order_sequential`

use order_workflows::report::{orders, print_run};
use order_workflows::{OrderDoc, SequentialOrder};
use workflow::prelude::*;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runtime = Runtime::new();
    let execution = SequentialOrder::start(&runtime, OrderDoc::new(orders::small())).await?;
    print_run(
        "a small order",
        &execution.outcome().await,
        &execution.history().await,
    );
    Ok(())
}
