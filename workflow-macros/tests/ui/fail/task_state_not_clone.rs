// A state's type must be Clone (each invocation gets a clone): share it behind an Arc.
use workflow::dsl::State;
use workflow::prelude::*;

pub struct Db;

#[task]
async fn charge(State(db): State<Db>, order: Value) -> Result<Value, TaskError> {
    let _ = db;
    Ok(order)
}

fn main() {}
