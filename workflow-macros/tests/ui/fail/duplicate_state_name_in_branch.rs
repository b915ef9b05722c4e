// State names are unique in the whole workflow, branches included: the error is on the
// second definition.
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        parallel Fulfil {
            branch { pass Ship { end } },
            next: Ship,
        }
        succeed Ship;
    }
}

fn main() {}
