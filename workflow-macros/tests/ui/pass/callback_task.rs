// A callback task: `callback` on the state, `lambda:invoke.waitForTaskToken` in the ASL, the
// token passed with `$$.Task.Token`; `main` answers it and checks the output.
use workflow::prelude::*;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Approval {
    pub approved: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ApprovalRequest {
    pub order_id: String,
    pub token: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Doc {
    pub order_id: String,
    pub approval: Option<Approval>,
}

/// Where the task leaves its token for `main` to answer.
static TOKEN: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

#[task(callback)]
async fn request_approval(
    ctx: &TaskContext,
    request: ApprovalRequest,
) -> Result<Callback<Approval>, TaskError> {
    assert_eq!(ctx.task_token(), Some(request.token.as_str()));
    *TOKEN.lock().unwrap() = Some(request.token);
    Ok(Callback::pending())
}

workflow! {
    pub Approve(Doc) -> Doc {
        task Ask = request_approval {
            callback,
            parameters: ApprovalRequest { order_id: $.order_id, token: $$.Task.Token },
            timeout_seconds: 3600,
            heartbeat_seconds: 600,
            result_path: $.approval,
            next: Approved,
        }
        choice Approved {
            when $.approval.approved == true => Done,
            default => Rejected,
        }
        succeed Done;
        fail Rejected { error: "Rejected" }
    }
}

fn main() {
    // Exported as AWS runs it: a Lambda invocation of the function, which waits for the
    // token; the payload is the task's parameters plus the token.
    let asl: Value = serde_json::from_str(Approve::asl_json()).unwrap();
    let ask = &asl["States"]["Ask"];
    assert_eq!(
        ask["Resource"],
        "arn:aws:states:::lambda:invoke.waitForTaskToken"
    );
    assert_eq!(ask["Parameters"]["FunctionName"], "${RequestApproval}");
    assert_eq!(ask["Parameters"]["Payload"]["token.$"], "$$.Task.Token");
    assert_eq!(ask["Parameters"]["Payload"]["TaskToken.$"], "$$.Task.Token");

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async {
        let runtime = Runtime::new();
        let doc = Doc {
            order_id: "A1".into(),
            approval: None,
        };
        let execution = Approve::start(&runtime, doc).await.unwrap();
        let token = loop {
            tokio::task::yield_now().await;
            if let Some(token) = TOKEN.lock().unwrap().take() {
                break token;
            }
        };
        runtime
            .send_task_success(&token, json!({ "approved": true })).await
            .unwrap();
        let output = execution.output().await.unwrap();
        assert_eq!(output.approval, Some(Approval { approved: true }));
    });
}
