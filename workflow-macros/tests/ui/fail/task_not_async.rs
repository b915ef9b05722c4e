// #[task] goes on an async fn: the error is on `fn`.
use workflow::prelude::*;

#[task]
fn validate(order: Value) -> Result<Value, TaskError> {
    Ok(order)
}

fn main() {}
