// A transition into a state of a parallel branch: the error is on the target name.
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        choice Route {
            when $.express == true => Ship,
            default => Fulfil,
        }
        parallel Fulfil {
            branch { pass Ship { end } },
            end,
        }
    }
}

fn main() {}
