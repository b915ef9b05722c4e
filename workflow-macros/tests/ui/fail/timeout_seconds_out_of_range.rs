// A workflow timeout is at least one second (validator: out-of-range).
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        timeout_seconds: 0,
        succeed Done;
    }
}

fn main() {}
