// Booleans compare with == and != only.
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        choice Route {
            when $.express > true => Rush,
            default => Done,
        }
        succeed Rush;
        succeed Done;
    }
}

fn main() {}
