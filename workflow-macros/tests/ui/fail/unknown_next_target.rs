// `next` names no state: the error is on the name, with the closest name as a suggestion.
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        pass Validate { next: ChargePaymnt }
        succeed ChargePayment;
    }
}

fn main() {}
