//! The `tasks` binary as AWS Lambda runs it: a process whose environment gives the address
//! of the Runtime API and the task its function is, polling a server on loopback that speaks
//! the Lambda Runtime API as AWS documents it
//! (<https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html>): `GET
//! /2018-06-01/runtime/invocation/next` answers an invocation's payload with its
//! `Lambda-Runtime-Aws-Request-Id`, `Lambda-Runtime-Deadline-Ms`,
//! `Lambda-Runtime-Invoked-Function-Arn` and `Lambda-Runtime-Trace-Id` headers (and is held
//! until there is one), `POST .../invocation/{id}/response` takes the result and `POST
//! .../invocation/{id}/error` the error document (`errorType`, `errorMessage`, and the
//! optional `Lambda-Runtime-Function-Error-Type` header).
//!
//! What a task does is compared with what it does in-process, never with a copy of the
//! binary's output; and the workflows run through their Lambda functions the way Step
//! Functions runs them, next to the same workflows run in-process.
//!
//! Real processes and sockets: these tests run on real time (a paused clock would skip the
//! waits for the child's answers). Nothing sleeps; [`PATIENCE`] only bounds a hang.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use order_workflows::report::orders;
use order_workflows::tasks::{ApprovalDesk, Warehouse, charge_payment, manager, ship_order};
use order_workflows::*;
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::net::TcpListener;
use tokio::process::{Child, ChildStdout, Command};
use tokio::sync::{Mutex, mpsc};
use workflow::dsl::{Callbacks, TaskInfo, TaskStates};
use workflow::lambda::{FUNCTION_NAME_VARIABLE, RUNTIME_API_VARIABLE, TASK_VARIABLE};
use workflow::prelude::*;
use workflow::runtime::TokioClock;

/// The longest a test waits for the binary: a bound on a hang, not a pace.
const PATIENCE: Duration = Duration::from_secs(60);

/// Where the Runtime API is, under its version.
const INVOCATION: &str = "/2018-06-01/runtime/invocation/";

/// A Lambda response or request body is at most 6 MB.
const MAX_BODY: usize = 6 * 1024 * 1024;

/// One invocation, as the Lambda service hands it to the runtime.
struct Invocation {
    request_id: String,
    payload: Value,
}

/// What the runtime reported for an invocation.
#[derive(Debug)]
enum Outcome {
    /// `POST .../response`: the function's result.
    Response { request_id: String, body: Value },
    /// `POST .../error`: the error document, and the error type header.
    Error {
        request_id: String,
        body: Value,
        error_type_header: Option<String>,
    },
}

impl Outcome {
    fn request_id(&self) -> &str {
        match self {
            Outcome::Response { request_id, .. } | Outcome::Error { request_id, .. } => request_id,
        }
    }

    fn response(self) -> Value {
        match self {
            Outcome::Response { body, .. } => body,
            error => panic!("the function failed: {error:?}"),
        }
    }

    /// The error document.
    fn error(self) -> Value {
        match self {
            Outcome::Error { body, .. } => body,
            response => panic!("the function did not fail: {response:?}"),
        }
    }

    /// The task's result as Step Functions takes it from the function: its response, or for
    /// a function error the error named after the `errorType` with the whole error document
    /// as its cause (the AWS-recorded case `error_handling/raise_exception_catch` of
    /// tests/conformance: `"Error": "Exception"`, `"Cause": "{\"errorMessage\": ...}"`).
    fn into_task_result(self) -> Result<Value, TaskError> {
        match self {
            Outcome::Response { body, .. } => Ok(body),
            Outcome::Error { body, .. } => Err(TaskError::new(
                body["errorType"].as_str().unwrap_or_default(),
                body.to_string(),
            )),
        }
    }
}

/// The Lambda Runtime API of one execution environment, on loopback.
struct RuntimeApi {
    address: SocketAddr,
    invocations: mpsc::UnboundedSender<Invocation>,
    outcomes: Mutex<mpsc::UnboundedReceiver<Outcome>>,
    requests: AtomicU64,
}

