//! Binding a typed workflow: states given once, typed test doubles, and the rule that a
//! binding is never replaced behind one's back (`workflow::dsl::Binder`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use workflow::dsl::{BindProblem, State, TaskStates};
use workflow::prelude::*;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub id: String,
    pub total: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Receipt {
    pub id: String,
    pub by: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Approval {
    pub approved: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Doc {
    pub order: Order,
    pub approval: Option<Approval>,
    pub receipt: Option<Receipt>,
    pub error: Option<ErrorOutput>,
}

#[derive(Debug, TaskError)]
pub enum PaymentError {
    CardDeclined,
}

/// The payment gateway: counts the charges it made.
pub struct Gateway {
    pub charges: AtomicU32,
}

/// Where approval requests would go.
#[derive(Clone)]
pub struct Desk;

#[task]
async fn charge(
    State(gateway): State<Arc<Gateway>>,
    order: Order,
) -> Result<Receipt, PaymentError> {
    gateway.charges.fetch_add(1, Ordering::SeqCst);
    Ok(Receipt {
        id: format!("R-{}", order.id),
        by: "gateway".into(),
    })
}

#[task(callback)]
async fn request_approval(
    State(desk): State<Desk>,
    order: Order,
) -> Result<Callback<Approval>, TaskError> {
    let _ = (desk, order);
    Err(TaskError::new(
        "NoManager",
        "nobody reads the desk in these tests",
    ))
}

#[task]
async fn notify(order: Order) -> Result<String, TaskError> {
    Ok(format!("notified {}", order.id))
}

workflow! {
    pub Pay(Doc) -> Doc {
        task Charge = charge {
            input_path: $.order,
            result_path: $.receipt,
            catch: [ PaymentError::CardDeclined => Declined { result_path: $.error } ],
            end,
        }
        fail Declined { error: "PaymentDeclined" }
    }
}

workflow! {
    pub Approve(Doc) -> Doc {
        task Ask = request_approval {
            callback,
            input_path: $.order,
            result_path: $.approval,
            next: Charge,
        }
        task Charge = charge { input_path: $.order, result_path: $.receipt, next: Notify }
        task Notify = notify { input_path: $.order, result_path: null, end }
    }
}

fn doc() -> Doc {
    Doc {
        order: Order {
            id: "A-1".into(),
            total: 42.0,
        },
        approval: None,
        receipt: None,
        error: None,
    }
}

fn gateway() -> Arc<Gateway> {
    Arc::new(Gateway {
        charges: AtomicU32::new(0),
    })
}

/// A double of `charge`: an async fn serves as well as a closure.
async fn charge_double(order: Order) -> Result<Receipt, PaymentError> {
    Ok(Receipt {
        id: order.id,
        by: "double".into(),
    })
}

/// Binds `Pay` with a double of `charge` that declines every card.
fn bind_declining(runtime: &Runtime) {
    Pay::bind(runtime)
        .replace::<charge>(|_order: Order| async move { Err(PaymentError::CardDeclined) })
        .finish()
        .unwrap();
}

/// How a run of `Pay` ended: its status and the receipt's issuer.
async fn run_pay(runtime: &Runtime) -> (String, Option<String>) {
    let execution = Pay::start(runtime, doc()).await.expect("starts");
    let status = execution.outcome().await;
    let by = status
        .output()
        .and_then(|output| output["receipt"]["by"].as_str())
        .map(str::to_string);
    (status.as_str().to_string(), by)
}

#[tokio::test(start_paused = true)]
async fn a_task_gets_its_state_from_the_binding() {
    let runtime = Runtime::new();
    let gateway = gateway();
    Pay::bind(&runtime).state(gateway.clone()).finish().unwrap();
    for _ in 0..2 {
        assert_eq!(
            run_pay(&runtime).await,
            ("SUCCEEDED".into(), Some("gateway".into()))
        );
    }
    // Each invocation got a clone of the Arc: the same gateway.
    assert_eq!(gateway.charges.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn start_refuses_a_task_whose_states_were_not_given() {
    let runtime = Runtime::new();
    let refused = Pay::start(&runtime, doc()).await.unwrap_err().to_string();
    assert!(
        refused.contains("task 'Charge'")
            && refused.contains("State<alloc::sync::Arc<binding::Gateway>>")
            && refused.contains("was not given"),
        "{refused}"
    );
    assert!(runtime.bound("Charge").is_none());
}

/// The bug this rule fixes: `start` re-bound every task, so a double bound before it was
/// silently replaced by the real function.
#[tokio::test(start_paused = true)]
async fn start_keeps_a_double_bound_before() {
    let runtime = Runtime::new();
    bind_declining(&runtime);
    assert_eq!(run_pay(&runtime).await, ("FAILED".into(), None));
}

#[tokio::test(start_paused = true)]
async fn start_keeps_a_handler_given_to_runtime_bind() {
    let runtime = Runtime::new();
    runtime.bind("Charge", |_input: Value, _ctx: TaskContext| async move {
        Ok(json!({"id": "R-untyped", "by": "untyped"}))
    });
    assert_eq!(
        run_pay(&runtime).await,
        ("SUCCEEDED".into(), Some("untyped".into()))
    );
}

#[tokio::test(start_paused = true)]
async fn an_explicit_binding_keeps_a_double_of_its_function() {
    let runtime = Runtime::new();
    bind_declining(&runtime);
    // Another workflow running `charge` binds it with its states: the double stays.
    Approve::bind(&runtime)
        .state(gateway())
        .state(Desk)
        .finish()
        .unwrap();
    assert_eq!(run_pay(&runtime).await, ("FAILED".into(), None));
}

#[tokio::test(start_paused = true)]
async fn a_double_replaces_a_function_bound_before() {
    let runtime = Runtime::new();
    Pay::bind(&runtime).state(gateway()).finish().unwrap();
    assert_eq!(run_pay(&runtime).await.0, "SUCCEEDED");
    Pay::bind(&runtime)
        .replace::<charge>(charge_double)
        .finish()
        .unwrap();
    assert_eq!(
        run_pay(&runtime).await,
        ("SUCCEEDED".into(), Some("double".into()))
    );
}

#[test]
fn finish_reports_every_problem_and_binds_nothing() {
    let runtime = Runtime::new();
    // `Notify` is bound to a function of another module.
    let elsewhere: Arc<dyn TaskHandler> =
        Arc::new(|input: Value, _ctx: TaskContext| async move { Ok(input) });
    runtime
        .bind_function("Notify", "elsewhere::notify", elsewhere)
        .unwrap();
    let error = Approve::bind(&runtime)
        .state(Desk)
        .state(Desk)
        .finish()
        .unwrap_err();
    let problems = error.problems();
    assert_eq!(problems.len(), 3, "{error}");
    assert!(matches!(&problems[0], BindProblem::StateGivenTwice(name) if name.ends_with("Desk")));
    assert!(
        matches!(&problems[1], BindProblem::MissingStates(missing) if missing.task == "Charge")
    );
    assert!(matches!(&problems[2], BindProblem::Conflict(conflict)
        if conflict.resource == "Notify" && conflict.function.ends_with("binding::notify")));
    let message = error.to_string();
    assert!(
        message.starts_with("the tasks of Approve cannot be bound (3 problems):"),
        "{message}"
    );
    assert!(
        message.contains("`elsewhere::notify`") && message.contains("binding::notify"),
        "{message}"
    );
    // Nothing was bound: not even the task whose state was given.
    assert!(runtime.bound("Ask").is_none() && runtime.bound("Charge").is_none());
}

/// A double of a callback task stands for the whole exchange: its result answers the token,
/// after the task is submitted, as AWS records a callback answered by another party.
#[tokio::test(start_paused = true)]
async fn a_double_of_a_callback_task_answers_its_token() {
    let runtime = Runtime::new();
    Approve::bind(&runtime)
        .replace::<request_approval>(|order: Order| async move {
            Ok(Approval {
                approved: order.total < 100.0,
            })
        })
        .replace::<charge>(charge_double)
        .finish()
        .unwrap();
    let execution = Approve::start(&runtime, doc()).await.unwrap();
    let done = execution.output().await.unwrap();
    assert_eq!(done.approval, Some(Approval { approved: true }));
    let events: Vec<&str> = execution
        .history()
        .await
        .iter()
        .map(|e| e.event_type.as_str())
        .collect();
    let submitted = events.iter().position(|e| *e == "TaskSubmitted");
    let succeeded = events.iter().position(|e| *e == "TaskSucceeded");
    assert!(submitted.is_some() && submitted < succeeded, "{events:?}");
}

#[tokio::test(start_paused = true)]
async fn a_double_of_a_callback_task_can_fail_it() {
    let runtime = Runtime::new();
    Approve::bind(&runtime)
        .replace::<request_approval>(|_order: Order| async move {
            Err(TaskError::new("ManagerAway", "on holiday"))
        })
        .state(gateway())
        .finish()
        .unwrap();
    let execution = Approve::start(&runtime, doc()).await.unwrap();
    let failure = execution.outcome().await.failure().cloned().unwrap();
    assert_eq!(failure.error.as_deref(), Some("ManagerAway"));
}

#[test]
fn task_states_hold_one_value_per_type() {
    let mut states = TaskStates::new().with(7u32).with(String::from("a"));
    assert_eq!(states.insert(8u32), Some(7));
    assert_eq!(states.get::<u32>(), Some(8));
    assert_eq!(states.get::<String>().as_deref(), Some("a"));
    assert_eq!(states.get::<u64>(), None);
}
