// An index on a field that is not a list: the error is on the index.
use workflow::prelude::*;

#[derive(Serialize, Deserialize)]
pub struct Order {
    pub total: f64,
}

workflow! {
    pub Checkout(Order) {
        pass First { output_path: $.total[0], end }
    }
}

fn main() {}
