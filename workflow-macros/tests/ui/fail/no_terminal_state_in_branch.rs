// A branch that can never finish (the workflow itself could): refused in the DSL.
use workflow::prelude::*;

workflow! {
    pub Watch(Value) {
        parallel Watchers {
            branch {
                wait Sleep { seconds: 60, next: Check }
                pass Check { next: Sleep }
            },
            end,
        }
    }
}

fn main() {}
