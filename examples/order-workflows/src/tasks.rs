//! The tasks: plain async functions, made tasks by `#[task]`. Each stays callable as a
//! normal function.
//!
//! What they need besides their input comes as `State<T>`, given once where a workflow is
//! bound (`CompleteOrder::bind(&runtime).state(warehouse).state(desk).finish()?`), never
//! from a global: the [`Warehouse`] (a database stand-in) for the stock, the
//! [`ApprovalDesk`] (a queue managers read) for the approvals.
//!
//! The rest depends only on the input (and the retry count), so that tests can drive every
//! path: an empty order is invalid; card `4000-0000-0000-0002` is declined, card
//! `4000-0000-0000-0119` times out twice then works, card `4000-0000-0000-0000` always times
//! out; an item the warehouse does not stock (a SKU starting with `discontinued`) is out of
//! stock; an e-mail address starting with `bounce@` cannot be delivered.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;
use workflow::dsl::{Callbacks, State};
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

/// Why an approval was not given.
#[derive(Debug, TaskError)]
pub enum ApprovalError {
    /// Nobody reads the approval desk.
    NoApprover(String),
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

/// The stock of the warehouse, by SKU: a stand-in for the database a real service would
/// query. Clones share the same stock.
#[derive(Clone, Debug, Default)]
pub struct Warehouse {
    shelves: Arc<Mutex<HashMap<String, Shelf>>>,
}

#[derive(Clone, Debug)]
struct Shelf {
    quantity: u32,
    bin: String,
}

impl Warehouse {
    /// An empty warehouse.
    pub fn new() -> Warehouse {
        Warehouse::default()
    }

    /// The warehouse of the examples: every SKU of the sample orders, 100 of each.
    pub fn stocked() -> Warehouse {
        let warehouse = Warehouse::new();
        for (i, sku) in ["book", "lamp", "desk", "chair", "shelf"]
            .iter()
            .enumerate()
        {
            warehouse.stock(sku, 100, &format!("bin-{}", i + 1));
        }
        warehouse
    }

    /// Puts `quantity` of `sku` in `bin`.
    pub fn stock(&self, sku: &str, quantity: u32, bin: &str) {
        let mut shelves = self.shelves.lock().unwrap_or_else(|p| p.into_inner());
        let shelf = shelves.entry(sku.to_string()).or_insert(Shelf {
            quantity: 0,
            bin: bin.to_string(),
        });
        shelf.quantity += quantity;
    }

    /// How many of `sku` are left.
    pub fn available(&self, sku: &str) -> u32 {
        let shelves = self.shelves.lock().unwrap_or_else(|p| p.into_inner());
        shelves.get(sku).map_or(0, |shelf| shelf.quantity)
    }

    /// Takes `item` off its shelf, if there are enough.
    fn reserve(&self, item: &Item) -> Option<Reservation> {
        let mut shelves = self.shelves.lock().unwrap_or_else(|p| p.into_inner());
        let shelf = shelves
            .get_mut(&item.sku)
            .filter(|shelf| shelf.quantity >= item.quantity)?;
        shelf.quantity -= item.quantity;
        Some(Reservation {
            sku: item.sku.clone(),
            bin: shelf.bin.clone(),
        })
    }
}

/// An approval asked for: what to approve, and the task token to answer (with the task's own
/// types, through [`Callbacks<request_approval>`](Callbacks)).
#[derive(Clone, Debug)]
pub struct ApprovalTicket {
    /// The order and its total.
    pub request: ApprovalRequest,
    /// The token of the waiting task.
    pub token: String,
}

/// Where approval requests go: a queue that managers read ([`ApprovalDesk::new`] gives its
/// other end). Clones send to the same queue.
#[derive(Clone, Debug)]
pub struct ApprovalDesk {
    requests: mpsc::UnboundedSender<ApprovalTicket>,
}

impl ApprovalDesk {
    /// A desk, and the queue its requests arrive in.
    pub fn new() -> (ApprovalDesk, mpsc::UnboundedReceiver<ApprovalTicket>) {
        let (requests, queue) = mpsc::unbounded_channel();
        (ApprovalDesk { requests }, queue)
    }
}

/// A manager who answers every request arriving in `queue`: approved when `decide` says so,
/// signed `grace@example.com`; `on_request` sees each ticket first. The manager answers
/// through `approvals`, which takes an [`Approval`] and nothing else, for the approval task
/// and no other: `Callbacks::new(&runtime)`.
pub fn manager(
    approvals: Callbacks<request_approval>,
    mut queue: mpsc::UnboundedReceiver<ApprovalTicket>,
    decide: impl Fn(&ApprovalRequest) -> bool + Send + 'static,
    on_request: impl Fn(&ApprovalTicket) + Send + 'static,
) {
    tokio::spawn(async move {
        while let Some(ticket) = queue.recv().await {
            on_request(&ticket);
            let approval = Approval {
                approved: decide(&ticket.request),
                by: "grace@example.com".into(),
            };
            // The task may be over (timed out, stopped): nothing is waiting for the answer.
            let _ = approvals.succeed(&ticket.token, approval).await;
        }
    });
}

/// Asks a manager to approve a large order: the request and its task token go to the
/// approval desk; the task waits until the token is answered.
#[task(callback)]
pub async fn request_approval(
    ctx: &TaskContext,
    State(desk): State<ApprovalDesk>,
    request: ApprovalRequest,
) -> Result<Callback<Approval>, ApprovalError> {
    let token = ctx
        .task_token()
        .ok_or_else(|| ApprovalError::NoApprover("the task has no token to answer".into()))?;
    let ticket = ApprovalTicket {
        request,
        token: token.to_string(),
    };
    desk.requests
        .send(ticket)
        .map_err(|_| ApprovalError::NoApprover("no manager reads the approval desk".into()))?;
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
pub async fn reserve_item(
    State(warehouse): State<Warehouse>,
    item: Item,
) -> Result<Reservation, StockError> {
    warehouse
        .reserve(&item)
        .ok_or(StockError::OutOfStock(item.sku))
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
