// `tsk` is not a state type.
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        tsk Charge = charge { end }
    }
}

fn main() {}
