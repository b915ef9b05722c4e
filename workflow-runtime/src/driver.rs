//! One execution's driver: a tokio task that feeds events to the step logic and carries out
//! the commands it returns.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::sync::Arc;

use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::AbortHandle;
use workflow_core::entropy::Entropy;
use workflow_core::error::names;
use workflow_core::execution::{
    Command, Event, Execution, ExecutionStatus, Failure, Millis, TaskId, TaskInvocation, TimerId,
};
use workflow_core::history::HistoryEvent;
use workflow_core::journal::{Entry, HistoryDigest};
use workflow_core::plan::Integration;

use crate::bindings::Shape;
use crate::clock::{Work, millis};
use crate::deletion::DeletingWatch;
use crate::handle::{DoneSender, Finished};
use crate::handler::{CatchUnwind, TaskContext, TaskError, panic_cause};
pub(crate) use crate::inbox::{Inbox, Receiver};
use crate::lambda;
use crate::pending::PendingCallback;
use crate::registry::Kept;
use crate::runtime::Shared;
use crate::store::{Progress, Status, StoreError, Waiting};

/// Told to whoever sent a message once its event is recorded (for a durable store: on disk),
/// or why it could not be. Dropped unanswered when the execution ended before the message
/// was handled.
pub(crate) type Ack = oneshot::Sender<Result<(), StoreError>>;

/// What reaches a driver from outside its step logic.
pub(crate) enum Msg {
    /// A task (or a task-token call) finished.
    TaskDone {
        task: TaskId,
        result: Result<Value, Failure>,
        ack: Option<Ack>,
    },
    /// A callback task's integration call returned; the task now waits for its token.
    Submitted { task: TaskId, output: Value },
    /// A task is alive.
    Heartbeat { task: TaskId, ack: Option<Ack> },
    /// Every task under way is alive.
    HeartbeatAll,
    /// Stop the execution.
    Stop(Failure, Option<Ack>),
    /// Send back the history so far.
    History(oneshot::Sender<Vec<HistoryEvent>>),
    /// Send back the callback tasks waiting for their token.
    PendingCallbacks(oneshot::Sender<Vec<PendingCallback>>),
}

struct Driver {
    shared: Arc<Shared>,
    tx: Inbox,
    execution_arn: Arc<str>,
    timers: BTreeSet<(i64, TimerId)>,
    timer_at: HashMap<TimerId, i64>,
    running: HashMap<TaskId, AbortHandle>,
    tokens: HashMap<TaskId, String>,
    pending: VecDeque<Event>,
    /// The messages taken but not yet handled through the step logic hold the clock.
    held: Vec<Work>,
    /// Whom to tell once the events taken are recorded.
    acks: Vec<Ack>,
}

/// How an execution is kept beside its driver.
pub(crate) enum Recording {
    /// In memory only (EXPRESS, as on AWS).
    Unrecorded,
    /// A STANDARD execution on a store without a journal: its record is updated when it ends,
    /// and its history kept in memory.
    Record,
    /// A STANDARD execution on a durable store: every event is journaled, with the check of the
    /// history after it, before any command that follows from it is carried out.
    Journal(HistoryDigest),
}

/// What a driver starts from: a new execution, or one rebuilt from its journal.
pub(crate) struct Launch {
    pub execution: Execution,
    /// The commands to carry out first.
    pub commands: Vec<Command>,
    /// Callback tasks waiting for their token (a recovered execution's): their tokens were
    /// registered when it was found (an answer that came since has spent its token).
    pub awaiting_token: Vec<(TaskId, String)>,
    pub entropy: Box<dyn Entropy + Send>,
    pub recording: Recording,
}

impl Launch {
    /// A new execution's launch, with the commands its start returned.
    pub(crate) fn new(
        execution: Execution,
        commands: Vec<Command>,
        entropy: Box<dyn Entropy + Send>,
        recording: Recording,
    ) -> Launch {
        Launch {
            execution,
            commands,
            awaiting_token: Vec::new(),
            entropy,
            recording,
        }
    }
}

/// How long a journaled execution that only waits for a timer must have to wait for it to
/// leave memory (see [`Driven::Parked`]): a minute. Each time it comes back its journal is
/// replayed, which is worth it for a long wait, not for a short one. (A STANDARD execution
/// always has a timer: its time limit, a year away. One that waits for a task token's
/// answer thus leaves memory too.)
const PARK_AFTER_MS: Millis = 60_000;

