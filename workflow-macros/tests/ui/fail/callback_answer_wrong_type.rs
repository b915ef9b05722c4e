// A callback task's token is answered with the task's own output type, not with any JSON.
use workflow::dsl::Callbacks;
use workflow::prelude::*;

#[derive(Serialize, Deserialize)]
pub struct Approval {
    pub approved: bool,
}

#[task(callback)]
async fn request_approval(order: Value) -> Result<Callback<Approval>, TaskError> {
    let _ = order;
    Ok(Callback::pending())
}

async fn answer(runtime: &Runtime, token: &str) {
    let approvals = Callbacks::<request_approval>::new(runtime);
    let _ = approvals.succeed(token, json!({ "aproved": "yes" })).await;
}

fn main() {
    let _ = answer;
}
