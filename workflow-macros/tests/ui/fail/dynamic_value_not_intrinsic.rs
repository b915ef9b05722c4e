// A call that is not an intrinsic function (validator: invalid-dynamic-value).
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        pass Build { parameters: { id: Uuid.new() }, end }
    }
}

fn main() {}
