// Two states with the same name: the error is on the second definition.
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        pass Validate { next: Done }
        succeed Done;
        succeed Done;
    }
}

fn main() {}
