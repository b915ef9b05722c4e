// `#[task(callback, name = "...")]` and `#[task(name = "...")]` name the resources; tasks take
// `State<T>` values, given where the workflow is bound.
use std::sync::Arc;

use workflow::dsl::{BindProblem, State, Task};
use workflow::prelude::*;

pub struct Db {
    pub limit: f64,
}

#[derive(Clone)]
pub struct Desk;

#[task(callback, name = "AskManager")]
async fn request_approval(
    ctx: &TaskContext,
    State(desk): State<Desk>,
    order: Value,
) -> Result<Callback<Value>, TaskError> {
    let _ = (ctx, desk, order);
    Ok(Callback::pending())
}

#[task(name = "ChargeCard")]
async fn charge(order: Value, State(db): State<Arc<Db>>) -> Result<Value, TaskError> {
    match order["total"].as_f64() {
        Some(total) if total <= db.limit => Ok(order),
        _ => Err(TaskError::new("OverLimit", "over the limit")),
    }
}

workflow! {
    pub Approve(Value) {
        task Ask = request_approval { callback, result_path: $.approval, next: Charge }
        task Charge = charge { end }
    }
}

fn main() {
    let asl = Approve::asl_json();
    assert!(asl.contains(r#""FunctionName": "${AskManager}""#), "{asl}");
    assert!(asl.contains(r#""Resource": "${ChargeCard}""#), "{asl}");
    assert_eq!(<charge as Task>::NAME, "ChargeCard");
    assert!(<charge as Task>::FUNCTION.ends_with("::charge"));

    // Without the states, nothing is bound and both are named.
    let runtime = Runtime::new();
    let error = Approve::bind(&runtime).finish().unwrap_err();
    assert_eq!(error.problems().len(), 2, "{error}");
    assert!(matches!(
        &error.problems()[1],
        BindProblem::MissingStates(missing) if missing.task == "ChargeCard"
    ));
    assert!(runtime.bound("AskManager").is_none());

    Approve::bind(&runtime)
        .state(Desk)
        .state(Arc::new(Db { limit: 100.0 }))
        .finish()
        .unwrap();
    assert!(runtime.bound("AskManager").is_some() && runtime.bound("ChargeCard").is_some());
}
