// A string path that does not parse (validator: invalid-path).
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        pass Shape { output_path: "$.items[?(@.price >", end }
    }
}

fn main() {}
