// jitter_strategy is FULL or NONE, in capitals (validator: invalid-value).
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        task Charge = "arn:aws:lambda:us-east-1:123456789012:function:charge" {
            retry: [ States.TaskFailed => { max_attempts: 3, jitter_strategy: Full } ],
            end,
        }
    }
}

fn main() {}
