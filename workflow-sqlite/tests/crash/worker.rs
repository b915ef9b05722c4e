//! The worker the crash test kills: a process that runs the same STANDARD executions of
//! `order.asl.json` on a SQLite store, however often it is killed and started again.
//!
//! Each launch opens the store, binds the handlers, resumes what the last launch left, starts
//! the executions that do not exist yet (fixed names and inputs; a start of one that exists
//! is AWS's idempotent start, or `ExecutionAlreadyExists` once it has ended), waits for every
//! one to end and exits 0. It tells the parent where it is with lines on its stdout (`open`,
//! `resumed N`, `started`, `done`), and what the runtime acknowledged (`start NAME`, `answered
//! TOKEN`: a crash may not lose them).
//!
//! What it does is a function of its inputs, never of timing, so that a run killed and
//! resumed ends with the very history of an uninterrupted one:
//! - a handler fails or succeeds by its input and attempt number (`failures`);
//! - concurrent tasks (Parallel branches, Map iterations) return in a fixed order: a handler
//!   whose input names a step `after` returns only once the history shows that step done;
//! - the callback's token is answered only once the history shows the task submitted;
//! - the runtime's seed is fixed, and so is the order of the starts, which draw the
//!   executions' seeds (their task tokens, `States.UUID`, retry jitter) from it.
//!
//! Every handler appends `invoke` to the invocation log (fsync'd) before it does anything,
//! and `return` before it returns: the parent checks them against the journal.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use workflow_runtime::store::PageRequest;
use workflow_runtime::{
    BoxFuture, CallbackError, Clock, HistoryEvent, LoadOptions, Runtime, StartError, StartOptions,
    TaskContext, TaskError,
};
use workflow_sqlite::SqliteStore;

use crate::common::child::tell;

/// The state machine every execution runs.
pub const ORDER: &str = include_str!("order.asl.json");
/// Its name in the store.
pub const STATE_MACHINE: &str = "orders";
/// The callback task's resource.
const QUEUE: &str = "arn:aws:states:::sqs:sendMessage.waitForTaskToken";
/// The runtime's seed, the same in every launch and in the reference run.
const SEED: u64 = 0x5eed_c4a5;
/// How many times faster than the wall clock the worker's clock runs.
pub const SPEED: i64 = 100;
/// How long the answer to a callback takes (real time), from the handler's call.
const ANSWER_AFTER: Duration = Duration::from_millis(20);
/// How often a handler or an answer looks at the history for what it waits for.
const LOOK_EVERY: Duration = Duration::from_millis(3);

/// The environment of a worker: its folder, how many executions, its clock's origin, its
/// launch number.
pub const DIR: &str = "WORKFLOW_CRASH_DIR";
pub const EXECUTIONS: &str = "WORKFLOW_CRASH_EXECUTIONS";
pub const ORIGIN: &str = "WORKFLOW_CRASH_ORIGIN";
pub const LAUNCH: &str = "WORKFLOW_CRASH_LAUNCH";

/// The files of a run, in its folder.
pub fn store_path(dir: &Path) -> PathBuf {
    dir.join("store.db")
}
pub fn invocation_log(dir: &Path) -> PathBuf {
    dir.join("invocations.log")
}
fn token_file(dir: &Path) -> PathBuf {
    dir.join("tokens.log")
}

/// The `i`th execution's name.
pub fn execution_name(i: usize) -> String {
    format!("order-{i:02}")
}

/// The `i`th execution's items: 2 to 5, each failing 0, 1 or 3 times (3: past its Retry's
/// two retries, so that its Catch recovers it), each done after the one before.
pub fn items(i: usize) -> Vec<Value> {
    (0..2 + i % 4)
        .map(|j| {
            let failures = [0, 1, 3][(i + j) % 3];
            json!({
                "id": format!("item-{j}"),
                "after": (j > 0).then(|| format!("item-{}-end", j - 1)),
                "failures": failures,
            })
        })
        .collect()
}

/// The `i`th execution's input: every path of the definition is taken by some of them.
pub fn input(i: usize) -> Value {
    json!({
        "order": i,
        "prepareFailures": i % 3,
        // One in four skips the Parallel.
        "route": if i % 4 == 3 { "short" } else { "full" },
        "items": items(i),
        // Half pause for 90 s, long enough for the driver to take them out of memory.
        "pauseSeconds": if i.is_multiple_of(2) { 90 } else { 3 },
        "approver": format!("approver-{}", i % 5),
    })
}

