// heartbeat_seconds is a field of task states, not of wait states.
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        wait Pause { seconds: 10, heartbeat_seconds: 5, next: Done }
        succeed Done;
    }
}

fn main() {}
