// A task's input deserializes from JSON: the error is on the input type.
use workflow::prelude::*;

pub struct Order {
    pub id: String,
}

#[task]
async fn validate(order: Order) -> Result<Value, TaskError> {
    Ok(Value::String(order.id))
}

fn main() {}
