// Wildcards and filters are written as a string path.
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        pass Ids { output_path: $.items[*], end }
    }
}

fn main() {}
