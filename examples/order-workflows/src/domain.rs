//! The order domain: what flows through the workflows.

use serde::{Deserialize, Serialize};
use workflow::dsl::ErrorOutput;

/// A customer's order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Order {
    /// Order id.
    pub id: String,
    /// The customer's e-mail address.
    pub email: String,
    /// The customer's phone number, for text messages.
    pub phone: String,
    /// Order total, in dollars.
    pub total: f64,
    /// What was ordered.
    pub items: Vec<Item>,
    /// The card to charge.
    pub card: String,
}

/// One line of an order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Item {
    /// Stock-keeping unit.
    pub sku: String,
    /// How many.
    pub quantity: u32,
}

/// The document the order workflows carry from state to state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrderDoc {
    /// The order.
    pub order: Order,
    /// The approval of a large order.
    pub approval: Option<Approval>,
    /// The payment receipt.
    pub payment: Option<Receipt>,
    /// One reservation per item.
    pub reservations: Option<Vec<Reservation>>,
    /// The shipment.
    pub shipment: Option<Shipment>,
    /// What the customer was told: shipment, e-mail and text message.
    pub notifications: Option<(Shipment, Notification, Notification)>,
    /// The error of a failed step, when one was caught.
    pub error: Option<ErrorOutput>,
}

impl OrderDoc {
    /// A new order, nothing done yet.
    pub fn new(order: Order) -> OrderDoc {
        OrderDoc {
            order,
            approval: None,
            payment: None,
            reservations: None,
            shipment: None,
            notifications: None,
            error: None,
        }
    }
}

/// Sent to whoever approves large orders.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ApprovalRequest {
    /// The order.
    pub order_id: String,
    /// Its total.
    pub total: f64,
}

/// A manager's decision on a large order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Approval {
    /// Approved or not.
    pub approved: bool,
    /// Who decided.
    pub by: String,
}

/// What the payment gateway is asked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChargeRequest {
    /// The order.
    pub order_id: String,
    /// How much.
    pub amount: f64,
    /// Which card.
    pub card: String,
}

/// A payment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Receipt {
    /// Receipt id.
    pub id: String,
    /// Amount charged.
    pub amount: f64,
}

/// A reserved item.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Reservation {
    /// Stock-keeping unit.
    pub sku: String,
    /// Warehouse bin.
    pub bin: String,
}

/// What the carrier is asked.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShipmentRequest {
    /// The order.
    pub order_id: String,
    /// What to ship.
    pub items: Vec<Item>,
}

/// A shipment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Shipment {
    /// Tracking number.
    pub tracking: String,
}

/// A message to the customer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// E-mail address or phone number.
    pub to: String,
    /// The order it is about.
    pub order_id: String,
}

/// A message sent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Notification {
    /// Channel: email or sms.
    pub channel: String,
    /// Recipient.
    pub to: String,
}
