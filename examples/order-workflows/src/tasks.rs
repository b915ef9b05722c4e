//! The tasks: plain async functions, made tasks by `#[task]`. Each stays callable as a
//! normal function.
//!
//! Their behaviour depends only on their input (and the retry count), so that tests can
//! drive every path: an empty order is invalid; card `4000-0000-0000-0002` is declined, card
//! `4000-0000-0000-0119` times out twice then works, card `4000-0000-0000-0000` always times
//! out; a SKU starting with `discontinued` is out of stock; an e-mail address starting with
//! `bounce@` cannot be delivered.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use tokio::sync::oneshot;
use workflow::dsl::Callback;
use workflow::prelude::*;

use crate::domain::*;

/// Why an order is refused.
#[derive(Debug, TaskError)]
pub enum OrderError {
    /// The order cannot be processed.
    InvalidOrder {
        /// Why.
        reason: String,
    },
}

/// What the payment gateway can answer.
#[derive(Debug, TaskError)]
pub enum PaymentError {
    /// The card issuer said no.
    CardDeclined {
        /// The issuer's code.
        code: String,
    },
    /// The gateway did not answer in time (worth a retry).
    GatewayTimeout,
}

/// What the warehouse can answer.
#[derive(Debug, TaskError)]
pub enum StockError {
    /// The item is no longer stocked.
    OutOfStock(String),
}

/// What the messaging service can answer.
#[derive(Debug, TaskError)]
pub enum NotifyError {
    /// The address does not accept messages.
    Undeliverable(String),
}

/// Checks an order.
#[task]
pub async fn validate_order(order: Order) -> Result<Order, OrderError> {
    if order.items.is_empty() {
        return Err(OrderError::InvalidOrder {
            reason: "an order needs at least one item".into(),
        });
    }
    if order.total <= 0.0 {
        return Err(OrderError::InvalidOrder {
            reason: format!("the total must be positive, not {}", order.total),
        });
    }
    Ok(order)
}

type Approvers = Mutex<HashMap<String, oneshot::Sender<String>>>;

fn approvers() -> &'static Approvers {
    static APPROVERS: OnceLock<Approvers> = OnceLock::new();
    APPROVERS.get_or_init(Default::default)
}

/// Registers who will approve `order_id`: the returned receiver gets the task token once the
/// workflow asks for the approval. Answer it with `Runtime::send_task_success`.
pub fn expect_approval_request(order_id: &str) -> oneshot::Receiver<String> {
    let (tx, rx) = oneshot::channel();
    approvers()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(order_id.to_string(), tx);
    rx
}

/// A manager who answers the approval request of `order_id` (if the workflow asks) with
/// `approved`, signed `grace@example.com`; `on_request` sees the task token first.
pub fn approve_when_asked(
    runtime: &Runtime,
    order_id: &str,
    approved: bool,
    on_request: impl FnOnce(&str) + Send + 'static,
) {
    let request = expect_approval_request(order_id);
    let runtime = runtime.clone();
    tokio::spawn(async move {
        if let Ok(token) = request.await {
            on_request(&token);
            let approval = Approval {
                approved,
                by: "grace@example.com".into(),
            };
            let _ = runtime
                .send_task_success(&token, serde_json::to_value(approval).unwrap_or_default())
                .await;
        }
    });
}

/// Asks a manager to approve a large order: the task token goes to whoever registered for
/// the order with [`expect_approval_request`]; the task waits until the token is answered.
#[task(callback)]
pub async fn request_approval(
    ctx: &TaskContext,
    request: ApprovalRequest,
) -> Result<Callback<Approval>, TaskError> {
    let approver = approvers()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&request.order_id);
    let (Some(approver), Some(token)) = (approver, ctx.task_token()) else {
        return Err(TaskError::new(
            "NoApprover",
            format!("nobody approves order {}", request.order_id),
        ));
    };
    approver
        .send(token.to_string())
        .map_err(|_| TaskError::new("NoApprover", "the approver is gone"))?;
    Ok(Callback::pending())
}

/// Charges a card.
#[task]
pub async fn charge_payment(
    ctx: &TaskContext,
    request: ChargeRequest,
) -> Result<Receipt, PaymentError> {
    match request.card.as_str() {
        "4000-0000-0000-0002" => Err(PaymentError::CardDeclined {
            code: "insufficient_funds".into(),
        }),
        "4000-0000-0000-0000" => Err(PaymentError::GatewayTimeout),
        "4000-0000-0000-0119" if ctx.retry_count() < 2 => Err(PaymentError::GatewayTimeout),
        _ => Ok(Receipt {
            id: format!("R-{}", request.order_id),
            amount: request.amount,
        }),
    }
}

/// Reserves one item in the warehouse.
#[task]
pub async fn reserve_item(item: Item) -> Result<Reservation, StockError> {
    if item.sku.starts_with("discontinued") {
        return Err(StockError::OutOfStock(item.sku));
    }
    Ok(Reservation {
        bin: format!("bin-{}", item.sku.len()),
        sku: item.sku,
    })
}

/// Hands the order to the carrier.
#[task]
pub async fn ship_order(request: ShipmentRequest) -> Result<Shipment, TaskError> {
    Ok(Shipment {
        tracking: format!("1Z-{}-{}", request.order_id, request.items.len()),
    })
}

/// E-mails the customer.
#[task]
pub async fn send_email(message: Message) -> Result<Notification, NotifyError> {
    if message.to.starts_with("bounce@") {
        return Err(NotifyError::Undeliverable(message.to));
    }
    Ok(Notification {
        channel: "email".into(),
        to: message.to,
    })
}

/// Texts the customer.
#[task]
pub async fn send_sms(message: Message) -> Result<Notification, NotifyError> {
    Ok(Notification {
        channel: "sms".into(),
        to: message.to,
    })
}