impl RuntimeApi {
    async fn start(function_name: &str) -> RuntimeApi {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let function_arn: Arc<str> = Arc::from(format!(
            "arn:aws:lambda:us-east-1:123456789012:function:{function_name}"
        ));
        let (invocations, pending) = mpsc::unbounded_channel();
        let (reported, outcomes) = mpsc::unbounded_channel();
        let pending = Arc::new(Mutex::new(pending));
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (pending, reported) = (pending.clone(), reported.clone());
                let arn = Arc::clone(&function_arn);
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        answer(request, pending.clone(), reported.clone(), arn.clone())
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        RuntimeApi {
            address,
            invocations,
            outcomes: Mutex::new(outcomes),
            requests: AtomicU64::new(0),
        }
    }

    /// Invokes the function with `payload` and returns what it reported.
    async fn invoke(&self, payload: Value) -> Outcome {
        let n = self.requests.fetch_add(1, Ordering::Relaxed);
        let request_id = format!("8476a536-e9f4-11e8-9739-{n:012x}");
        // One invocation at a time, as Lambda gives an execution environment.
        let mut outcomes = self.outcomes.lock().await;
        self.invocations
            .send(Invocation {
                request_id: request_id.clone(),
                payload,
            })
            .unwrap();
        let outcome = tokio::time::timeout(PATIENCE, outcomes.recv())
            .await
            .expect("the function answers")
            .expect("the server runs");
        assert_eq!(outcome.request_id(), request_id);
        outcome
    }
}

