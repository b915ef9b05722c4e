// A task returns Result<Output, Error>.
use workflow::prelude::*;

#[task]
async fn charge(order: Value) -> Value {
    order
}

fn main() {}
