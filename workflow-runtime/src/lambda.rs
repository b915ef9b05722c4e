//! How AWS Lambda looks from a state machine: function names in ARNs, the response shape of
//! `arn:aws:states:::lambda:invoke`, and its error causes.

use serde_json::{Map, Value, json};

use crate::handler::TaskError;

/// The function name in a function name or ARN
/// (`arn:aws:lambda:us-east-1:123456789012:function:name[:qualifier]` gives `name`).
pub fn function_name(name_or_arn: &str) -> &str {
    match name_or_arn.split(':').collect::<Vec<_>>().as_slice() {
        ["arn", _, "lambda", _, _, "function", name, ..] => name,
        // A partial ARN: 123456789012:function:name
        [_, "function", name, ..] => name,
        _ => name_or_arn,
    }
}

/// The result of `lambda:invoke`: the function's return value in `Payload`, with the
/// response metadata AWS adds.
pub fn invoke_response(payload: Value, request_id: &str) -> Value {
    let mut m = Map::new();
    m.insert("ExecutedVersion".into(), Value::String("$LATEST".into()));
    m.insert("Payload".into(), payload);
    m.insert(
        "SdkHttpMetadata".into(),
        json!({
            "AllHttpHeaders": {
                "X-Amz-Executed-Version": ["$LATEST"],
                "x-amzn-Remapped-Content-Length": ["0"],
                "Connection": ["keep-alive"],
                "x-amzn-RequestId": [request_id],
                "Content-Type": ["application/json"],
            },
            "HttpHeaders": {
                "Connection": "keep-alive",
                "Content-Type": "application/json",
                "X-Amz-Executed-Version": "$LATEST",
                "x-amzn-Remapped-Content-Length": "0",
                "x-amzn-RequestId": request_id,
            },
            "HttpStatusCode": 200
        }),
    );
    m.insert(
        "SdkResponseMetadata".into(),
        json!({ "RequestId": request_id }),
    );
    m.insert("StatusCode".into(), Value::from(200));
    Value::Object(m)
}

/// The error `lambda:invoke` reports for a function error: the same name, and the error
/// document re-serialized compactly (AWS parses and re-writes it). Errors of the Lambda
/// service itself (`Lambda.*`) pass through unchanged.
pub fn invoke_error(error: TaskError) -> TaskError {
    if error.error.starts_with("Lambda.") {
        return error;
    }
    let cause = error
        .cause
        .map(|cause| match serde_json::from_str::<Value>(&cause) {
            Ok(doc @ (Value::Object(_) | Value::Array(_))) => doc.to_string(),
            _ => cause,
        });
    TaskError {
        error: error.error,
        cause,
    }
}

/// The error for a function that does not exist.
pub fn not_found(function: &str, region: &str, account: &str, request_id: &str) -> TaskError {
    let arn = if function.starts_with("arn:") {
        function.to_string()
    } else {
        format!("arn:aws:lambda:{region}:{account}:function:{function}")
    };
    TaskError::new(
        "Lambda.ResourceNotFoundException",
        format!(
            "Function not found: {arn} (Service: AWSLambda; Status Code: 404; Error Code: ResourceNotFoundException; Request ID: {request_id}; Proxy: null)"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn function_names() {
        assert_eq!(
            function_name("arn:aws:lambda:us-east-1:111111111111:function:identity"),
            "identity"
        );
        assert_eq!(
            function_name("arn:aws:lambda:us-east-1:111111111111:function:identity:prod"),
            "identity"
        );
        assert_eq!(function_name("111111111111:function:identity"), "identity");
        assert_eq!(function_name("identity"), "identity");
    }

    #[test]
    fn invoke_errors_are_compacted() {
        let e = invoke_error(TaskError::new(
            "Exception",
            r#"{"errorMessage": "x", "errorType": "Exception"}"#,
        ));
        assert_eq!(
            e.cause.unwrap(),
            r#"{"errorMessage":"x","errorType":"Exception"}"#
        );
        let e = invoke_error(TaskError::new("Lambda.ServiceException", r#"{"a": 1}"#));
        assert_eq!(e.cause.unwrap(), r#"{"a": 1}"#);
        let e = invoke_error(TaskError::new("Custom", "plain text"));
        assert_eq!(e.cause.unwrap(), "plain text");
    }
}
