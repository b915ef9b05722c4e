// Every state type and every field of the DSL in one workflow, type-checked against the
// document; `main` checks the exported ASL.
use workflow::prelude::*;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Item {
    pub sku: String,
    pub quantity: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Order {
    pub id: String,
    pub total: f64,
    pub limit: f64,
    pub quantity: u32,
    pub express: bool,
    pub placed_at: String,
    pub deadline: String,
    pub note: Option<String>,
    pub items: Vec<Item>,
    pub wait_seconds: u64,
    pub ship_at: String,
    pub timeout: u64,
    pub heartbeat: u64,
    pub concurrency: u32,
    pub tolerated: u32,
    pub tolerated_percentage: f64,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Receipt {
    pub id: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Reservation {
    pub sku: String,
    pub reserved: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Doc {
    pub order: Order,
    pub summary: Option<Value>,
    pub receipt: Option<Receipt>,
    pub notified: Option<Value>,
    pub reservations: Option<Vec<Reservation>>,
    pub error: Option<ErrorOutput>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ChargeRequest {
    pub order_id: String,
    pub amount: f64,
    pub note: Option<String>,
    pub token: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReserveRequest {
    pub order_id: String,
    pub sku: String,
    pub index: usize,
}

#[derive(Debug, TaskError)]
pub enum PaymentError {
    CardDeclined { code: String },
    GatewayTimeout,
}

#[task]
async fn charge(request: ChargeRequest) -> Result<Receipt, PaymentError> {
    Ok(Receipt {
        id: request.order_id,
    })
}

#[task]
async fn notify(message: Value, ctx: &TaskContext) -> Result<Value, TaskError> {
    let _ = ctx;
    Ok(message)
}

#[task]
async fn reserve(request: ReserveRequest) -> Result<Reservation, TaskError> {
    Ok(Reservation {
        sku: request.sku,
        reserved: true,
    })
}

workflow! {
    /// Every state type and field.
    pub Everything(Doc) -> Doc {
        timeout_seconds: 3600,
        version: "1.0",

        /// Builds a summary with paths, intrinsic functions and the context object.
        pass Start {
            input_path: $,
            parameters: {
                id: $.order.id,
                greeting: States.Format("Order {} of {}", $.order.id, $$.Execution.Name),
                uuid: States.UUID(),
                items: States.ArrayLength($.order.items),
                first: States.ArrayGetItem($.order.items, 0),
                sum: States.MathAdd($.order.quantity, -1),
                "with-dash": 1,
                state: $$.State.Name,
                literals: [1, 2.5, "three", true, null, { nested: -4 }],
                nested: { total: $.order.total, first_sku: $.order.items[0].sku },
            },
            result_path: $.summary,
            assign: { order_id: $.id, started: $$.Execution.StartTime },
            next: Route,
        }
        choice Route {
            comment: "every comparison",
            when $.order.total > 1000 => Literal,
            when $.order.total >= 500 && $.order.total < 1000 => Literal,
            when $.order.total <= 10 || $.order.quantity == 0 => Literal,
            when !($.order.express == true) => Literal,
            when $.order.total != 42 => Literal,
            when -5 < $.order.total => Literal,
            when $.order.id == "A1" => Literal,
            when $.order.id < "M" && $.order.id > "B" && $.order.id <= "Y" && $.order.id >= "C" => Literal,
            when numeric($.order.total) == $.order.limit => Literal,
            when numeric($.order.total) < $.order.limit || numeric($.order.total) <= $.order.limit => Literal,
            when numeric($.order.total) > $.order.limit || numeric($.order.total) >= $.order.limit => Literal,
            when string($.order.id) == $.order.note => Literal,
            when string($.order.id) < $.order.note || string($.order.id) > $.order.note => Literal,
            when string($.order.id) <= $.order.note || string($.order.id) >= $.order.note => Literal,
            when timestamp($.order.placed_at) < $.order.deadline => Literal,
            when timestamp($.order.placed_at) == $.order.deadline || timestamp($.order.placed_at) > $.order.deadline => Literal,
            when timestamp($.order.placed_at) <= $.order.deadline || timestamp($.order.placed_at) >= $.order.deadline => Literal,
            when timestamp($.order.placed_at) > timestamp("2024-01-01T00:00:00Z") => Literal,
            when $.order.placed_at == timestamp("2024-01-01T00:00:00Z") => Literal,
            when boolean($.order.express) == $.order.express => Literal,
            when is_present($.order.note) && is_null($.order.note) => Literal,
            when is_numeric($.order.total) && is_string($.order.id) => Literal,
            when is_boolean($.order.express) && is_timestamp($.order.placed_at) => Literal,
            when matches($.order.id, "A*") => Literal assign: { route: "matched" },
            when $$.Execution.Name == "test" => Literal,
            when $order_id == "A1" => Literal,
            default => Literal,
        }
        pass Literal {
            result: { status: "ok", count: 3, ratio: 0.5, tags: ["a", "b"], nested: { x: null, neg: -1 } },
            result_path: $.summary,
            next: WaitSeconds,
        }
        wait WaitSeconds { seconds: 1, next: WaitUntil }
        wait WaitUntil { timestamp: "2024-01-01T00:00:00Z", next: WaitSecondsPath }
        wait WaitSecondsPath { seconds_path: $.order.wait_seconds, next: WaitTimestampPath }
        wait WaitTimestampPath {
            timestamp_path: $.order.ship_at,
            input_path: $,
            output_path: $,
            assign: { waited: true },
            next: Charge,
        }
        /// Charges the card.
        task Charge = charge {
            parameters: ChargeRequest {
                order_id: $.order.id,
                amount: $.order.total,
                note: $.order.note,
                token: States.Format("{}-{}", $order_id, $$.Execution.Id),
            },
            result_selector: Receipt { id: $.id },
            result_path: $.receipt,
            output_path: $,
            timeout_seconds: 30,
            heartbeat_seconds: 10,
            retry: [
                PaymentError::GatewayTimeout | States.Timeout => {
                    interval_seconds: 2,
                    max_attempts: 3,
                    backoff_rate: 2.0,
                    max_delay_seconds: 30,
                    jitter_strategy: FULL,
                    comment: "the gateway is flaky",
                },
                "Custom.Error" => { max_attempts: 1, jitter_strategy: NONE },
            ],
            catch: [
                PaymentError::CardDeclined => Declined {
                    result_path: $.error,
                    assign: { failure: $.Error },
                    comment: "declined",
                },
                States.ALL => Failed { result_path: $.error },
            ],
            assign: { receipt_id: $.id },
            next: ChargeWithPaths,
        }
        task ChargeWithPaths = charge {
            comment: "the timeouts come from the input",
            parameters: ChargeRequest {
                order_id: $.order.id,
                amount: $.order.total,
                note: null,
                token: $$.Execution.Id,
            },
            timeout_seconds_path: $.order.timeout,
            heartbeat_seconds_path: $.order.heartbeat,
            result_path: null,
            next: Notify,
        }
        parallel Notify {
            input_path: $.order,
            parameters: { id: $.id, total: $.total },
            branch {
                task Email = notify { end }
            },
            branch {
                pass Sms { result: { sent: true }, next: SmsDone }
                succeed SmsDone;
            },
            // A path into untyped JSON is written as a string, with its key ending in `.$`.
            result_selector: { email: $[0], "sms.$": "$[1].sent" },
            result_path: $.notified,
            retry: [ States.BranchFailed => { max_attempts: 1 } ],
            catch: [ States.ALL => Failed { result_path: $.error } ],
            assign: { notified: true },
            next: Reserve,
        }
        map Reserve {
            items_path: $.order.items,
            item_selector: ReserveRequest {
                order_id: $.order.id,
                sku: $$.Map.Item.Value.sku,
                index: $$.Map.Item.Index,
            },
            max_concurrency: 2,
            tolerated_failure_count: 1,
            tolerated_failure_percentage: 10,
            mode: INLINE,
            item_processor {
                task ReserveItem = reserve {
                    retry: [ States.TaskFailed => { max_attempts: 2 } ],
                    end,
                }
            },
            result_path: $.reservations,
            catch: [ States.ALL => Failed { result_path: $.error } ],
            next: ReserveWithPaths,
        }
        map ReserveWithPaths {
            input_path: $.order,
            items_path: "$['items']",
            max_concurrency_path: $.concurrency,
            tolerated_failure_count_path: $.tolerated,
            tolerated_failure_percentage_path: $.tolerated_percentage,
            mode: DISTRIBUTED,
            execution_type: EXPRESS,
            label: "reserve",
            item_processor {
                pass Echo { end }
            },
            result_path: null,
            output_path: $,
            next: Done,
        }
        succeed Done { input_path: $, output_path: $ }
        fail Declined { error: "PaymentDeclined", cause: "the card was declined" }
        fail Failed {
            error_path: $.error.Error,
            cause_path: States.Format("failed: {}", $.error.Cause),
        }
    }
}

fn main() {
    let asl: Value = serde_json::from_str(Everything::asl_json()).expect("the ASL is JSON");
    assert_eq!(asl["StartAt"], "Start");
    assert_eq!(asl["Comment"], "Every state type and field.");
    assert_eq!(asl["TimeoutSeconds"], 3600);
    let states = &asl["States"];
    let types: std::collections::BTreeSet<&str> = states
        .as_object()
        .unwrap()
        .values()
        .map(|s| s["Type"].as_str().unwrap())
        .collect();
    assert_eq!(types.len(), 8, "all eight state types: {types:?}");

    let start = &states["Start"];
    assert_eq!(
        start["Parameters"]["greeting.$"],
        "States.Format('Order {} of {}', $.order.id, $$.Execution.Name)"
    );
    assert_eq!(start["Parameters"]["with-dash"], 1);
    assert_eq!(
        start["Parameters"]["nested"]["first_sku.$"],
        "$.order.items[0].sku"
    );
    assert_eq!(
        start["Parameters"]["sum.$"],
        "States.MathAdd($.order.quantity, -1)"
    );
    assert_eq!(start["Assign"]["started.$"], "$$.Execution.StartTime");

    let route = &states["Route"]["Choices"];
    assert_eq!(route[0]["NumericGreaterThan"], 1000);
    assert_eq!(route[4]["Not"]["NumericEquals"], 42);
    assert_eq!(route[5]["NumericGreaterThan"], -5);
    assert_eq!(route[8]["NumericEqualsPath"], "$.order.limit");
    assert_eq!(route[14]["TimestampLessThanPath"], "$.order.deadline");
    assert_eq!(route[23]["StringMatches"], "A*");
    assert_eq!(route[23]["Assign"]["route"], "matched");
    assert_eq!(route[25]["Variable"], "$order_id");
    assert_eq!(states["Route"]["Default"], "Literal");

    assert_eq!(
        states["WaitTimestampPath"]["TimestampPath"],
        "$.order.ship_at"
    );
    let charge = &states["Charge"];
    assert_eq!(charge["Resource"], "${Charge}");
    assert_eq!(charge["Comment"], "Charges the card.");
    assert_eq!(charge["Retry"][0]["ErrorEquals"][0], "GatewayTimeout");
    assert_eq!(charge["Retry"][0]["ErrorEquals"][1], "States.Timeout");
    assert_eq!(charge["Retry"][0]["JitterStrategy"], "FULL");
    assert_eq!(charge["Catch"][0]["ErrorEquals"][0], "CardDeclined");
    assert_eq!(charge["Catch"][0]["Assign"]["failure.$"], "$.Error");
    assert_eq!(charge["ResultSelector"]["id.$"], "$.id");
    assert_eq!(
        states["ChargeWithPaths"]["HeartbeatSecondsPath"],
        "$.order.heartbeat"
    );
    assert_eq!(states["ChargeWithPaths"]["ResultPath"], Value::Null);
    assert_eq!(states["Notify"]["Branches"].as_array().unwrap().len(), 2);
    assert_eq!(
        states["Reserve"]["ItemSelector"]["sku.$"],
        "$$.Map.Item.Value.sku"
    );
    assert_eq!(
        states["Reserve"]["ItemProcessor"]["ProcessorConfig"]["Mode"],
        "INLINE"
    );
    assert_eq!(states["ReserveWithPaths"]["ItemsPath"], "$['items']");
    assert_eq!(states["Notify"]["ResultSelector"]["sms.$"], "$[1].sent");
    assert_eq!(
        states["ReserveWithPaths"]["ItemProcessor"]["ProcessorConfig"]["ExecutionType"],
        "EXPRESS"
    );
    assert_eq!(
        states["Failed"]["CausePath"],
        "States.Format('failed: {}', $.error.Cause)"
    );

    // The same validator accepts it at run time, and every task is bound by its name.
    let definition = Everything::definition();
    let _ = definition;
    let tasks: Vec<&str> = <Everything as WorkflowDefinition>::tasks()
        .iter()
        .map(|task| task.name())
        .collect();
    assert_eq!(tasks, ["Charge", "Notify", "Reserve"]);
    assert!(
        Everything::asl_json_resolved(|name| Some(format!("arn:{name}"))).contains("arn:Charge")
    );
}
