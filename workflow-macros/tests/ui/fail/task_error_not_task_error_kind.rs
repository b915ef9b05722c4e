// A task's error type is a #[derive(TaskError)] enum or TaskError.
use workflow::prelude::*;

#[task]
async fn charge(order: Value) -> Result<Value, String> {
    Ok(order)
}

fn main() {}
