//! Payment with Retry (exponential back-off on gateway timeouts) and Catch, to a declined
//! path and to an error path.
//!
//! `cargo run --example order_payment`

use std::sync::Arc;

use order_workflows::report::{orders, print_run};
use order_workflows::{OrderDoc, Payment};
use workflow::prelude::*;
use workflow::runtime::TokioClock;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Back-off waits pass at once; the history still shows them (1 s, then 2 s).
    let runtime = Runtime::builder()
        .clock(Arc::new(TokioClock::scaled(0.0)))
        .build();
    for (title, card) in [
        (
            "a flaky gateway: two timeouts, then paid",
            "4000-0000-0000-0119",
        ),
        ("a declined card", "4000-0000-0000-0002"),
        ("a gateway that never answers", "4000-0000-0000-0000"),
    ] {
        let mut order = orders::small();
        order.card = card.into();
        let execution = Payment::start(&runtime, OrderDoc::new(order)).await?;
        print_run(
            title,
            &execution.outcome().await,
            &execution.history().await,
        );
    }
    Ok(())
}
