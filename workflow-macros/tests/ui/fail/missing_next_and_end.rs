// A state with neither `next` nor `end`.
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        choice Route {
            when $.express == true => Rush,
            default => Done,
        }
        pass Rush { result_path: $.rushed }
        succeed Done;
    }
}

fn main() {}
