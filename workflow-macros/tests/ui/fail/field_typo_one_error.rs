// A misspelt field (`result_pth`) is one mistake, so one error: the macro does not check the
// data flow through the state it could not read (so `$.order` after it is not "missing"), and
// it still defines `Checkout`, so the code that uses the workflow compiles.
use workflow::prelude::*;

#[derive(Clone, Serialize, Deserialize)]
pub struct Order {
    pub id: String,
    pub total: f64,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct Receipt {
    pub id: String,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct ChargeRequest {
    pub order_id: String,
    pub amount: f64,
}

#[derive(Clone, Serialize, Deserialize)]
pub struct OrderDoc {
    pub order: Order,
    pub payment: Option<Receipt>,
}

#[task]
async fn charge_payment(request: ChargeRequest) -> Result<Receipt, TaskError> {
    Ok(Receipt { id: request.order_id })
}

#[task]
async fn ship_order(order: Order) -> Result<Order, TaskError> {
    Ok(order)
}

workflow! {
    pub Checkout(OrderDoc) -> OrderDoc {
        task Charge = charge_payment {
            parameters: ChargeRequest { order_id: $.order.id, amount: $.order.total },
            result_pth: $.payment,
            next: CheckTotal,
        }
        choice CheckTotal {
            when $.order.total > 100 => Ship,
            default => Done,
        }
        task Ship = ship_order {
            input_path: $.order,
            result_path: $.order,
            next: Notify,
        }
        task Notify = charge_payment {
            parameters: ChargeRequest { order_id: $.order.id, amount: $.order.total },
            result_path: null,
            next: Done,
        }
        succeed Done;
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let runtime = Runtime::new();
    let doc = OrderDoc {
        order: Order { id: "A1".into(), total: 20.0 },
        payment: None,
    };
    let execution = Checkout::start(&runtime, doc).await.unwrap();
    let done: OrderDoc = execution.output().await.unwrap();
    println!("{} {}", done.order.id, Checkout::definition().machine().states.len());
}
