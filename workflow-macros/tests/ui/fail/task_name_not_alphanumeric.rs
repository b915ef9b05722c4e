// A task's name is ASCII letters and digits: it names a resource and a template's function.
use workflow::prelude::*;

#[task(name = "charge-card")]
async fn charge(order: Value) -> Result<Value, TaskError> {
    Ok(order)
}

fn main() {}
