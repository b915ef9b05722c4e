// A catcher for States.Runtime, which AWS never retries or catches: it would never apply.
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
            catch: [ States.Runtime => Failed ],
            end,
        }
        fail Failed {}
    }
}

fn main() {}
