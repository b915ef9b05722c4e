// An index is written [n].
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        pass First { input_path: $.items.0, end }
    }
}

fn main() {}