/// A clock `SPEED` times faster than the wall clock from `origin` on (ms since the epoch):
/// a function of the wall clock, so that every launch of a run shares its time, deadlines
/// included, as processes on a real clock do. (`TokioClock::scaled` starts again from the
/// wall clock in each process: a resumed run's time would go back.)
pub struct FastClock {
    origin: i64,
    /// The latest time told: it never goes back, even if the wall clock does.
    told: AtomicI64,
}

impl FastClock {
    pub fn new(origin: i64) -> FastClock {
        FastClock {
            origin,
            told: AtomicI64::new(origin),
        }
    }

    fn at(origin: i64, wall: i64) -> i64 {
        origin + (wall - origin).max(0) * SPEED
    }
}

/// The wall clock, in ms since the epoch.
pub fn wall_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

impl Clock for FastClock {
    fn now_millis(&self) -> i64 {
        let now = FastClock::at(self.origin, wall_millis());
        self.told.fetch_max(now, Ordering::Relaxed).max(now)
    }

    fn sleep_until(&self, deadline: i64) -> BoxFuture<()> {
        let origin = self.origin;
        Box::pin(async move {
            loop {
                let left = deadline - FastClock::at(origin, wall_millis());
                if left <= 0 {
                    return;
                }
                let real = (left + SPEED - 1) / SPEED;
                tokio::time::sleep(Duration::from_millis(real as u64)).await;
            }
        })
    }

    fn tracks_work(&self) -> bool {
        false
    }
}

/// A file of lines appended with O_APPEND, each one fsync'd before `append` returns.
#[derive(Clone)]
struct Appender(Arc<Mutex<File>>);

impl Appender {
    fn open(path: &Path) -> Appender {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .expect("open a log");
        Appender(Arc::new(Mutex::new(file)))
    }

    fn append(&self, line: &str) {
        let mut file = self.0.lock().unwrap_or_else(|p| p.into_inner());
        file.write_all(format!("{line}\n").as_bytes())
            .and_then(|()| file.sync_data())
            .expect("append to a log");
    }
}

/// One line of the invocation log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Logged {
    /// A handler was called (before it did anything).
    Invoked {
        key: String,
        state: String,
        attempt: u32,
        launch: usize,
    },
    /// It returned (`ok`: a result, else an error).
    Returned {
        key: String,
        ok: bool,
        launch: usize,
    },
}

impl Logged {
    fn line(&self) -> String {
        match self {
            Logged::Invoked {
                key,
                state,
                attempt,
                launch,
            } => format!(
                "invoke {key} {state} {attempt} {launch} {}",
                std::process::id()
            ),
            Logged::Returned { key, ok, launch } => {
                let outcome = if *ok { "ok" } else { "error" };
                format!("return {key} {outcome} {launch} {}", std::process::id())
            }
        }
    }

    /// A line of the log (the pid at its end, for whoever reads the file, is not needed).
    fn parse(line: &str) -> Option<Logged> {
        let words: Vec<&str> = line.split(' ').collect();
        match words.as_slice() {
            ["invoke", key, state, attempt, launch, _pid] => Some(Logged::Invoked {
                key: key.to_string(),
                state: state.to_string(),
                attempt: attempt.parse().ok()?,
                launch: launch.parse().ok()?,
            }),
            ["return", key, outcome, launch, _pid] => Some(Logged::Returned {
                key: key.to_string(),
                ok: *outcome == "ok",
                launch: launch.parse().ok()?,
            }),
            _ => None,
        }
    }
}

/// The complete lines of the invocation log of the run in `dir` (a line cut by a kill is
/// none: lines are written whole, but the reader does not rely on it). A run that ended has
/// one: the launch that ended it created it as it bound the handlers.
pub fn read_invocation_log(dir: &Path) -> Vec<Logged> {
    let path = invocation_log(dir);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "the invocation log {}: {e} (every launch creates it as it binds the handlers)",
            path.display()
        )
    });
    let complete = text.rfind('\n').map_or("", |end| &text[..end]);
    complete
        .lines()
        .map(|line| Logged::parse(line).unwrap_or_else(|| panic!("a bad log line: {line}")))
        .collect()
}

