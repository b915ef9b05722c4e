// A distributed map needs the execution type of its child executions
// (validator: invalid-processor).
use workflow::prelude::*;

workflow! {
    pub Import(Value) {
        map EachFile {
            items_path: $.files,
            mode: DISTRIBUTED,
            item_processor { pass Process { end } },
            end,
        }
    }
}

fn main() {}
