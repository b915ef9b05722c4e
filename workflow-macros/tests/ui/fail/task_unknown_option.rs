// The only option of #[task] is `callback`.
use workflow::prelude::*;

#[task(callbak)]
async fn charge(order: Value) -> Result<Value, TaskError> {
    Ok(order)
}

fn main() {}
