// Comparing two paths needs the type to compare as: numeric($.a) > $.b.
use workflow::prelude::*;

workflow! {
    pub Checkout(Value) {
        choice Route {
            when $.total > $.limit => Review,
            default => Done,
        }
        succeed Review;
        succeed Done;
    }
}

fn main() {}
