// A name given with #[task(name = ..)] that another task of the workflow has already.
use workflow::prelude::*;

#[task]
async fn charge(order: Value) -> Result<Value, TaskError> {
    Ok(order)
}

#[task(name = "Charge")]
async fn charge_again(order: Value) -> Result<Value, TaskError> {
    Ok(order)
}

workflow! {
    pub Order(Value) {
        task First = charge { next: Second }
        task Second = charge_again { end }
    }
}

fn main() {}
