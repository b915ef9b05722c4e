// A task takes one input (and optionally &TaskContext).
use workflow::prelude::*;

#[task]
async fn charge(order: Value, amount: f64) -> Result<Value, TaskError> {
    let _ = amount;
    Ok(order)
}

fn main() {}
