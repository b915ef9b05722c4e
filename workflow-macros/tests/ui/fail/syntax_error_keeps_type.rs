// A syntax error (a missing `:`) is one error: the macro still defines `Checkout` with its
// input and output types, so the code that uses the workflow does not add errors of its own.
use workflow::prelude::*;

#[derive(Clone, Serialize, Deserialize)]
pub struct Order {
    pub id: String,
    pub total: f64,
}

workflow! {
    pub Checkout(Order) -> Order {
        wait Pause { seconds 10, next: Done }
        succeed Done;
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let runtime = Runtime::new();
    let order = Order { id: "A1".into(), total: 20.0 };
    let execution = Checkout::start(&runtime, order).await.unwrap();
    let done: Order = execution.output().await.unwrap();
    println!("{} {}", done.id, Checkout::asl_json());
}