/// How a driver stopped driving.
pub(crate) enum Driven {
    /// The execution ended (or its store failed): its handle has its outcome.
    Ended,
    /// A journaled execution that only waits, nothing running and its next timer at least
    /// [`PARK_AFTER_MS`] away, left memory: its journal rebuilds it when the timer is due or
    /// a message comes (its task tokens still lead to its inbox).
    Parked {
        /// Its next timer.
        wake_at: Millis,
    },
}

/// Drives an execution that is not journaled (it never leaves memory) to its end.
pub(crate) async fn run(
    shared: Arc<Shared>,
    launch: Launch,
    tx: Inbox,
    mut rx: Receiver,
    done: DoneSender,
) {
    drive(shared, launch, tx, &mut rx, &done).await;
}

pub(crate) async fn drive(
    shared: Arc<Shared>,
    launch: Launch,
    tx: Inbox,
    rx: &mut Receiver,
    done: &DoneSender,
) -> Driven {
    let Launch {
        mut execution,
        commands,
        awaiting_token,
        mut entropy,
        mut recording,
    } = launch;
    let mut d = Driver {
        execution_arn: Arc::from(execution.info().execution_arn.as_str()),
        shared,
        tx,
        timers: BTreeSet::new(),
        timer_at: HashMap::new(),
        running: HashMap::new(),
        tokens: HashMap::new(),
        pending: VecDeque::new(),
        held: Vec::new(),
        acks: Vec::new(),
    };
    for (task, token) in awaiting_token {
        d.tokens.insert(task, token);
    }
    if let Recording::Journal(_) = recording {
        // In memory again: a start with its name compares its input with this one.
        rx.set_input(execution.info().input.clone());
    }
    d.apply(commands);
    if execution.has_pending_work() {
        d.pending.push_back(Event::Continue);
    }
    // A long run of states under way: when it started, on the clock and in real time.
    let mut long_run: Option<(i64, std::time::Instant, Work)> = None;
    // Set when the store could not journal an event: the execution stops here.
    let mut interrupted: Option<StoreError> = None;
    if let Recording::Journal(_) = recording
        && *execution.status() != ExecutionStatus::Running
    {
        // Its journal ends with its end, which its record does not tell yet: a redrive that
        // ended at once journals the redrive first, and a crash may have come between.
        let (progress, _) = ended(execution.status(), execution.history());
        if let Err(e) = d
            .shared
            .store
            .append(&d.execution_arn, &[], &progress)
            .await
        {
            interrupted = Some(e);
        }
    }
    let mut parked: Option<Millis> = None;
    let recorded = !matches!(recording, Recording::Unrecorded);
    let mut deleting = DeletingWatch::default();
    while interrupted.is_none() {
        if recorded
            && deleting.is_deleting(
                &d.shared.registry.deletions,
                &execution.info().state_machine_name,
            )
        {
            d.on_deleting();
        }
        match &mut recording {
            Recording::Journal(digest) => {
                if let Err(e) = d
                    .handle_journaled(&mut execution, &mut *entropy, digest)
                    .await
                {
                    interrupted = Some(e);
                    break;
                }
            }
            Recording::Unrecorded | Recording::Record => {
                while let Some(event) = d.pending.pop_front() {
                    let now = d.shared.clock.now_millis();
                    let commands = execution.handle(event, now, &mut *entropy);
                    d.apply(commands);
                }
            }
        }
        d.held.clear();
        for ack in d.acks.drain(..) {
            let _ = ack.send(Ok(()));
        }
        if *execution.status() != ExecutionStatus::Running {
            break;
        }
        if execution.has_pending_work() {
            // The step logic stopped at its budget of states (a long loop of Pass and Choice
            // states): let other tasks run and a stop in, and fire the timers that are due
            // (the execution's time limit), then go on. Such a run takes real time, and is
            // work: time runs at real speed meanwhile, even on a clock that shortens waits or
            // does not move by itself (tokio's paused clock), so a loop that never waits
            // still stops at its limit.
            let clock = &d.shared.clock;
            let (started_at, started, _) = long_run.get_or_insert_with(|| {
                (
                    clock.now_millis(),
                    std::time::Instant::now(),
                    Work::running(clock),
                )
            });
            clock.advance_to(started_at.saturating_add(millis(started.elapsed())));
            tokio::task::yield_now().await;
            while let Some((msg, held)) = rx.try_recv() {
                d.on_message(msg, held, &execution);
            }
            let now = d.shared.clock.now_millis();
            while let Some(&(at, timer)) = d.timers.first()
                && at <= now
            {
                d.fire_timer(at, timer);
            }
            d.pending.push_back(Event::Continue);
            continue;
        }
        long_run = None;
        if let Recording::Journal(_) = recording
            && d.running.is_empty()
            && let Some(&(at, _)) = d.timers.first()
            && at.saturating_sub(d.shared.clock.now_millis()) >= PARK_AFTER_MS
        {
            // A message that has come is handled first: it may move the execution on.
            if let Some((msg, held)) = rx.try_recv() {
                d.on_message(msg, held, &execution);
                continue;
            }
            parked = Some(at);
            break;
        }
        // The clock decides how long the wait for the next timer lasts: it may shorten it,
        // but not while a task handler is under way (see `Clock`).
        let next_timer = d.timers.first().copied();
        let sleep = next_timer.map(|(at, _)| d.shared.clock.sleep_until(at));
        tokio::select! {
            biased;
            (msg, held) = rx.recv() => {
                d.on_message(msg, held, &execution);
                if let Recording::Journal(_) = recording {
                    // Whatever else has come goes into the same append.
                    while let Some((msg, held)) = rx.try_recv() {
                        d.on_message(msg, held, &execution);
                    }
                }
            }
            _ = async { if let Some(s) = sleep { s.await } }, if next_timer.is_some() => {
                if let Some((at, timer)) = next_timer {
                    d.fire_timer(at, timer);
                }
            }
        }
    }
    drop(long_run);
    if let Some(wake_at) = parked {
        // Nothing runs, its tokens stay routed to its inbox: it leaves memory as it is.
        return Driven::Parked { wake_at };
    }
    // Whatever still runs belongs to an execution that has ended, or that stops here.
    for (_, handle) in d.running.drain() {
        handle.abort();
    }
    d.forget_tokens();
    let arn = d.execution_arn.clone();
    let shared = d.shared.clone();
    // On a store without a journal, an execution that ended without succeeding is kept as it
    // is: a redrive goes on with it. (Its history is copied for its handle only when it is
    // kept: one too long to be kept hands it over.)
    let mut halted = None;
    let finished = match interrupted {
        Some(error) => {
            for ack in d.acks.drain(..) {
                let _ = ack.send(Err(error.clone()));
            }
            Finished {
                status: ExecutionStatus::Aborted(interruption(&error)),
                history: execution.into_history(),
            }
        }
        None if matches!(recording, Recording::Record)
            && !matches!(execution.status(), ExecutionStatus::Succeeded(_))
            && Kept::keeps_halted(execution.history().len()) =>
        {
            let finished = Finished {
                status: execution.status().clone(),
                history: execution.history().to_vec(),
            };
            halted = Some(Box::new(execution));
            finished
        }
        None => Finished::from_execution(execution),
    };
    let finished = Arc::new(finished);
    match recording {
        Recording::Unrecorded => {}
        Recording::Record => {
            // A store without a journal: the record tells how it ended, the history is kept
            // in memory. Nothing recovers from such a store: a failure to update the record
            // leaves it as it was.
            let (progress, stop_date) = ended(&finished.status, &finished.history);
            let _ = shared.store.append(&arn, &[], &progress).await;
            let kept = match halted {
                Some(execution) => Kept::Halted(execution),
                None => Kept::History(finished.clone()),
            };
            shared.registry.keep_history(arn.clone(), stop_date, kept);
            shared.registry.remove_live(&arn);
        }
        Recording::Journal(_) => shared.registry.remove_live(&arn),
    }
    if recorded {
        shared.purge_when_due(shared.clock.now_millis());
        // The end of the last execution of a DELETING state machine deletes it. (Looked at
        // once the end is recorded: a deletion that comes later finds it ended.)
        if shared.registry.deletions.any_deleting()
            && let Some(machine) = crate::arn::state_machine_of(&arn)
            && shared.registry.deletions.is_deleting(machine)
        {
            // A failure leaves it DELETING: the next resume finishes it.
            let _ = shared.finish_deletion(machine).await;
        }
    }
    done.send(finished);
    Driven::Ended
}

