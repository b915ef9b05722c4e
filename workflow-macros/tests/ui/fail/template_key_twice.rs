// A template gives the same key twice.
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        pass Build { parameters: { id: $.id, id: $.order.id }, end }
    }
}

fn main() {}
