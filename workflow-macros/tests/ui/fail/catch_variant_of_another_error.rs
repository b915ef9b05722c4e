// A variant of another task's error type: charge_payment cannot raise it.
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

#[derive(Debug, TaskError)]
pub enum OrderError {
    Invalid,
}

workflow! {
    pub Checkout(Payment) {
        task Charge = charge_payment {
            catch: [ OrderError::Invalid => Failed ],
            end,
        }
        fail Failed { error: "PaymentFailed" }
    }
}

fn main() {}
