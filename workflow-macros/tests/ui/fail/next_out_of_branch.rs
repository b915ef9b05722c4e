// A state of a branch goes to a state outside it: the error is on the target name.
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        parallel Fulfil {
            branch { pass Ship { next: Done } },
            next: Done,
        }
        succeed Done;
    }
}

fn main() {}
