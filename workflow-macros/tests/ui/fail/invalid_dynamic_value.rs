// A fail state's error_path gives a string: States.ArrayLength gives a number
// (validator: invalid-dynamic-value).
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        fail Failed { error_path: States.ArrayLength($.errors) }
    }
}

fn main() {}
