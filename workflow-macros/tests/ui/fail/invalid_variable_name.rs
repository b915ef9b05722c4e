// A variable name with a dash: $order-id would read as a subtraction
// (validator: invalid-variable-name).
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        pass Remember { assign: { "order-id": $.id }, end }
    }
}

fn main() {}
