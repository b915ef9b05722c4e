// A state of a map's item processor goes to a state outside it: the error is on the target.
use workflow::prelude::*;

workflow! {
    pub Reserve(Value) {
        map EachItem {
            items_path: $.items,
            item_processor {
                pass ReserveItem { next: Done }
            },
            next: Done,
        }
        succeed Done;
    }
}

fn main() {}
