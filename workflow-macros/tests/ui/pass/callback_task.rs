// A callback task: `callback` on the state, `lambda:invoke.waitForTaskToken` in the ASL, the
// token passed with `$$.Task.Token`; `main` finds it among the execution's pending callbacks,
// answers it with the task's type and checks the output.
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

#[task(callback)]
async fn request_approval(
    ctx: &TaskContext,
    request: ApprovalRequest,
) -> Result<Callback<Approval>, TaskError> {
    assert_eq!(ctx.task_token(), Some(request.token.as_str()));
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
        let pending = execution.pending::<request_approval>().await;
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].state_name(), "Ask");
        for pending in pending {
            pending.succeed(Approval { approved: true }).await.unwrap();
        }
        let output = execution.output().await.unwrap();
        assert_eq!(output.approval, Some(Approval { approved: true }));
    });
}
