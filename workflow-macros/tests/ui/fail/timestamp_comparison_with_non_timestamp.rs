// A timestamp comparison with a string that is not a timestamp (validator: choice-rule-value).
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        choice Route {
            when timestamp($.shipped_at) > "yesterday" => Late,
            default => Done,
        }
        succeed Late;
        succeed Done;
    }
}

fn main() {}
