// Only a #[task(callback)] function's tokens are answered: a plain task has none.
use workflow::dsl::Callbacks;
use workflow::prelude::*;

#[task]
async fn charge(order: Value) -> Result<Value, TaskError> {
    Ok(order)
}

fn main() {
    let runtime = Runtime::new();
    let _ = Callbacks::<charge>::new(&runtime);
}
