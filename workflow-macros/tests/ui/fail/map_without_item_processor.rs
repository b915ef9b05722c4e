// A map runs an item processor for each item.
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        map EachItem { items_path: $.items, end }
    }
}

fn main() {}
