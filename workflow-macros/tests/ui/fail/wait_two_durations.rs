// A wait state has only one of seconds, timestamp, seconds_path, timestamp_path.
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        wait Pause { seconds: 10, timestamp: "2024-06-01T09:00:00Z", next: Done }
        succeed Done;
    }
}

fn main() {}
