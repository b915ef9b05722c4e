// A timestamp without a time zone (validator: invalid-timestamp).
use workflow::prelude::*;

workflow! {
    pub Launch(Value) {
        wait Until { timestamp: "2024-06-01T09:00:00", next: Go }
        succeed Go;
    }
}

fn main() {}
