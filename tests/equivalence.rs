//! Native vs exported: every example workflow run through its Rust definition and through its
//! exported ASL (the checked-in `examples/asl/<Name>.asl.json`, loaded back by the runtime with
//! the same task functions bound by name) gives the same output and the same history event
//! types, on the success path and on each failure path. The ASL as deployed
//! (`examples/asl/resolved/`, the functions bound as Lambda functions) gives the same outcome.

use std::path::PathBuf;

use order_workflows::report::orders;
use order_workflows::tasks::{ApprovalDesk, Warehouse, manager};
use order_workflows::*;
use workflow::dsl::{Callbacks, TaskStates, WorkflowDefinition};
use workflow::prelude::*;

struct Run {
    status: String,
    output: Option<Value>,
    failure: Option<(Option<String>, Option<String>)>,
    events: Vec<&'static str>,
}

fn summarize(status: &ExecutionStatus, history: &[HistoryEvent]) -> Run {
    Run {
        status: status.as_str().to_string(),
        output: status.output().cloned(),
        failure: status.failure().map(|f| (f.error.clone(), f.cause.clone())),
        events: history.iter().map(|e| e.event_type.as_str()).collect(),
    }
}

/// The states the example tasks take, a fresh warehouse for each run, and a manager who
/// answers every approval request with `approved`.
fn services(runtime: &Runtime, approved: bool) -> TaskStates {
    let (desk, queue) = ApprovalDesk::new();
    manager(Callbacks::new(runtime), queue, move |_| approved, |_| {});
    TaskStates::new().with(Warehouse::stocked()).with(desk)
}

/// Binds the tasks of `W` with the example states.
fn bind_services<W: WorkflowDefinition>(runtime: &Runtime, approved: bool) {
    workflow::dsl::bind::<W>(runtime)
        .states(services(runtime, approved))
        .finish()
        .expect("the tasks bind");
}

/// Starts `workflow` on the document of `order` and summarizes its end.
async fn start_and_summarize(runtime: &Runtime, workflow: &Workflow, order: &Order) -> Run {
    let handle = runtime
        .start(
            workflow,
            serde_json::to_value(OrderDoc::new(order.clone())).unwrap(),
        )
        .await
        .unwrap();
    let status = handle.outcome().await;
    summarize(&status, &handle.history().await)
}

async fn native<W: WorkflowDefinition<Input = OrderDoc>>(order: &Order, approved: bool) -> Run {
    let runtime = Runtime::builder().seed(11).build();
    bind_services::<W>(&runtime, approved);
    let workflow = workflow::dsl::load::<W>(&runtime).expect("the definition loads");
    start_and_summarize(&runtime, &workflow, order).await
}

async fn typed<W: WorkflowDefinition<Input = OrderDoc, Output = OrderDoc>>(
    order: &Order,
    approved: bool,
) -> Run {
    let runtime = Runtime::builder().seed(11).build();
    bind_services::<W>(&runtime, approved);
    let execution = workflow::dsl::start::<W>(&runtime, OrderDoc::new(order.clone()))
        .await
        .unwrap();
    let status = execution.outcome().await;
    summarize(&status, &execution.history().await)
}

