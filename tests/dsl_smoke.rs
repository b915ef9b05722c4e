use workflow::prelude::*;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Order {
    pub id: String,
    pub total: f64,
    pub items: Vec<Item>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Item {
    pub sku: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Receipt {
    pub id: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Reservation {
    pub sku: String,
    pub reserved: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct OrderDoc {
    pub order: Order,
    pub payment: Option<Receipt>,
    pub reservations: Option<Vec<Reservation>>,
    pub error: Option<ErrorOutput>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChargeRequest {
    pub order_id: String,
    pub amount: f64,
}

#[derive(Debug, TaskError)]
pub enum OrderError {
    Invalid { reason: String },
}

#[derive(Debug, TaskError)]
pub enum PaymentError {
    CardDeclined { code: String },
    GatewayTimeout,
}

#[task]
async fn validate_order(order: Order) -> Result<Order, OrderError> {
    if order.items.is_empty() {
        return Err(OrderError::Invalid {
            reason: "no items".into(),
        });
    }
    Ok(order)
}

#[task]
async fn charge_payment(req: ChargeRequest) -> Result<Receipt, PaymentError> {
    if req.amount > 10_000.0 {
        return Err(PaymentError::CardDeclined {
            code: "limit".into(),
        });
    }
    Ok(Receipt {
        id: format!("R-{}", req.order_id),
    })
}

#[task]
async fn reserve_item(item: Item) -> Result<Reservation, TaskError> {
    Ok(Reservation {
        sku: item.sku,
        reserved: true,
    })
}

workflow! {
    /// Order processing.
    pub OrderProcessing(OrderDoc) -> OrderDoc {
        timeout_seconds: 3600,

        task Validate = validate_order {
            input_path: $.order,
            result_path: $.order,
            catch: [ OrderError::Invalid => Rejected { result_path: $.error } ],
            next: CheckTotal,
        }
        choice CheckTotal {
            when $.order.total > 1000 => CoolingOff,
            default => ChargePayment,
        }
        wait CoolingOff { seconds: 900, next: ChargePayment }
        task ChargePayment = charge_payment {
            parameters: ChargeRequest { order_id: $.order.id, amount: $.order.total },
            result_path: $.payment,
            retry: [ PaymentError::GatewayTimeout | States.Timeout => {
                interval_seconds: 2, max_attempts: 3, backoff_rate: 2.0 } ],
            catch: [ States.ALL => PaymentFailed { result_path: $.error } ],
            next: ReserveItems,
        }
        map ReserveItems {
            items_path: $.order.items,
            max_concurrency: 10,
            item_processor {
                task Reserve = reserve_item { end }
            },
            result_path: $.reservations,
            next: Done,
        }
        succeed Done;
        fail Rejected { error: "OrderRejected", cause: "order was not valid" }
        fail PaymentFailed { error: "PaymentFailed", cause_path: $.error.Cause }
    }
}

#[tokio::test(start_paused = true)]
async fn the_order_workflow_runs_and_exports() {
    let asl = OrderProcessing::asl_json();
    assert!(asl.contains("${ChargePayment}"), "{asl}");
    let runtime = Runtime::new();
    let doc = OrderDoc {
        order: Order {
            id: "A1".into(),
            total: 1200.0,
            items: vec![Item { sku: "book".into() }, Item { sku: "lamp".into() }],
        },
        payment: None,
        reservations: None,
        error: None,
    };
    let execution = OrderProcessing::start(&runtime, doc.clone()).await.unwrap();
    let out = execution.output().await.unwrap();
    assert_eq!(out.payment, Some(Receipt { id: "R-A1".into() }));
    assert_eq!(out.reservations.as_ref().map(Vec::len), Some(2));
}

#[test]
fn the_exported_asl_is_a_valid_definition_with_substitution_resources() {
    let asl = OrderProcessing::asl_json();
    let definition =
        workflow::core::definition::Definition::from_json_str(asl, &CompileOptions::default());
    assert!(definition.is_ok(), "{:?}", definition.err());
    let machine: Value = serde_json::from_str(asl).unwrap();
    assert_eq!(machine["StartAt"], "Validate");
}

/// What `hold` was given, for the test to check: a panic in the task would only fail the
/// task (States.TaskFailed), not the test.
struct Held {
    /// The token in its context.
    token: String,
    /// The token in its input.
    from_input: Option<String>,
    /// Its whole input.
    parcel: Value,
}

/// Where `hold` leaves what it was given.
static HELD: std::sync::Mutex<Option<Held>> = std::sync::Mutex::new(None);

/// A callback task whose input is the state's whole input (no `parameters`).
#[task(callback)]
async fn hold(ctx: &TaskContext, parcel: Value) -> Result<Callback<Value>, TaskError> {
    *HELD.lock().unwrap() = Some(Held {
        token: ctx.task_token().unwrap_or_default().to_string(),
        from_input: parcel["TaskToken"].as_str().map(str::to_string),
        parcel,
    });
    Ok(Callback::pending())
}

workflow! {
    Hold(Value) -> Value {
        task Wait = hold { callback, end }
    }
}

#[tokio::test(start_paused = true)]
async fn a_callback_task_without_parameters_gets_the_token_in_its_input() {
    // As deployed, the Lambda function finds the token in its event: the same event here.
    let machine: Value = serde_json::from_str(Hold::asl_json()).unwrap();
    assert!(
        machine["States"]["Wait"]["Parameters"]["Payload.$"]
            .as_str()
            .is_some_and(|p| p.contains("$$.Task.Token")),
        "{machine:#}"
    );
    let runtime = Runtime::new();
    let execution = Hold::start(&runtime, json!({"id": "P1"})).await.unwrap();
    // A bounded wait: busy yielding never lets the paused clock reach a timeout.
    let mut held = None;
    for _ in 0..10_000 {
        tokio::task::yield_now().await;
        held = HELD.lock().unwrap().take();
        if held.is_some() {
            break;
        }
    }
    let Held {
        token,
        from_input,
        parcel,
    } = held.expect("the callback task was never called");
    assert_eq!(parcel["id"], "P1", "the input is kept: {parcel}");
    assert!(!token.is_empty());
    assert_eq!(from_input.as_deref(), Some(token.as_str()));
    runtime
        .send_task_success(&token, json!({"id": "P2"}))
        .await
        .unwrap();
    assert_eq!(execution.output().await.unwrap(), json!({"id": "P2"}));
}
