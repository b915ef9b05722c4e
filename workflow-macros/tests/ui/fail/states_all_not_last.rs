// A catcher after States.ALL would never be used: States.ALL comes last.
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
            catch: [
                States.ALL => Failed,
                PaymentError::CardDeclined => Declined,
            ],
            end,
        }
        fail Failed { error: "PaymentFailed" }
        fail Declined { error: "PaymentDeclined" }
    }
}

fn main() {}
