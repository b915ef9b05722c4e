// result_path writes the Receipt into a field of another type: the error is on the path.
use workflow::prelude::*;

#[derive(Serialize, Deserialize)]
pub struct Order {
    pub id: String,
    pub total: f64,
    pub items: Vec<String>,
    pub receipt: Option<Receipt>,
}

#[derive(Serialize, Deserialize)]
pub struct Receipt {
    pub id: String,
}

#[derive(Serialize, Deserialize)]
pub struct Payment {
    pub order_id: String,
    pub amount: f64,
}

#[task]
async fn charge_payment(payment: Payment) -> Result<Receipt, TaskError> {
    Ok(Receipt {
        id: payment.order_id,
    })
}

#[task]
async fn ship_order(order: Order) -> Result<Order, TaskError> {
    Ok(order)
}

workflow! {
    pub Checkout(Order) {
        task Charge = charge_payment {
            parameters: Payment { order_id: $.id, amount: $.total },
            result_path: $.items,
            end,
        }
    }
}

fn main() {}
