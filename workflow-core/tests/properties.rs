//! Properties of the evaluators over generated inputs, and the cases they found.

use serde_json::{Value, json};
use workflow_core::entropy::SplitMix64;
use workflow_core::intrinsics::IntrinsicCall;
use workflow_core::path::Env;

fn call(text: &str, input: &Value) -> Result<Value, workflow_core::AslError> {
    let call = IntrinsicCall::parse(text).unwrap_or_else(|e| panic!("'{text}': {e}"));
    call.evaluate(&Env::document(input), &mut SplitMix64(1))
}

/// Found by `json_to_string_then_string_to_json_round_trips`: JSON text is read into the
/// nearest double, as Jackson (Java's `Double.parseDouble`) reads it at AWS. serde_json's
/// default fast path can be one unit in the last place off; its `float_roundtrip` feature
/// is exact. Rust's own `str::parse::<f64>` is correctly rounded: it is the oracle.
#[test]
fn a_decimal_is_read_into_the_nearest_double() {
    for text in [
        "-987092524700.8965",
        "0.30000000000000004",
        "123456789012.34567",
    ] {
        let nearest: f64 = text.parse().expect("a number");
        let read: Value = serde_json::from_str(text).expect("JSON");
        assert_eq!(read.as_f64(), Some(nearest), "{text}");
        let input = json!({ "text": text, "number": nearest });
        assert_eq!(
            call("States.StringToJson($.text)", &input),
            Ok(Value::from(nearest))
        );
        assert_eq!(
            call("States.StringToJson(States.JsonToString($.number))", &input),
            Ok(Value::from(nearest))
        );
    }
}
