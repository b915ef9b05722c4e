// #[derive(TaskError)] goes on an enum: each variant is an error name.
use workflow::prelude::*;

#[derive(Debug, TaskError)]
pub struct PaymentError {
    pub code: String,
}

fn main() {}
