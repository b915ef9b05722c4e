// result_path names one place, not a wildcard (validator: not-a-reference-path).
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        pass Lookup { result_path: "$.items[*].details", end }
    }
}

fn main() {}