/// The whole history of the execution `arn`, page after page.
pub async fn full_history(runtime: &Runtime, arn: &str) -> Vec<HistoryEvent> {
    let mut events = Vec::new();
    let mut page = PageRequest::first(1000);
    loop {
        let got = runtime
            .execution_history(arn, page, false)
            .await
            .unwrap_or_else(|e| panic!("the history of {arn}: {e}"));
        events.extend(got.items);
        match got.next {
            Some(token) => page = PageRequest::after(1000, token),
            None => return events,
        }
    }
}

/// The outputs an event records (a state's output, a task's result or response), as JSON.
pub fn outputs(event: &HistoryEvent) -> impl Iterator<Item = Value> {
    let json = event.to_aws_json();
    let found: Vec<Value> = json
        .as_object()
        .into_iter()
        .flat_map(|event| event.values())
        .filter_map(|details| details.get("output")?.as_str())
        .filter_map(|text| serde_json::from_str(text).ok())
        .collect();
    found.into_iter()
}

fn ended(history: &[HistoryEvent]) -> bool {
    history.last().is_some_and(|e| {
        let name = e.event_type.as_str();
        name.starts_with("Execution") && name != "ExecutionStarted"
    })
}

/// Waits until the history of `arn` shows the step `id` done (an output `{"done": id}`).
async fn wait_for_step(runtime: &Runtime, arn: &str, id: &str) {
    loop {
        let history = full_history(runtime, arn).await;
        if history
            .iter()
            .flat_map(outputs)
            .any(|output| output["done"] == id)
        {
            return;
        }
        tokio::time::sleep(LOOK_EVERY).await;
    }
}

/// The callback's integration response names its token: how an answer finds the
/// `TaskSubmitted` of its token in the history, and the parent finds it in the journal.
const MESSAGE_ID: &str = "message-";

fn message_id(token: &str) -> String {
    format!("{MESSAGE_ID}{token}")
}

/// The token named by a callback's integration response (`TaskSubmitted`'s output).
pub fn token_of_message(response: &Value) -> Option<&str> {
    response["MessageId"].as_str()?.strip_prefix(MESSAGE_ID)
}

/// Answers the callback task holding `token` with `answer`, once the history of `arn` shows
/// it submitted (an answer before that would be another history: AWS cannot see one either,
/// the token is only sent with the message). Ends when the token was answered already (by
/// an earlier launch, or by a second answer of this one), or the execution has ended.
async fn answer_when_submitted(runtime: Runtime, arn: String, token: String, answer: Value) {
    tokio::time::sleep(ANSWER_AFTER).await;
    let message = message_id(&token);
    loop {
        let history = full_history(&runtime, &arn).await;
        let submitted = history.iter().any(|e| {
            e.event_type.as_str() == "TaskSubmitted"
                && outputs(e).any(|output| output["MessageId"] == message.as_str())
        });
        if submitted {
            match runtime.send_task_success(&token, answer).await {
                // Acknowledged: on disk, whatever comes (the parent checks it).
                Ok(()) => return tell(&format!("answered {token}")),
                Err(CallbackError::TaskDoesNotExist) => return,
                Err(e) => panic!("answering {token}: {e}"),
            }
        }
        if ended(&history) {
            return;
        }
        tokio::time::sleep(LOOK_EVERY).await;
    }
}

