// A choice state never ends: `end` is refused, on the keyword.
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        choice Route {
            when $.express == true => Done,
            default => Done,
            end,
        }
        succeed Done;
    }
}

fn main() {}