/// Runs the ASL file `examples/asl/<dir>/<Name>.asl.json` with the workflow's functions
/// bound by `bind`.
async fn run_file<W: WorkflowDefinition>(
    dir: &str,
    bind: impl Fn(&Runtime, &'static str, Shared),
    order: &Order,
    approved: bool,
) -> Run {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples/asl")
        .join(dir)
        .join(format!("{}.asl.json", W::NAME));
    let text = std::fs::read_to_string(&path).expect("the exported ASL is checked in");
    let runtime = Runtime::builder().seed(11).build();
    let states = services(&runtime, approved);
    for task in W::tasks() {
        let handler = task.handler(&states).expect("the states are given");
        bind(&runtime, task.name(), Shared(handler));
    }
    let workflow = runtime
        .load_with(
            &text,
            &LoadOptions::default()
                .name(W::NAME)
                .machine_type(W::MACHINE_TYPE),
        )
        .expect("the exported ASL loads");
    start_and_summarize(&runtime, &workflow, order).await
}

/// The exported ASL, the same functions bound by name to its `${Name}` resources.
async fn exported<W: WorkflowDefinition>(order: &Order, approved: bool) -> Run {
    run_file::<W>(
        "",
        |runtime, name, handler| {
            runtime.bind(name, handler);
        },
        order,
        approved,
    )
    .await
}

/// The ASL as deployed (`examples/asl/resolved/`: each task a Lambda function ARN, a callback
/// task a `lambda:invoke.waitForTaskToken` of its function), each function bound as the
/// Lambda function of that name. Its history differs in kind (`LambdaFunction*` events where
/// a `${Name}` task records `Task*` events); its outcome may not.
async fn deployed<W: WorkflowDefinition>(order: &Order, approved: bool) -> Run {
    run_file::<W>(
        "resolved",
        |runtime, name, handler| {
            runtime.bind_lambda(name, handler);
        },
        order,
        approved,
    )
    .await
}

struct Shared(std::sync::Arc<dyn TaskHandler>);

impl TaskHandler for Shared {
    fn call(
        &self,
        input: Value,
        ctx: TaskContext,
    ) -> workflow::runtime::BoxFuture<Result<Value, TaskError>> {
        self.0.call(input, ctx)
    }
}

/// Checks that `other` ended as `a` did: the same status, output and error. `at` names the
/// scenario, `against` what `other` is ("vs exported ASL", "as deployed").
fn assert_same_outcome(a: &Run, other: &Run, at: &str, against: &str) {
    assert_eq!(a.status, other.status, "{at}: status {against}");
    assert_eq!(a.output, other.output, "{at}: output {against}");
    assert_eq!(a.failure, other.failure, "{at}: error {against}");
}

async fn check<W: WorkflowDefinition<Input = OrderDoc, Output = OrderDoc>>(
    scenario: &str,
    order: Order,
    approved: bool,
    expected_status: &str,
) {
    let a = native::<W>(&order, approved).await;
    let b = exported::<W>(&order, approved).await;
    let c = typed::<W>(&order, approved).await;
    let d = deployed::<W>(&order, approved).await;
    let at = format!("{} / {scenario}", W::NAME);
    assert_eq!(a.status, expected_status, "{at}: {:?}", a.failure);
    for (other, label) in [(&b, "exported ASL"), (&c, "typed start")] {
        assert_same_outcome(&a, other, &at, &format!("vs {label}"));
        assert_eq!(a.events, other.events, "{at}: history vs {label}");
    }
    assert!(a.events.len() > 3, "{at}: {:?}", a.events);
    assert_same_outcome(&a, &d, &at, "as deployed");
    assert_eq!(
        a.events.len(),
        d.events.len(),
        "{at}: history as deployed: {:?}",
        d.events
    );
}

fn with_card(card: &str) -> Order {
    Order {
        card: card.into(),
        ..orders::small()
    }
}

fn with_email(email: &str) -> Order {
    Order {
        email: email.into(),
        ..orders::small()
    }
}

fn out_of_stock() -> Order {
    let mut order = orders::large();
    order.items.push(Item {
        sku: "discontinued-vase".into(),
        quantity: 1,
    });
    order
}

fn invalid() -> Order {
    Order {
        items: vec![],
        ..orders::small()
    }
}

#[tokio::test(start_paused = true)]
async fn sequential_order() {
    check::<SequentialOrder>("success", orders::small(), true, "SUCCEEDED").await;
    check::<SequentialOrder>("invalid order", invalid(), true, "FAILED").await;
    check::<SequentialOrder>(
        "declined card",
        with_card("4000-0000-0000-0002"),
        true,
        "FAILED",
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn approval_order() {
    check::<ApprovalOrder>("small: no approval", orders::small(), true, "SUCCEEDED").await;
    check::<ApprovalOrder>("large: approved", orders::large(), true, "SUCCEEDED").await;
    check::<ApprovalOrder>("large: declined", orders::large(), false, "FAILED").await;
}

#[tokio::test(start_paused = true)]
async fn ship_and_notify() {
    check::<ShipAndNotify>("success", orders::small(), true, "SUCCEEDED").await;
    check::<ShipAndNotify>(
        "bounced e-mail",
        with_email("bounce@example.com"),
        true,
        "FAILED",
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn reserve_items() {
    check::<ReserveItems>("success", orders::large(), true, "SUCCEEDED").await;
    check::<ReserveItems>("out of stock", out_of_stock(), true, "FAILED").await;
}

#[tokio::test(start_paused = true)]
async fn payment() {
    check::<Payment>("success", orders::small(), true, "SUCCEEDED").await;
    check::<Payment>(
        "flaky gateway",
        with_card("4000-0000-0000-0119"),
        true,
        "SUCCEEDED",
    )
    .await;
    check::<Payment>(
        "declined card",
        with_card("4000-0000-0000-0002"),
        true,
        "FAILED",
    )
    .await;
    check::<Payment>(
        "gateway down",
        with_card("4000-0000-0000-0000"),
        true,
        "FAILED",
    )
    .await;
}

#[tokio::test(start_paused = true)]
async fn complete_order() {
    check::<CompleteOrder>("small", orders::small(), true, "SUCCEEDED").await;
    check::<CompleteOrder>("large, approved", orders::large(), true, "SUCCEEDED").await;
    check::<CompleteOrder>("large, not approved", orders::large(), false, "FAILED").await;
    check::<CompleteOrder>("invalid", invalid(), true, "FAILED").await;
    check::<CompleteOrder>("declined", with_card("4000-0000-0000-0002"), true, "FAILED").await;
    check::<CompleteOrder>(
        "gateway down",
        with_card("4000-0000-0000-0000"),
        true,
        "FAILED",
    )
    .await;
    check::<CompleteOrder>(
        "flaky gateway",
        with_card("4000-0000-0000-0119"),
        true,
        "SUCCEEDED",
    )
    .await;
    check::<CompleteOrder>(
        "out of stock",
        Order {
            total: 500.0,
            ..out_of_stock()
        },
        true,
        "FAILED",
    )
    .await;
    check::<CompleteOrder>(
        "bounced e-mail",
        with_email("bounce@example.com"),
        true,
        "FAILED",
    )
    .await;
}