/// Binds the handlers: `step` for every Lambda task, the SQS callback for `Approve`.
fn bind(runtime: &Runtime, dir: &Path, launch: usize) -> Appender {
    let log = Appender::open(&invocation_log(dir));
    let tokens = Appender::open(&token_file(dir));
    let invoked = move |log: &Appender, ctx: &TaskContext| {
        let key = ctx.idempotency_key();
        log.append(
            &Logged::Invoked {
                key: key.clone(),
                state: ctx.state_name().to_string(),
                attempt: ctx.retry_count(),
                launch,
            }
            .line(),
        );
        key
    };
    let returned = move |log: &Appender, key: String, ok: bool| {
        log.append(&Logged::Returned { key, ok, launch }.line());
    };
    {
        let (runtime, log) = (runtime.clone(), log.clone());
        runtime
            .clone()
            .bind_lambda("step", move |input: Value, ctx: TaskContext| {
                let (runtime, log) = (runtime.clone(), log.clone());
                async move {
                    let key = invoked(&log, &ctx);
                    let id = input["id"].as_str().expect("a step has an id").to_string();
                    if let Some(after) = input["after"].as_str() {
                        wait_for_step(&runtime, ctx.execution_arn(), after).await;
                    }
                    // The work: real time, in which a kill may come.
                    let ms = input["ms"].as_u64().unwrap_or(5);
                    tokio::time::sleep(Duration::from_millis(ms)).await;
                    let attempt = u64::from(ctx.retry_count());
                    let result = if attempt < input["failures"].as_u64().unwrap_or(0) {
                        Err(TaskError::new(
                            "Flaky",
                            format!("attempt {} of {id} fails, as its input says", attempt + 1),
                        ))
                    } else {
                        Ok(json!({"done": id, "attempts": attempt + 1}))
                    };
                    returned(&log, key, result.is_ok());
                    result
                }
            });
    }
    {
        let (runtime, log) = (runtime.clone(), log.clone());
        runtime
            .clone()
            .bind(QUEUE, move |input: Value, ctx: TaskContext| {
                let (runtime, log, tokens) = (runtime.clone(), log.clone(), tokens.clone());
                async move {
                    let key = invoked(&log, &ctx);
                    let token = ctx
                        .task_token()
                        .expect("a callback has a token")
                        .to_string();
                    let body = &input["MessageBody"];
                    let answer =
                        json!({"done": "approve", "by": body["approver"], "order": body["order"]});
                    // Kept before the message is "sent": a launch after a kill answers it.
                    let arn = ctx.execution_arn().to_string();
                    tokens.append(&json!([arn, token, answer]).to_string());
                    tokio::spawn(answer_when_submitted(runtime, arn, token.clone(), answer));
                    returned(&log, key, true);
                    Ok::<_, TaskError>(json!({"MessageId": message_id(&token)}))
                }
            });
    }
    log
}

/// Answers the tokens an earlier launch kept (those answered already find no task).
fn answer_kept_tokens(runtime: &Runtime, dir: &Path) {
    let Ok(file) = File::open(token_file(dir)) else {
        return;
    };
    let mut seen = std::collections::HashSet::new();
    for line in BufReader::new(file).lines() {
        let line = line.expect("read the token file");
        // A line cut by the kill is not one: its handler had not returned.
        let Ok(Value::Array(fields)) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        let [Value::String(arn), Value::String(token), answer] = fields.as_slice() else {
            panic!("a bad token line: {line}");
        };
        if seen.insert(token.clone()) {
            tokio::spawn(answer_when_submitted(
                runtime.clone(),
                arn.clone(),
                token.clone(),
                answer.clone(),
            ));
        }
    }
}

/// The number the parent gives the worker in the environment variable `var`.
fn required_number(var: &str) -> i64 {
    let text = std::env::var(var).unwrap_or_else(|e| panic!("the worker is given {var}: {e}"));
    text.parse()
        .unwrap_or_else(|e| panic!("the worker is given {var}={text}, not a number: {e}"))
}

/// The worker's part: runs the executions of the folder in its environment to their end.
pub fn run() {
    let dir = PathBuf::from(std::env::var(DIR).expect("the worker is given its folder"));
    let executions = required_number(EXECUTIONS) as usize;
    let origin = required_number(ORIGIN);
    let launch = required_number(LAUNCH) as usize;
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    tokio.block_on(async {
        let store = SqliteStore::open(store_path(&dir)).expect("open the store");
        let runtime = Runtime::builder()
            .store(store)
            .clock(Arc::new(FastClock::new(origin)))
            .seed(SEED)
            .build();
        bind(&runtime, &dir, launch);
        tell("open");
        let orders = runtime
            .register(STATE_MACHINE, ORDER, &LoadOptions::default())
            .await
            .expect("register the state machine");
        let mut handles = runtime.resume().await.expect("resume");
        tell(&format!("resumed {}", handles.len()));
        answer_kept_tokens(&runtime, &dir);
        for i in 0..executions {
            let options = StartOptions::default().name(execution_name(i));
            match runtime.start_with(&orders, input(i), &options).await {
                Ok(handle) => {
                    // Acknowledged: on disk, whatever comes (the parent checks it).
                    tell(&format!("start {}", execution_name(i)));
                    handles.push(handle);
                }
                // It has ended, in an earlier launch.
                Err(StartError::ExecutionAlreadyExists { .. }) => {}
                Err(e) => panic!("start {}: {e}", execution_name(i)),
            }
        }
        tell("started");
        for handle in &handles {
            handle.outcome().await;
        }
        tell("done");
    });
}
