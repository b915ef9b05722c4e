// The pending callbacks of a typed execution are those of a callback task it runs.
use workflow::prelude::*;

#[task(callback)]
async fn request_approval(order: Value) -> Result<Callback<Value>, TaskError> {
    let _ = order;
    Ok(Callback::pending())
}

#[task(callback)]
async fn request_refund(order: Value) -> Result<Callback<Value>, TaskError> {
    let _ = order;
    Ok(Callback::pending())
}

workflow! {
    pub Approve(Value) {
        task Ask = request_approval { callback, end }
    }
}

async fn answer(runtime: &Runtime) {
    let execution = Approve::start(runtime, json!({})).await.unwrap();
    for pending in execution.pending::<request_refund>().await {
        let _ = pending.succeed(json!({})).await;
    }
}

fn main() {
    let _ = answer;
}
