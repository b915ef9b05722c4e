// A resource string that is not a recognised ARN (validator: invalid-resource).
use workflow::prelude::*;

workflow! {
    pub Lookup(Value) {
        task Query = "arn:aws:states:::dynamodb:query" { end }
    }
}

fn main() {}