/// What a driver interrupted by its store reports: the execution did not end, it stops being
/// driven where its journal ends.
fn interruption(error: &StoreError) -> Failure {
    Failure::new(
        names::RUNTIME,
        format!(
            "The store could not record the execution's progress ({error}): it was stopped where its journal ends, with nothing of what followed carried out. It is still RUNNING in the store: Runtime::resume goes on from there."
        ),
    )
}

/// The store's status for an execution's.
pub(crate) fn store_status(status: &ExecutionStatus) -> Status {
    match status {
        ExecutionStatus::Running => Status::Running,
        ExecutionStatus::Succeeded(_) => Status::Succeeded,
        ExecutionStatus::Failed(_) => Status::Failed,
        ExecutionStatus::TimedOut(_) => Status::TimedOut,
        ExecutionStatus::Aborted(_) => Status::Aborted,
    }
}

/// The progress that records how an execution ended (its history's last event is its end),
/// and its stop date.
pub(crate) fn ended(status: &ExecutionStatus, history: &[HistoryEvent]) -> (Progress, Millis) {
    let stop_date = history.last().map_or(0, |e| e.timestamp);
    let failure = status.failure();
    let progress = Progress::Finished {
        status: store_status(status),
        stop_date,
        output: match status {
            ExecutionStatus::Succeeded(output) => Some(output.clone()),
            _ => None,
        },
        error: failure.and_then(|f| f.error.clone()),
        cause: failure.and_then(|f| f.cause.clone()),
    };
    (progress, stop_date)
}

