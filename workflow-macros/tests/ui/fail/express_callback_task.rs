// An EXPRESS workflow cannot wait for a task token.
use workflow::prelude::*;

#[task(callback)]
async fn request_approval(ctx: &TaskContext, request: Value) -> Result<Callback<Value>, TaskError> {
    let _ = (ctx, request);
    Ok(Callback::pending())
}

workflow! {
    pub Approve(Value) {
        machine_type: EXPRESS,
        task Ask = request_approval { callback, end }
    }
}

fn main() {}
