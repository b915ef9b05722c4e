// A state is taken by value (each invocation gets a clone), not by reference.
use std::sync::Arc;

use workflow::dsl::State;
use workflow::prelude::*;

pub struct Db;

#[task]
async fn charge(db: &State<Arc<Db>>, order: Value) -> Result<Value, TaskError> {
    let _ = db;
    Ok(order)
}

fn main() {}
