// A state with both `next` and `end`: the error is on `end`.
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        pass Record { next: Done, end }
        succeed Done;
    }
}

fn main() {}
