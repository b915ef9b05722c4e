// A parallel state runs at least one branch.
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        parallel Fulfil { end }
    }
}

fn main() {}
