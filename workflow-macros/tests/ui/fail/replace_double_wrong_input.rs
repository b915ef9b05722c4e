// A test double takes the task's own input type.
use workflow::prelude::*;

#[derive(Serialize, Deserialize)]
pub struct Order {
    pub id: String,
}

#[derive(Serialize, Deserialize)]
pub struct Receipt {
    pub id: String,
}

#[derive(Debug, TaskError)]
pub enum PaymentError {
    CardDeclined,
}

#[task]
async fn charge(order: Order) -> Result<Receipt, PaymentError> {
    Ok(Receipt { id: order.id })
}

workflow! {
    pub Pay(Order) -> Receipt {
        task Charge = charge { end }
    }
}

fn main() {
    let runtime = Runtime::new();
    let _ = Pay::bind(&runtime)
        .replace::<charge>(|receipt: Receipt| async move { Ok(receipt) })
        .finish();
}