/// What a new execution waits for, from the commands its start returned.
fn waiting_of(commands: &[Command]) -> Waiting {
    let mut waiting = Waiting::default();
    for command in commands {
        match command {
            Command::Invoke(inv) => {
                waiting.tasks_in_flight = true;
                if let Some(token) = callback_token(inv) {
                    waiting.tokens.push((token.to_string(), inv.task));
                }
            }
            Command::StartTimer { at, .. } => {
                waiting.next_timer = Some(waiting.next_timer.map_or(*at, |t| t.min(*at)));
            }
            Command::Cancel { .. } | Command::CancelTimer { .. } => {}
        }
    }
    waiting
}

/// What an execution waits for once `commands` (what its start or its redrive returned)
/// are carried out, recorded with it at `now` so that a recovery finds it.
pub(crate) fn waiting_after(execution: &Execution, commands: &[Command], now: Millis) -> Waiting {
    let mut waiting = waiting_of(commands);
    if execution.has_pending_work() {
        // It goes on at once: a recovery does not leave it waiting for a timer.
        waiting.next_timer = Some(now);
    }
    waiting
}

/// The token a callback task waits for, if the invocation is one.
pub(crate) fn callback_token(inv: &TaskInvocation) -> Option<&str> {
    match inv.resource_kind.integration() {
        Integration::Callback => inv.task_token.as_deref(),
        _ => None,
    }
}

impl Driver {
    fn apply(&mut self, commands: Vec<Command>) {
        for command in commands {
            match command {
                Command::Invoke(invocation) => self.invoke(*invocation),
                Command::Cancel { task } => self.release(task),
                Command::StartTimer { timer, at } => self.arm(timer, at),
                Command::CancelTimer { timer } => self.disarm(timer),
            }
        }
    }

    fn arm(&mut self, timer: TimerId, at: Millis) {
        self.timers.insert((at, timer));
        self.timer_at.insert(timer, at);
    }

    fn disarm(&mut self, timer: TimerId) {
        if let Some(at) = self.timer_at.remove(&timer) {
            self.timers.remove(&(at, timer));
        }
    }

    /// Handles the pending events, journals them in one append with what the execution then
    /// waits for, and carries out their commands only once the append is kept. Timers are
    /// armed at once (nothing fires before the append is kept: the driver waits for it);
    /// tasks are invoked and cancelled after. A failed append leaves every command undone.
    async fn handle_journaled(
        &mut self,
        execution: &mut Execution,
        entropy: &mut (dyn Entropy + Send),
        digest: &mut HistoryDigest,
    ) -> Result<(), StoreError> {
        let mut entries = Vec::new();
        let mut effects = Vec::new();
        while let Some(event) = self.pending.pop_front() {
            let at = self.shared.clock.now_millis();
            let commands = execution.handle(event.clone(), at, entropy);
            let check = digest.advance(execution.history());
            entries.push(Entry { event, at, check });
            for command in commands {
                match command {
                    Command::StartTimer { timer, at } => self.arm(timer, at),
                    Command::CancelTimer { timer } => self.disarm(timer),
                    effect @ (Command::Invoke(_) | Command::Cancel { .. }) => effects.push(effect),
                }
            }
        }
        if entries.is_empty() {
            return Ok(());
        }
        let progress = match execution.status() {
            ExecutionStatus::Running => {
                let mut waiting = self.waiting(&effects);
                if execution.has_pending_work() {
                    // Stopped at its budget of states, it goes on at once: a recovery does not
                    // leave it waiting for a timer.
                    let last = entries.last().map_or(0, |e: &Entry| e.at);
                    waiting.next_timer = Some(waiting.next_timer.map_or(last, |t| t.min(last)));
                }
                Progress::Running(waiting)
            }
            status => ended(status, execution.history()).0,
        };
        // The write is work on the clock: a clock that skips waits does not jump past it.
        let writing = Work::new(&self.shared.clock);
        let written = self
            .shared
            .store
            .append(&self.execution_arn, &entries, &progress)
            .await;
        drop(writing);
        written?;
        self.apply(effects);
        Ok(())
    }

