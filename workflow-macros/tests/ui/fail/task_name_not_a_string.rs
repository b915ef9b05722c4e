// A task's name is a string literal.
use workflow::prelude::*;

#[task(name = ChargeCard)]
async fn charge(order: Value) -> Result<Value, TaskError> {
    Ok(order)
}

fn main() {}
