// assign takes an object whose keys are variable names (validator: wrong-type).
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        pass Remember { assign: 42, end }
    }
}

fn main() {}
