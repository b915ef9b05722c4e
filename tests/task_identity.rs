//! Task identity in a runtime: two `#[task]` functions of one name (`kitchen::notify` and
//! `billing::notify`) are two tasks, and a runtime never runs one in place of the other.

use workflow::prelude::*;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    pub order_id: String,
    pub sent_by: Option<String>,
}

mod kitchen {
    use super::*;

    /// Tells the kitchen.
    #[task]
    pub async fn notify(ticket: Ticket) -> Result<String, TaskError> {
        Ok(format!("kitchen:{}", ticket.order_id))
    }
}

mod billing {
    use super::*;

    /// Tells billing.
    #[task]
    pub async fn notify(ticket: Ticket) -> Result<String, TaskError> {
        Ok(format!("billing:{}", ticket.order_id))
    }

    /// Tells billing, under a name of its own.
    #[task(name = "BillingNotify")]
    pub async fn notify_billing(ticket: Ticket) -> Result<String, TaskError> {
        Ok(format!("billing:{}", ticket.order_id))
    }
}

workflow! {
    pub Kitchen(Ticket) -> Ticket {
        wait Pause { seconds: 60, next: Notify }
        task Notify = kitchen::notify { result_path: $.sent_by, end }
    }
}

workflow! {
    pub Billing(Ticket) -> Ticket {
        task Notify = billing::notify { result_path: $.sent_by, end }
    }
}

workflow! {
    pub BillingRenamed(Ticket) -> Ticket {
        task Notify = billing::notify_billing { result_path: $.sent_by, end }
    }
}

fn ticket() -> Ticket {
    Ticket {
        order_id: "A-1".into(),
        sent_by: None,
    }
}

/// Who a workflow's run says served it.
async fn sent_by<W: WorkflowDefinition<Input = Ticket, Output = Ticket>>(
    runtime: &Runtime,
) -> Result<Option<String>, workflow::dsl::TypedStartError> {
    let execution = workflow::dsl::start::<W>(runtime, ticket()).await?;
    Ok(execution.output().await.expect("succeeds").sent_by)
}

/// Before task identity, `Billing::start` re-bound `Notify` to `billing::notify`, and the
/// kitchen's order waiting at that moment ran billing's code. Now the second function is
/// refused, with both named, and the kitchen keeps its own.
#[tokio::test(start_paused = true)]
async fn two_functions_of_one_name_are_never_mixed_up() {
    let runtime = Runtime::new();
    let waiting = Kitchen::start(&runtime, ticket()).await.unwrap();
    let refused = sent_by::<Billing>(&runtime).await.unwrap_err().to_string();
    assert!(
        refused.contains("task_identity::kitchen::notify")
            && refused.contains("task_identity::billing::notify")
            && refused.contains("'Notify'"),
        "{refused}"
    );
    let served = waiting.output().await.unwrap().sent_by;
    assert_eq!(served.as_deref(), Some("kitchen:A-1"));
}

/// `#[task(name = "...")]` gives a function a name of its own: both run side by side, and
/// the exported ASL names the resource after it.
#[tokio::test(start_paused = true)]
async fn a_task_named_explicitly_runs_beside_its_namesake() {
    let runtime = Runtime::new();
    assert_eq!(
        sent_by::<Kitchen>(&runtime).await.unwrap().as_deref(),
        Some("kitchen:A-1")
    );
    assert_eq!(
        sent_by::<BillingRenamed>(&runtime)
            .await
            .unwrap()
            .as_deref(),
        Some("billing:A-1")
    );
    assert_eq!(
        sent_by::<Kitchen>(&runtime).await.unwrap().as_deref(),
        Some("kitchen:A-1")
    );
    assert!(
        BillingRenamed::asl_json().contains(r#""Resource": "${BillingNotify}""#),
        "{}",
        BillingRenamed::asl_json()
    );
}
