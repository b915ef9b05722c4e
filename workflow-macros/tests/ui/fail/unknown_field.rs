// A misspelt field: the error is on it, with the closest field as a suggestion.
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        pass Validate { resutl_path: $.validated, end }
    }
}

fn main() {}
