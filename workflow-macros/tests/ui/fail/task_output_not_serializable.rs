// A task's output serializes to JSON: the error is on the output type.
use workflow::prelude::*;

pub struct Receipt {
    pub id: String,
}

#[task]
async fn charge(order: Value) -> Result<Receipt, TaskError> {
    Ok(Receipt {
        id: order.to_string(),
    })
}

fn main() {}
