// A branch can read the variables of the workflow but must not assign them
// (validator: invalid-variable-name).
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        pass Remember { assign: { status: "new" }, next: Fulfil }
        parallel Fulfil {
            branch { pass Ship { assign: { status: "shipped" }, end } },
            end,
        }
    }
}

fn main() {}
