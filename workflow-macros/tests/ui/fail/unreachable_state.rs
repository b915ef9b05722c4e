// No transition leads to `Audit`: the error is on its name.
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        pass Validate { next: Done }
        pass Audit { next: Done }
        succeed Done;
    }
}

fn main() {}
