// A branch needs at least one state (the validator's missing-field; the macro says it first).
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        parallel Fulfil {
            branch { },
            end,
        }
    }
}

fn main() {}
