// A misspelt field of a retrier.
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        task Charge = "arn:aws:lambda:us-east-1:123456789012:function:charge" {
            retry: [ States.TaskFailed => { max_atempts: 3 } ],
            end,
        }
    }
}

fn main() {}
