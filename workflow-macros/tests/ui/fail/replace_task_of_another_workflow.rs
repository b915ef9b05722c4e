// A test double replaces a task of the workflow bound, not a function it does not run.
use workflow::prelude::*;

#[task]
async fn charge(order: Value) -> Result<Value, TaskError> {
    Ok(order)
}

#[task]
async fn refund(order: Value) -> Result<Value, TaskError> {
    Ok(order)
}

workflow! {
    pub Pay(Value) {
        task Charge = charge { end }
    }
}

fn main() {
    let runtime = Runtime::new();
    let _ = Pay::bind(&runtime)
        .replace::<refund>(|order: Value| async move { Ok(order) })
        .finish();
}
