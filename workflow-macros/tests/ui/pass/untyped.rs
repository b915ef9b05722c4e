// A workflow over `Value`: no data-flow types, but the graph is still validated; `main` runs
// it.
use workflow::prelude::*;

#[task]
async fn double(input: Value) -> Result<Value, TaskError> {
    let n = input["n"].as_i64().unwrap_or_default();
    Ok(json!({ "n": n * 2 }))
}

workflow! {
    /// Doubles `n` until it is over 100.
    pub Doubler(Value) {
        task Double = double { result_path: $.doubled, output_path: $.doubled, next: Big }
        choice Big {
            when $.n > 100 => Done,
            default => Double,
        }
        succeed Done;
    }
}

fn main() {
    let asl: Value = serde_json::from_str(Doubler::asl_json()).unwrap();
    assert_eq!(asl["States"]["Double"]["Resource"], "${Double}");
    assert_eq!(
        asl["States"]["Big"]["Choices"][0]["NumericGreaterThan"],
        100
    );
    assert_eq!(asl["States"]["Big"]["Default"], "Double");

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async {
        let runtime = Runtime::new();
        let execution = Doubler::start(&runtime, json!({ "n": 3 })).await.unwrap();
        let output = execution.output().await.unwrap();
        assert_eq!(output, json!({ "n": 192 }));
    });
}
