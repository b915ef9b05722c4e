// States.ArrayGetItem takes an array and an index (validator: intrinsic-arity).
use workflow::prelude::*;

workflow! {
    pub Pick(Value) {
        pass First { parameters: { first: States.ArrayGetItem($.items) }, end }
    }
}

fn main() {}
