// An option of #[task] given twice.
use workflow::prelude::*;

#[task(name = "ChargeCard", callback, name = "Charge")]
async fn charge(order: Value) -> Result<Callback<Value>, TaskError> {
    Ok(Callback::pending())
}

fn main() {}
