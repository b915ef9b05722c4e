// A predefined error name that does not exist (States.Timeout is meant).
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
            retry: [ States.Tiemout => { max_attempts: 2 } ],
            end,
        }
    }
}

fn main() {}