    /// The execution's state machine is DELETING: the first event that would make a state
    /// transition makes none, the execution fails instead (see [`crate::deletion`]); what
    /// came after it is dropped with it.
    fn on_deleting(&mut self) {
        if let Some(at) = self.pending.iter().position(crate::deletion::transitions) {
            self.pending.truncate(at);
            self.pending.push_back(Event::StateMachineDeleted);
        }
    }

    /// What the execution waits for once `effects` (invocations and cancellations still to
    /// carry out) are.
    fn waiting(&self, effects: &[Command]) -> Waiting {
        let mut in_flight: BTreeSet<TaskId> = self.running.keys().copied().collect();
        let mut tokens: BTreeMap<TaskId, &str> =
            self.tokens.iter().map(|(t, s)| (*t, s.as_str())).collect();
        for effect in effects {
            match effect {
                Command::Invoke(inv) => {
                    in_flight.insert(inv.task);
                    if let Some(token) = callback_token(inv) {
                        tokens.insert(inv.task, token);
                    }
                }
                Command::Cancel { task } => {
                    in_flight.remove(task);
                    tokens.remove(task);
                }
                Command::StartTimer { .. } | Command::CancelTimer { .. } => {}
            }
        }
        Waiting {
            next_timer: self.timers.first().map(|(at, _)| *at),
            tokens: tokens
                .into_iter()
                .map(|(task, token)| (token.to_string(), task))
                .collect(),
            tasks_in_flight: !in_flight.is_empty(),
        }
    }

    fn on_message(&mut self, msg: Msg, held: Work, execution: &Execution) {
        self.held.push(held);
        match msg {
            Msg::TaskDone { task, result, ack } => {
                self.acks.extend(ack);
                // A callback's handler may still be running when its token is answered:
                // the task is over, so its call is cancelled (a no-op for a finished one).
                self.release(task);
                self.pending.push_back(match result {
                    Ok(output) => Event::TaskSucceeded { task, output },
                    Err(failure) => Event::TaskFailed { task, failure },
                });
            }
            Msg::Submitted { task, output } => {
                self.running.remove(&task);
                self.pending
                    .push_back(Event::TaskSubmitted { task, output });
            }
            Msg::Heartbeat { task, ack } => {
                self.acks.extend(ack);
                self.pending.push_back(Event::TaskHeartbeat { task });
            }
            Msg::HeartbeatAll => {
                // Running handlers and callbacks waiting for their token.
                let mut tasks: Vec<TaskId> = self
                    .running
                    .keys()
                    .chain(self.tokens.keys())
                    .copied()
                    .collect();
                tasks.sort_by_key(|t| t.0);
                tasks.dedup();
                for task in tasks {
                    self.pending.push_back(Event::TaskHeartbeat { task });
                }
            }
            Msg::Stop(failure, ack) => {
                self.acks.extend(ack);
                self.pending.push_back(Event::Stop { failure });
            }
            Msg::History(reply) => {
                let _ = reply.send(execution.history().to_vec());
            }
            Msg::PendingCallbacks(reply) => {
                let _ = reply.send(self.pending_callbacks(execution));
            }
        }
    }

    /// A task is over: its call is cancelled (a no-op for a finished one) and its token
    /// forgotten.
    fn release(&mut self, task: TaskId) {
        if let Some(handle) = self.running.remove(&task) {
            handle.abort();
        }
        if let Some(token) = self.tokens.remove(&task) {
            self.shared.callbacks().remove(&token);
        }
    }

