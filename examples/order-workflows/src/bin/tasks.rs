//! The Lambda binary of the order workflows: every task of the six workflows, served as an
//! AWS Lambda function through the Lambda Runtime API. Each function of their stacks runs
//! this one binary and is told its task in `WORKFLOW_TASK` (the templates of
//! `Deploy::sam_template` and `workflow template` set it).
//!
//! ```sh
//! cargo lambda build --release -p order-workflows --bin tasks   # target/lambda/tasks/bootstrap
//! ```
//!
//! Its states: the warehouse, a stand-in for a database (each function's process starts
//! with the examples' stock), and the approval desk, whose requests this binary writes to
//! the function's log (CloudWatch Logs) with the command that answers them; a real service
//! would put them on a queue its managers' tool reads.

use std::process::ExitCode;

use order_workflows::tasks::{ApprovalDesk, Warehouse};
use order_workflows::*;

#[tokio::main]
async fn main() -> ExitCode {
    let (desk, mut requests) = ApprovalDesk::new();
    tokio::spawn(async move {
        while let Some(ticket) = requests.recv().await {
            let answer = r#"{"approved": true, "by": "grace@example.com"}"#;
            println!(
                "approval requested for order {} ({} dollars): aws stepfunctions send-task-success --task-token '{}' --task-output '{answer}'",
                ticket.request.order_id, ticket.request.total, ticket.token
            );
        }
    });
    let served = workflow::lambda::Tasks::new()
        .state(Warehouse::stocked())
        .state(desk)
        .workflow::<SequentialOrder>()
        .workflow::<ApprovalOrder>()
        .workflow::<ShipAndNotify>()
        .workflow::<ReserveItems>()
        .workflow::<Payment>()
        .workflow::<CompleteOrder>()
        .serve()
        .await;
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