/// The server's side of one request.
async fn answer(
    request: Request<Incoming>,
    pending: Arc<Mutex<mpsc::UnboundedReceiver<Invocation>>>,
    reported: mpsc::UnboundedSender<Outcome>,
    function_arn: Arc<str>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let route = request
        .uri()
        .path()
        .strip_prefix(INVOCATION)
        .map(str::to_string);
    let reply = |status: StatusCode, body: &str| {
        let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
        *response.status_mut() = status;
        response
    };
    match (request.method(), route.as_deref()) {
        (&Method::GET, Some("next")) => {
            // Held until there is an invocation, as Lambda holds it.
            let Some(invocation) = pending.lock().await.recv().await else {
                return Ok(reply(StatusCode::INTERNAL_SERVER_ERROR, "shut down"));
            };
            let deadline = SystemTime::now().duration_since(UNIX_EPOCH).unwrap() + PATIENCE;
            let response = Response::builder()
                .header("Lambda-Runtime-Aws-Request-Id", invocation.request_id)
                .header(
                    "Lambda-Runtime-Deadline-Ms",
                    deadline.as_millis().to_string(),
                )
                .header("Lambda-Runtime-Invoked-Function-Arn", &*function_arn)
                .header(
                    "Lambda-Runtime-Trace-Id",
                    "Root=1-5bef4de7-ad49b0e87f6ef6c87fc2e700;Parent=9a9197af755a6419;Sampled=1",
                )
                .header("Content-Type", "application/json")
                .body(Full::new(Bytes::from(invocation.payload.to_string())))
                .unwrap();
            Ok(response)
        }
        (&Method::POST, Some(route)) => {
            let Some((request_id, kind)) = route.split_once('/') else {
                return Ok(reply(StatusCode::NOT_FOUND, "no such route"));
            };
            let (request_id, kind) = (request_id.to_string(), kind.to_string());
            let error_type_header = request
                .headers()
                .get("Lambda-Runtime-Function-Error-Type")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let Ok(body) = Limited::new(request.into_body(), MAX_BODY).collect().await else {
                return Ok(reply(StatusCode::PAYLOAD_TOO_LARGE, "over 6 MB"));
            };
            let bytes = body.to_bytes();
            let body = serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
            let outcome = match kind.as_str() {
                "response" => Outcome::Response { request_id, body },
                "error" => Outcome::Error {
                    request_id,
                    body,
                    error_type_header,
                },
                _ => return Ok(reply(StatusCode::NOT_FOUND, "no such route")),
            };
            let _ = reported.send(outcome);
            Ok(reply(StatusCode::ACCEPTED, r#"{"status":"OK"}"#))
        }
        _ => Ok(reply(StatusCode::NOT_FOUND, "no such route")),
    }
}

/// A function deployed with the `tasks` binary, in its execution environment.
struct Deployed {
    api: Arc<RuntimeApi>,
    /// Its runtime's process (killed when this is dropped).
    process: Child,
    /// Its log: the lines it writes to standard output.
    log: Lines<BufReader<ChildStdout>>,
}

impl Deployed {
    /// The function `function_name`, told its task in `WORKFLOW_TASK` when `task` is given,
    /// started as Lambda starts a function's runtime: with the variables Lambda sets.
    async fn start(task: Option<&str>, function_name: &str) -> Deployed {
        let api = Arc::new(RuntimeApi::start(function_name).await);
        let mut command = Command::new(env!("CARGO_BIN_EXE_tasks"));
        command
            .env(RUNTIME_API_VARIABLE, api.address.to_string())
            .env(FUNCTION_NAME_VARIABLE, function_name)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env_remove(TASK_VARIABLE)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(task) = task {
            command.env(TASK_VARIABLE, task);
        }
        let mut process = command.spawn().expect("the tasks binary starts");
        let log = BufReader::new(process.stdout.take().unwrap()).lines();
        Deployed { api, process, log }
    }

    async fn invoke(&self, payload: impl Serialize) -> Outcome {
        self.api
            .invoke(serde_json::to_value(payload).unwrap())
            .await
    }

    /// The next line of its log that contains `text`.
    async fn logged(&mut self, text: &str) -> String {
        let found = async {
            while let Some(line) = self.log.next_line().await.unwrap() {
                if line.contains(text) {
                    return line;
                }
            }
            panic!("the function ended without logging {text:?}")
        };
        tokio::time::timeout(PATIENCE, found)
            .await
            .expect("the line is logged")
    }

    /// A handler that invokes this function, as Step Functions invokes a task's function.
    fn as_task_handler(&self) -> impl TaskHandler {
        let api = Arc::clone(&self.api);
        move |payload: Value, _ctx: TaskContext| {
            let api = Arc::clone(&api);
            async move { api.invoke(payload).await.into_task_result() }
        }
    }

    /// A handler that invokes this function as `lambda:invoke.waitForTaskToken` does, and
    /// then waits, under way, until the token is answered (which ends the handler): Step
    /// Functions waits for the token in real time, where the runtime's instant clock would
    /// jump to the task's time-out as soon as nothing is under way. A function error fails
    /// the task, as it does on AWS.
    fn as_callback_handler(&self) -> impl TaskHandler {
        let api = Arc::clone(&self.api);
        move |payload: Value, _ctx: TaskContext| {
            let api = Arc::clone(&api);
            async move {
                api.invoke(payload).await.into_task_result()?;
                std::future::pending().await
            }
        }
    }
}

/// What the task `T` does in-process with `input` (its handler, with the examples' states).
async fn in_process<T: workflow::dsl::Task>(input: Value) -> Result<Value, TaskError> {
    let states = TaskStates::new()
        .with(Warehouse::stocked())
        .with(ApprovalDesk::new().0);
    let handler = TaskInfo::of::<T>().handler(&states).unwrap();
    handler
        .call(input, TaskContext::detached("Task", T::NAME))
        .await
}

fn declined(order: Order) -> Order {
    Order {
        card: "4000-0000-0000-0002".into(),
        ..order
    }
}

#[tokio::test]
async fn one_binary_serves_each_function_the_task_it_is_deployed_as() {
    let request = ShipmentRequest {
        order_id: "A-1001".into(),
        items: orders::small().items,
    };
    let expected = serde_json::to_value(ship_order(request.clone()).await.unwrap()).unwrap();
    // As the template deploys it: a generated function name, the task in WORKFLOW_TASK.
    let ship = Deployed::start(Some("ShipOrder"), "orders-ShipOrderFunction-1A2B3C4D").await;
    // One process serves invocation after invocation.
    for _ in 0..2 {
        assert_eq!(ship.invoke(&request).await.response(), expected);
    }
    // Without WORKFLOW_TASK, a function named after its task serves it.
    let message = Message {
        to: "+1-555-0100".into(),
        order_id: "A-1001".into(),
    };
    let expected = in_process::<order_workflows::tasks::send_sms>(json!(message)).await;
    let sms = Deployed::start(None, "SendSms").await;
    assert_eq!(sms.invoke(&message).await.response(), expected.unwrap());
}

#[tokio::test]
async fn a_task_error_reaches_lambda_with_its_variant_as_the_error_type() {
    let charge = Deployed::start(Some("ChargePayment"), "orders-ChargePaymentFunction-9Z").await;
    let request = ChargeRequest {
        order_id: "A-1001".into(),
        amount: 120.0,
        card: declined(orders::small()).card,
    };
    let local = in_process::<charge_payment>(json!(request))
        .await
        .unwrap_err();
    let Outcome::Error {
        body,
        error_type_header,
        ..
    } = charge.invoke(&request).await
    else {
        panic!("the card is declined");
    };
    // The variant `PaymentError::CardDeclined` is the error's name, as in-process.
    assert_eq!(body["errorType"], "CardDeclined");
    assert_eq!(body["errorType"], local.error.as_str());
    assert_eq!(
        body["errorMessage"],
        local.cause.unwrap_or_default().as_str()
    );
    assert!(
        error_type_header.is_some(),
        "the runtime reports an error type"
    );
}

#[tokio::test]
async fn an_input_that_does_not_fit_the_task_fails_with_the_name_it_has_in_process() {
    let charge = Deployed::start(Some("ChargePayment"), "orders-ChargePaymentFunction-9Z").await;
    let input = json!({"order_id": 7, "amount": "a lot"});
    let local = in_process::<charge_payment>(input.clone())
        .await
        .unwrap_err();
    let error = charge.invoke(&input).await.error();
    // `InvalidTaskInput`: what a Catch on it, on States.TaskFailed or on States.ALL takes,
    // on AWS as in-process; the cause is serde's message.
    assert_eq!(error["errorType"], "InvalidTaskInput");
    assert_eq!(error["errorType"], local.error.as_str());
    assert_eq!(
        error["errorMessage"],
        local.cause.unwrap_or_default().as_str()
    );
    // The process goes on serving.
    let request = ChargeRequest {
        order_id: "A-1001".into(),
        amount: 120.0,
        card: orders::small().card,
    };
    let receipt = in_process::<charge_payment>(json!(request)).await.unwrap();
    assert_eq!(charge.invoke(&request).await.response(), receipt);
}

#[tokio::test]
async fn a_callback_task_gets_the_token_of_its_payload_and_answers_nothing() {
    let mut approve = Deployed::start(Some("RequestApproval"), "orders-Approval-5X").await;
    // As `lambda:invoke.waitForTaskToken` invokes it: the task's input and the token.
    let payload = json!({"order_id": "B-2002", "total": 2400.0, "TaskToken": "AQCEAAAAKgAAAA-1"});
    // The response is not the task's result: the task waits for its token to be answered.
    assert_eq!(approve.invoke(&payload).await.response(), Value::Null);
    let request = approve.logged("approval requested for order B-2002").await;
    assert!(
        request.contains("--task-token 'AQCEAAAAKgAAAA-1'"),
        "the desk got the token of the payload: {request}"
    );
}

#[tokio::test]
async fn a_function_deployed_as_a_task_the_binary_does_not_serve_stops_and_says_why() {
    let mut refund = Deployed::start(Some("Refund"), "orders-RefundFunction-7Q").await;
    let status = tokio::time::timeout(PATIENCE, refund.process.wait())
        .await
        .expect("the process stops")
        .unwrap();
    assert!(!status.success());
    let mut stderr = String::new();
    tokio::io::AsyncReadExt::read_to_string(refund.process.stderr.as_mut().unwrap(), &mut stderr)
        .await
        .unwrap();
    assert!(
        stderr.contains("WORKFLOW_TASK names the task 'Refund'"),
        "{stderr}"
    );
    assert!(stderr.contains("'ChargePayment'"), "{stderr}");
}

/// A runtime whose waits pass at once (a task's time-out stays real time).
fn instant_waits() -> Runtime {
    Runtime::builder()
        .clock(Arc::new(TokioClock::scaled(0.0)))
        .build()
}

#[tokio::test]
async fn a_catch_on_a_task_error_takes_it_on_aws_as_in_process() {
    let order = OrderDoc::new(declined(orders::small()));
    let local = instant_waits();
    let local = Payment::start(&local, order.clone()).await.unwrap();
    let local = local.outcome().await.failure().cloned().unwrap();

    // Step Functions invoking the deployed function: the Catch on
    // `PaymentError::CardDeclined` takes the function's error, and the Fail state after it
    // ends the execution as in-process.
    let charge = Deployed::start(Some("ChargePayment"), "orders-ChargePaymentFunction-9Z").await;
    let aws = instant_waits();
    aws.bind("ChargePayment", charge.as_task_handler());
    let deployed = Payment::start(&aws, order).await.unwrap();
    let deployed = deployed.outcome().await.failure().cloned().unwrap();
    assert_eq!(local.error.as_deref(), Some("PaymentDeclined"));
    assert_eq!(deployed.error, local.error);
    // The cause differs: on AWS, the `Cause` a Catch passes on is Lambda's error document.
    let document: Value = serde_json::from_str(deployed.cause.as_deref().unwrap()).unwrap();
    assert_eq!(document["errorType"], "CardDeclined");
}

/// What ApprovalOrder does with `order` in-process, a manager approving every request: on a
/// tokio runtime of its own whose clock is paused, as the examples' tests run it (its waits
/// pass at once, and never before the manager has answered).
async fn approved_in_process(order: OrderDoc) -> OrderDoc {
    let run = move || {
        let paused = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        paused.block_on(async move {
            let runtime = Runtime::new();
            let (desk, queue) = ApprovalDesk::new();
            manager(Callbacks::new(&runtime), queue, |_| true, |_| {});
            ApprovalOrder::bind(&runtime).state(desk).finish().unwrap();
            let execution = ApprovalOrder::start(&runtime, order).await.unwrap();
            execution.output().await.unwrap()
        })
    };
    tokio::task::spawn_blocking(run).await.unwrap()
}

#[tokio::test]
async fn a_large_order_is_approved_and_charged_through_its_lambda_functions() {
    let order = OrderDoc::new(orders::large());
    let expected = approved_in_process(order.clone()).await;

    // Each task is a function of its own, running the same binary.
    let mut approve = Deployed::start(Some("RequestApproval"), "orders-Approval-5X").await;
    let charge = Deployed::start(Some("ChargePayment"), "orders-ChargePaymentFunction-9Z").await;
    let aws = instant_waits();
    aws.bind("RequestApproval", approve.as_callback_handler());
    aws.bind("ChargePayment", charge.as_task_handler());
    let execution = ApprovalOrder::start(&aws, order).await.unwrap();
    // The manager answers the request the function logged, with the command it suggests.
    let request = approve.logged("approval requested for order B-2002").await;
    let token = request
        .split("--task-token '")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap();
    let answer: Value = serde_json::from_str(
        request
            .split("--task-output '")
            .nth(1)
            .and_then(|rest| rest.strip_suffix('\''))
            .unwrap(),
    )
    .unwrap();
    aws.send_task_success(token, answer).await.unwrap();
    let output = tokio::time::timeout(PATIENCE, execution.output()).await;
    assert_eq!(output.expect("the execution ends").unwrap(), expected);
}

/// A second function named `ShipOrder`, as the one of the examples.
#[task(name = "ShipOrder")]
async fn ship_by_drone(request: ShipmentRequest) -> Result<Shipment, TaskError> {
    Ok(Shipment {
        tracking: format!("DRONE-{}", request.order_id),
    })
}

#[test]
fn every_problem_of_the_tasks_is_reported_before_anything_is_served() {
    let error = workflow::lambda::Tasks::new()
        .state(Warehouse::stocked())
        .state(Warehouse::new())
        .workflow::<CompleteOrder>()
        // ReserveItems shares its task with CompleteOrder: served once, no problem.
        .workflow::<ReserveItems>()
        .task::<ship_by_drone>()
        .functions()
        .unwrap_err();
    let problems: Vec<String> = error.problems().iter().map(|p| p.to_string()).collect();
    assert_eq!(problems.len(), 3, "{error}");
    assert!(problems[0].contains("two states of type order_workflows::tasks::Warehouse"));
    assert!(
        problems[1].contains("`order_workflows::tasks::ship_order` and `lambda::ship_by_drone`"),
        "{}",
        problems[1]
    );
    // RequestApproval takes the approval desk, which was not given.
    assert!(problems[2].contains("'RequestApproval'"), "{}", problems[2]);
    assert!(
        error
            .to_string()
            .starts_with("the tasks cannot be served (3 problems):")
    );
}
