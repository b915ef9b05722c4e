// A wait state needs one of seconds, timestamp, seconds_path, timestamp_path (validator:
// wait-duration).
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        wait Pause { next: Done }
        succeed Done;
    }
}

fn main() {}
