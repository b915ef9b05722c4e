// A misspelt workflow setting.
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        timeout_secs: 60,
        succeed Done;
    }
}

fn main() {}
