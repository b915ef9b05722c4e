// A catcher for States.IntrinsicFailure, which AWS reserves for future use: a failed intrinsic
// call is reported as States.Runtime, which no catcher handles.
use workflow::prelude::*;

#[derive(Serialize, Deserialize)]
pub struct Payment {
    pub order_id: String,
    pub amount: f64,
}

#[derive(Debug, TaskError)]
pub enum PaymentError {
    CardDeclined,
}

#[task]
async fn charge_payment(payment: Payment) -> Result<Payment, PaymentError> {
    Ok(payment)
}

workflow! {
    pub Checkout(Payment) {
        task Charge = charge_payment {
            catch: [ States.IntrinsicFailure => Failed ],
            end,
        }
        fail Failed {}
    }
}

fn main() {}
