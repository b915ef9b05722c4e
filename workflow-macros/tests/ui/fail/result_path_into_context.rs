// A result written into the context object: ResultPath writes into the state's document only.
use workflow::prelude::*;

#[derive(Serialize, Deserialize)]
pub struct Order {
    pub id: String,
}

#[task]
async fn check_order(order: Order) -> Result<Order, TaskError> {
    Ok(order)
}

workflow! {
    pub Checkout(Order) {
        task Check = check_order { result_path: $$.Execution.Id, end }
    }
}

fn main() {}
