// A field holds at most 10 intrinsic function calls, as AWS documents (validator:
// invalid-intrinsic).
use workflow::prelude::*;

workflow! {
    pub Nested(Value) {
        pass Deep {
            parameters: {
                deep: States.Array(States.Array(States.Array(States.Array(States.Array(States.Array(
                    States.Array(States.Array(States.Array(States.Array(States.Array()))))))))))
            },
            end
        }
    }
}

fn main() {}
