// A misspelt `next` is one error, on it: the validator's follow-ons (the state has no
// transition, the state after it is reached by nothing) are not reported.
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        pass Record { result_path: $.recorded, nxt: Done }
        succeed Done;
    }
}

fn main() {}
