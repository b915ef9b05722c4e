// The heartbeat must be shorter than the timeout: the error is on the heartbeat's literal.
use workflow::prelude::*;

#[derive(Serialize, Deserialize)]
pub struct Payment {
    pub order_id: String,
    pub amount: f64,
}

#[derive(Debug, TaskError)]
pub enum PaymentError {
    CardDeclined,
    GatewayTimeout,
}

#[task]
async fn charge_payment(payment: Payment) -> Result<Payment, PaymentError> {
    Ok(payment)
}

workflow! {
    pub Checkout(Payment) {
        task Charge = charge_payment {
            timeout_seconds: 300,
            heartbeat_seconds: 600,
            end,
        }
    }
}

fn main() {}
