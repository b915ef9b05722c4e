// The task's error type has no variant `Declined`: the error is on the variant.
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
            catch: [ PaymentError::Declined => Failed ],
            end,
        }
        fail Failed { error: "PaymentFailed" }
    }
}

fn main() {}
