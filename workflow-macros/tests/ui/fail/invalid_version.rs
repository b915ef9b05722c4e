// The only version of the Amazon States Language is "1.0" (validator: invalid-value).
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        version: "2.0",
        succeed Done;
    }
}

fn main() {}
