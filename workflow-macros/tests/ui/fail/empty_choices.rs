// A choice state with a default but no `when` (validator: empty-choices).
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        choice Route {
            default => Done,
        }
        succeed Done;
    }
}

fn main() {}
