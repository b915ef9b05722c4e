// A #[task(callback)] function runs only in a state marked `callback`.
use workflow::prelude::*;

#[derive(Serialize, Deserialize)]
pub struct Approval {
    pub approved: bool,
}

#[task(callback)]
async fn request_approval(
    ctx: &TaskContext,
    request: Value,
) -> Result<Callback<Approval>, TaskError> {
    let _ = (ctx, request);
    Ok(Callback::pending())
}

workflow! {
    pub Approve(Value) {
        task Ask = request_approval { end }
    }
}

fn main() {}
