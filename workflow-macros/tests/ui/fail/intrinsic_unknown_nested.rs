// A misspelled intrinsic function deep inside a template: in an object in an array of an
// assign, as the argument of another call (validator: unknown-intrinsic).
use workflow::prelude::*;

workflow! {
    pub Picker(Value) {
        pass Pick {
            assign: { picks: [{ first: States.Format("{}", States.ArrayGetItm($.items, 0)) }] },
            end
        }
    }
}

fn main() {}
