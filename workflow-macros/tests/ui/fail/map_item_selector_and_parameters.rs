// parameters is the old name of item_selector on a map: only one is used
// (validator: invalid-value).
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        map EachItem {
            items_path: $.items,
            item_selector: { sku: $$.Map.Item.Value },
            parameters: { sku: $$.Map.Item.Value },
            item_processor { pass Item { end } },
            end,
        }
    }
}

fn main() {}
