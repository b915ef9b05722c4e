//! Runs `examples/quickstart.asl.json`, an ASL definition as it would be deployed on AWS Step
//! Functions, with its Lambda functions bound to Rust closures.
//!
//! `cargo run --example quickstart`

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use workflow::prelude::*;
use workflow::runtime::TokioClock;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Waits and retry back-offs pass instantly, while the history still records the time
    // they stand for (a scale of 0.01 would make them last a hundredth of it).
    let runtime = Runtime::builder()
        .clock(Arc::new(TokioClock::scaled(0.0)))
        .build();

    runtime.bind_lambda(
        "validate-order",
        |order: Value, _ctx: TaskContext| async move {
            let items = order["order"]["items"].as_array().map_or(0, Vec::len);
            if items == 0 {
                return Err(TaskError::new(
                    "InvalidOrder",
                    "an order needs at least one item",
                ));
            }
            Ok(json!({"valid": true, "items": items}))
        },
    );

    // The card gateway times out twice, then accepts: the Retry absorbs it.
    let attempts = Arc::new(AtomicU32::new(0));
    runtime.bind_lambda("charge-card", move |payment: Value, ctx: TaskContext| {
        let attempt = attempts.fetch_add(1, Ordering::SeqCst);
        async move {
            if attempt < 2 {
                return Err(TaskError::new("GatewayTimeout", "the card gateway did not answer"));
            }
            Ok(json!({"receipt": format!("R-{}-{}", payment["orderId"].as_str().unwrap_or("?"), ctx.retry_count())}))
        }
    });

    runtime.bind_lambda(
        "reserve-item",
        |item: Value, _ctx: TaskContext| async move {
            Ok(json!({"sku": item["sku"], "reserved": true, "position": item["position"]}))
        },
    );

    let definition = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/quickstart.asl.json"
    ))?;
    let workflow = match runtime.load(&definition) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1);
        }
    };

    let order = json!({
        "order": {
            "id": "A-1001",
            "email": "ada@example.com",
            "total": 1250.0,
            "items": [{"sku": "book"}, {"sku": "lamp"}, {"sku": "desk"}]
        }
    });
    let started = std::time::Instant::now();
    let execution = runtime.start(&workflow, order).await?;
    let outcome = execution.outcome().await;

    println!("status: {}", outcome.as_str());
    match &outcome {
        ExecutionStatus::Succeeded(output) => {
            println!("output: {}", serde_json::to_string_pretty(output.as_ref())?)
        }
        other => println!("failure: {:?}", other.failure()),
    }
    let history = execution.history().await;
    let first = history.first().map_or(0, |e| e.timestamp);
    println!("\nhistory ({} events):", history.len());
    for event in &history {
        let name = match &event.details {
            workflow::core::history::EventDetails::StateEntered { name, .. }
            | workflow::core::history::EventDetails::StateExited { name, .. } => name.to_string(),
            _ => String::new(),
        };
        println!(
            "  {:>3}  +{:>7.1}s  {:<26} {}",
            event.id,
            (event.timestamp - first) as f64 / 1000.0,
            event.event_type.as_str(),
            name
        );
    }
    println!(
        "\nThe history spans an hour (the Wait) and six seconds of retry back-off; on a clock \
         scaled to 0 the run took {:?}.",
        started.elapsed()
    );
    Ok(())
}
