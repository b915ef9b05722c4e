//! How the examples print a run: the outcome and a short history.

use workflow::core::history::{EventDetails, HistoryEvent};
use workflow::prelude::*;

/// Sample orders.
pub mod orders {
    use crate::domain::*;

    /// A small order, paid with a good card.
    pub fn small() -> Order {
        Order {
            id: "A-1001".into(),
            email: "ada@example.com".into(),
            phone: "+1-555-0100".into(),
            total: 120.0,
            items: vec![
                Item {
                    sku: "book".into(),
                    quantity: 1,
                },
                Item {
                    sku: "lamp".into(),
                    quantity: 2,
                },
            ],
            card: "4242-4242-4242-4242".into(),
        }
    }

    /// A large order: it needs a manager's approval.
    pub fn large() -> Order {
        Order {
            id: "B-2002".into(),
            total: 2400.0,
            items: vec![
                Item {
                    sku: "desk".into(),
                    quantity: 1,
                },
                Item {
                    sku: "chair".into(),
                    quantity: 4,
                },
                Item {
                    sku: "shelf".into(),
                    quantity: 2,
                },
            ],
            ..small()
        }
    }
}

/// Prints how a run ended and its history, one line per event.
pub fn print_run(title: &str, status: &ExecutionStatus, history: &[HistoryEvent]) {
    println!("== {title}");
    match status {
        ExecutionStatus::Succeeded(output) => println!(
            "status: SUCCEEDED\noutput: {}",
            serde_json::to_string(output.as_ref()).unwrap_or_default()
        ),
        other => {
            let failure = other.failure().cloned().unwrap_or_default();
            println!(
                "status: {}\nerror: {}\ncause: {}",
                other.as_str(),
                failure.error.unwrap_or_default(),
                failure.cause.unwrap_or_default()
            );
        }
    }
    let start = history.first().map_or(0, |e| e.timestamp);
    println!("history:");
    for event in history {
        let name = match &event.details {
            EventDetails::StateEntered { name, .. } | EventDetails::StateExited { name, .. } => {
                name.to_string()
            }
            EventDetails::MapIteration { index, .. } => format!("item {index}"),
            EventDetails::Failure {
                error: Some(error), ..
            } => error.clone(),
            _ => String::new(),
        };
        println!(
            "  {:>3} +{:>6}s {:<24} {}",
            event.id,
            (event.timestamp - start) / 1000,
            event.event_type.as_str(),
            name
        );
    }
    println!();
}
