// Without items_path, a map iterates over its input: an Order is not a list. The error is on
// the state's name.
use workflow::prelude::*;

#[derive(Serialize, Deserialize)]
pub struct Order {
    pub id: String,
}

workflow! {
    pub Checkout(Order) {
        map EachItem {
            item_processor { pass Item { end } },
            end,
        }
    }
}

fn main() {}
