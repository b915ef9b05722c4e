// A pass state's result is a literal: paths belong in parameters.
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        pass Shape { result: { id: $.order.id }, end }
    }
}

fn main() {}
