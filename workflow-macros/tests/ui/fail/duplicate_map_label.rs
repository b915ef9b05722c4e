// Two maps with the same label (validator: duplicate-label).
use workflow::prelude::*;

workflow! {
    pub Images(Value) {
        map Resize {
            items_path: $.images,
            label: "images",
            item_processor { pass ResizeOne { end } },
            result_path: null,
            next: Tag,
        }
        map Tag {
            items_path: $.images,
            label: "images",
            item_processor { pass TagOne { end } },
            end,
        }
    }
}

fn main() {}
