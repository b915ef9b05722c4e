// A map label with a space and a colon (validator: invalid-label).
use workflow::prelude::*;

workflow! {
    pub Import(Value) {
        map EachRow {
            items_path: $.rows,
            label: "import: customers",
            item_processor { pass Save { end } },
            end,
        }
    }
}

fn main() {}
