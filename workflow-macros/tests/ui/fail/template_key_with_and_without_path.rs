// The same key as a literal and as a path (validator: duplicate-key).
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        pass Build { parameters: { id: "default", id: $.id }, end }
    }
}

fn main() {}