    /// The callback tasks waiting for their token (their function may still be running: the
    /// token is registered as the task is invoked), in the order they were invoked.
    fn pending_callbacks(&self, execution: &Execution) -> Vec<PendingCallback> {
        let mut waiting: Vec<(&TaskId, &String)> = self.tokens.iter().collect();
        waiting.sort_by_key(|(task, _)| task.0);
        waiting
            .into_iter()
            .filter_map(|(task, token)| {
                let state = execution.task_state_name(*task)?;
                Some(PendingCallback::new(&**state, token.clone()))
            })
            .collect()
    }

    fn fire_timer(&mut self, at: i64, timer: TimerId) {
        self.timers.remove(&(at, timer));
        self.timer_at.remove(&timer);
        self.pending.push_back(Event::TimerFired { timer });
    }

    fn forget_tokens(&mut self) {
        if self.tokens.is_empty() {
            return;
        }
        let mut callbacks = self.shared.callbacks();
        for (_, token) in self.tokens.drain() {
            callbacks.remove(&token);
        }
    }

    fn invoke(&mut self, mut inv: TaskInvocation) {
        let task = inv.task;
        let request_id = format!("00000000-0000-4000-8000-{:012x}", task.0);
        let resolved = self
            .shared
            .bindings
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .resolve(&inv, &request_id, &self.shared.region, &self.shared.account);
        let (handler, shape) = match resolved {
            Ok(resolved) => resolved,
            Err(failure) => {
                self.pending.push_back(Event::TaskFailed { task, failure });
                return;
            }
        };
        // The handler's input is moved out of the invocation, never copied.
        let input = match shape {
            Shape::Plain => std::mem::take(&mut inv.input),
            Shape::LambdaInvoke => inv
                .input
                .as_object_mut()
                .and_then(|parameters| parameters.remove("Payload"))
                .unwrap_or_else(|| Value::Object(Default::default())),
        };
        let callback = inv.resource_kind.integration() == Integration::Callback;
        if let (true, Some(token)) = (callback, &inv.task_token) {
            self.shared
                .callbacks()
                .insert(token.clone(), (self.tx.clone(), task));
            self.tokens.insert(task, token.clone());
        }
        let beat_tx = self.tx.clone();
        let ctx = TaskContext {
            state_name: inv.state_name.clone(),
            resource: inv.resource.clone(),
            execution_arn: self.execution_arn.clone(),
            task_token: inv.task_token.clone(),
            retry_count: inv.retry_count,
            task: Some(task.0),
            heartbeat: Some(Arc::new(move || {
                let _ = beat_tx.send(Msg::Heartbeat { task, ack: None });
            })),
        };
        // A handler may panic while building its future, not only while it runs: catch that
        // too, and report it through the future so that it fails the task like any panic.
        let future = match catch_unwind(AssertUnwindSafe(|| handler.call(input, ctx))) {
            Ok(future) => future,
            Err(panic) => Box::pin(async move { resume_unwind(panic) }),
        };
        let mut call = CatchUnwind::new(future);
        let tx = self.tx.clone();
        // Counted on the clock until its answer is sent (the answer then holds the clock until
        // the driver has handled it): a wait is not skipped past a handler that may still
        // answer. Its time counts once it has not answered at once (a mock answers at once
        // and takes no time; a command is under way, in real time).
        let mut work = Work::new(&self.shared.clock);
        let join = tokio::spawn(async move {
            let answer = std::future::poll_fn(|cx| {
                let poll = Pin::new(&mut call).poll(cx);
                if poll.is_pending() {
                    work.set_running();
                }
                poll
            })
            .await;
            let result = match answer {
                Ok(Ok(value)) => Ok(match shape {
                    Shape::LambdaInvoke => lambda::invoke_response(value, &request_id),
                    Shape::Plain => value,
                }),
                // A handler's failure cannot be refused as SendTaskFailure is: like a Lambda
                // function's, it is cut to what a failure event holds.
                Ok(Err(error)) => Err(Failure::from(
                    match shape {
                        Shape::LambdaInvoke => lambda::invoke_error(error),
                        Shape::Plain => error,
                    }
                    .within_aws_bounds(),
                )),
                Err(panic) => Err(Failure::from(
                    TaskError::new(names::TASK_FAILED, panic_cause(&*panic)).within_aws_bounds(),
                )),
            };
            let msg = match (callback, result) {
                (true, Ok(output)) => Msg::Submitted { task, output },
                (_, result) => Msg::TaskDone {
                    task,
                    result,
                    ack: None,
                },
            };
            let _ = tx.send(msg);
            drop(work);
        });
        self.running.insert(task, join.abort_handle());
    }
}
