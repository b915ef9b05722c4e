//! A deterministic driver for the replay tests: it runs an execution through the step logic
//! (`Execution::start`, then `handle` per event), answers the commands from a [`Script`], and
//! journals every event as a durable runtime does (a [`Start`], then one [`Entry`] per call).
//!
//! Like a runtime's driver, it keeps what the execution has under way ([`Underway`]) from the
//! commands it carries out: the replay tests compare what `journal::replay` says is under
//! way with this record, kept apart from the journal's own bookkeeping.
//!
//! A script may redrive the execution once it has ended ([`Script::redrives`]), journaling
//! [`Event::Redrive`] as a runtime does.

use std::collections::BTreeMap;
use std::rc::Rc;
use std::sync::Arc;

use serde_json::Value;
use workflow_core::definition::Definition;
use workflow_core::entropy::SplitMix64;
use workflow_core::execution::{
    Command, Event, Execution, ExecutionConfig, ExecutionStatus, Failure, Millis, TaskId,
    TaskInvocation, TimerId,
};
use workflow_core::history::HistoryEvent;
use workflow_core::journal::{Entry, HistoryDigest, Start};
use workflow_core::plan::{CompileOptions, Plan};

/// 2024-05-01T00:00:00Z, where every scripted execution starts unless told otherwise.
pub const T0: Millis = 1_714_521_600_000;
pub const SECOND: Millis = 1_000;
pub const MINUTE: Millis = 60 * SECOND;
pub const HOUR: Millis = 60 * MINUTE;
pub const DAY: Millis = 24 * HOUR;

/// The compiled plan of an ASL definition that must be valid.
pub fn plan(definition: &str) -> Arc<Plan> {
    let definition = Definition::from_json_str(definition, &CompileOptions::default())
        .unwrap_or_else(|d| panic!("the test definition is invalid: {d:?}"));
    definition.plan().expect("a valid definition has a plan")
}

/// How the scripted world answers one task invocation. Times are after the invocation.
#[derive(Clone, Debug)]
pub enum Answer {
    /// The task returns `output`.
    Succeed { after: Millis, output: Value },
    /// The task fails.
    Fail { after: Millis, failure: Failure },
    /// The task never answers (its TimeoutSeconds, HeartbeatSeconds, a stop or the
    /// execution's time limit ends it).
    Silent,
    /// The task sends a heartbeat at each of `beats`, then answers as `then` says.
    Beating {
        beats: Vec<Millis>,
        then: Box<Answer>,
    },
    /// A callback (`.waitForTaskToken`) task: its integration call returns `response` at
    /// `submitted`; then the token is answered (or heartbeats sent with it) as `token` says.
    Callback {
        submitted: Millis,
        response: Value,
        token: Box<Answer>,
    },
}

impl Answer {
    pub fn succeed(after: Millis, output: Value) -> Answer {
        Answer::Succeed { after, output }
    }

    pub fn fail(after: Millis, error: &str, cause: &str) -> Answer {
        Answer::Fail {
            after,
            failure: Failure::new(error, cause),
        }
    }
}

/// What answers a task: called once per invocation (with its id, retry count, input and
/// token), the same way on every run, so that a script runs the same twice.
pub type Policy = Rc<dyn Fn(&TaskInvocation) -> Answer>;

/// One scripted run.
#[derive(Clone)]
pub struct Script {
    pub config: ExecutionConfig,
    pub input: Value,
    pub seed: u64,
    pub start_at: Millis,
    pub answer: Policy,
    /// Stop the execution from outside at this time.
    pub stop: Option<(Millis, Failure)>,
    /// When the execution's state machine is deleted (`Event::StateMachineDeleted`).
    pub deleted: Option<Millis>,
    /// How far the clock moves while a run of states that reached the step logic's budget
    /// runs (before the driver sends `Event::Continue`).
    pub continue_ms: Millis,
    /// A bound on the calls, so that a script that never ends fails its test instead.
    pub max_calls: usize,
    /// Redrives, one each time the execution has ended, in turn: at this time (or when it
    /// ended, if later), with the plan of this revision of `revisions` (`None`: its own).
    /// The run ends at the first the execution refuses (it succeeded, say), unjournaled.
    pub redrives: Vec<(Millis, Option<u64>)>,
    /// The plans of the revisions a redrive goes on with.
    pub revisions: BTreeMap<u64, Arc<Plan>>,
    /// What was on its way when the step logic called it off is still delivered (and
    /// journaled): a cancelled task's answer, heartbeats or hand-over, a cancelled timer's
    /// firing. A runtime sees these races (a handler's answer already sent when its task
    /// timed out; a timer popped with an answer that cancels it).
    pub late_events: bool,
}

impl Script {
    /// A run of `input` whose tasks all succeed at once with `{}`, named so that the name
    /// draws no random numbers (tests that want it drawn set `config.execution_name` to
    /// `None`).
    pub fn new(input: Value) -> Script {
        Script {
            config: ExecutionConfig {
                execution_name: Some("replay-test".into()),
                ..ExecutionConfig::default()
            },
            input,
            seed: 0x5eed,
            start_at: T0,
            answer: Rc::new(|_| Answer::succeed(0, Value::Object(Default::default()))),
            stop: None,
            deleted: None,
            continue_ms: 50,
            max_calls: 100_000,
            late_events: false,
            redrives: Vec::new(),
            revisions: BTreeMap::new(),
        }
    }

    /// Redrives the execution at `at` once it has ended (after the redrives before).
    pub fn redriving_at(mut self, at: Millis) -> Script {
        self.redrives.push((at, None));
        self
    }

    /// Redrives the execution at `at` once it has ended, with `plan` as revision `revision`.
    pub fn redriving_with(mut self, at: Millis, revision: u64, plan: Arc<Plan>) -> Script {
        self.revisions.insert(revision, plan);
        self.redrives.push((at, Some(revision)));
        self
    }

    pub fn answering(mut self, answer: impl Fn(&TaskInvocation) -> Answer + 'static) -> Script {
        self.answer = Rc::new(answer);
        self
    }

    pub fn stop_at(mut self, at: Millis, failure: Failure) -> Script {
        self.stop = Some((at, failure));
        self
    }

    /// Deletes the execution's state machine at `at`.
    pub fn deleted_at(mut self, at: Millis) -> Script {
        self.deleted = Some(at);
        self
    }
}

/// What an execution has under way, as its driver knows from the commands it carried out
/// and the events it delivered.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Underway {
    /// Tasks invoked and not answered, cancelled or handed over (a callback task whose
    /// integration call has not returned is still running).
    pub running: BTreeMap<TaskId, TaskInvocation>,
    /// Callback tasks handed over, waiting for their token.
    pub tokens: BTreeMap<TaskId, String>,
    /// Timers armed and neither fired nor cancelled, with their deadlines.
    pub timers: BTreeMap<TimerId, Millis>,
}

/// Where the run stood after the start (step 0) or after journal entry `k` (step `k + 1`).
#[derive(Clone, Debug)]
pub struct Step {
    /// The commands that call returned.
    pub commands: Vec<Command>,
    /// How many history events there were.
    pub history_len: usize,
    pub status: ExecutionStatus,
    pub pending_work: bool,
    pub underway: Underway,
    /// How many times it had been redriven, and when last.
    pub redrives: (u32, Option<Millis>),
}

/// A finished scripted run and its journal.
pub struct Run {
    pub plan: Arc<Plan>,
    /// The plans of the revisions the run was redriven with.
    pub revisions: BTreeMap<u64, Arc<Plan>>,
    pub seed: u64,
    pub start: Start,
    pub entries: Vec<Entry>,
    pub steps: Vec<Step>,
    pub execution: Execution,
}

impl Run {
    pub fn history(&self) -> &[HistoryEvent] {
        self.execution.history()
    }

    pub fn status(&self) -> &ExecutionStatus {
        self.execution.status()
    }

    /// The events journaled, in order.
    pub fn events(&self) -> impl Iterator<Item = &Event> {
        self.entries.iter().map(|e| &e.event)
    }

    /// Every task invocation the run made, in order.
    pub fn invocations(&self) -> Vec<&TaskInvocation> {
        self.steps
            .iter()
            .flat_map(|s| &s.commands)
            .filter_map(|c| match c {
                Command::Invoke(inv) => Some(&**inv),
                _ => None,
            })
            .collect()
    }

    /// Every timer started, with its deadline and the time it was started.
    pub fn timers_started(&self) -> Vec<(TimerId, Millis, Millis)> {
        let mut started = Vec::new();
        for (k, step) in self.steps.iter().enumerate() {
            let now = if k == 0 {
                self.start.at
            } else {
                self.entries[k - 1].at
            };
            for c in &step.commands {
                if let Command::StartTimer { timer, at } = c {
                    started.push((*timer, *at, now));
                }
            }
        }
        started
    }

    /// The AWS event types of the history, in order.
    pub fn event_types(&self) -> Vec<&'static str> {
        self.history()
            .iter()
            .map(|e| e.event_type.as_str())
            .collect()
    }
}

/// Something the scripted world does at a time.
#[derive(Clone, Debug)]
enum Happening {
    /// An answer, a heartbeat or a hand-over of a task.
    Task(Event),
    Timer(TimerId),
    Stop(Failure),
    Deleted,
}

fn task_of(event: &Event) -> Option<TaskId> {
    match event {
        Event::TaskSucceeded { task, .. }
        | Event::TaskFailed { task, .. }
        | Event::TaskSubmitted { task, .. }
        | Event::TaskHeartbeat { task } => Some(*task),
        _ => None,
    }
}

struct World {
    late_events: bool,
    /// What happens next, in time order (ties in the order they were scheduled).
    agenda: BTreeMap<(Millis, u64), Happening>,
    scheduled: u64,
    /// Where each armed timer sits in the agenda.
    timer_keys: BTreeMap<TimerId, (Millis, u64)>,
    underway: Underway,
}

impl World {
    fn schedule(&mut self, at: Millis, happening: Happening) -> (Millis, u64) {
        self.scheduled += 1;
        let key = (at, self.scheduled);
        self.agenda.insert(key, happening);
        key
    }

    fn schedule_answer(&mut self, answer: Answer, task: TaskId, invoked: Millis) {
        match answer {
            Answer::Succeed { after, output } => {
                self.schedule(
                    invoked + after,
                    Happening::Task(Event::TaskSucceeded { task, output }),
                );
            }
            Answer::Fail { after, failure } => {
                self.schedule(
                    invoked + after,
                    Happening::Task(Event::TaskFailed { task, failure }),
                );
            }
            Answer::Silent => {}
            Answer::Beating { beats, then } => {
                for beat in beats {
                    self.schedule(
                        invoked + beat,
                        Happening::Task(Event::TaskHeartbeat { task }),
                    );
                }
                self.schedule_answer(*then, task, invoked);
            }
            Answer::Callback {
                submitted,
                response,
                token,
            } => {
                self.schedule(
                    invoked + submitted,
                    Happening::Task(Event::TaskSubmitted {
                        task,
                        output: response,
                    }),
                );
                self.schedule_answer(*token, task, invoked);
            }
        }
    }

    /// The task is over: nothing more of it happens (its handler is cancelled, its token
    /// no longer answered), but for what is on its way when it was `cancelled` in a script
    /// of late events.
    fn forget_task(&mut self, task: TaskId, cancelled: bool) {
        self.underway.running.remove(&task);
        self.underway.tokens.remove(&task);
        if !(cancelled && self.late_events) {
            self.agenda
                .retain(|_, h| !matches!(h, Happening::Task(e) if task_of(e) == Some(task)));
        }
    }

    fn carry_out(&mut self, commands: &[Command], now: Millis, answer: &Policy) {
        for command in commands {
            match command {
                Command::Invoke(inv) => {
                    self.underway.running.insert(inv.task, (**inv).clone());
                    self.schedule_answer(answer(inv), inv.task, now);
                }
                Command::Cancel { task } => self.forget_task(*task, true),
                Command::StartTimer { timer, at } => {
                    self.underway.timers.insert(*timer, *at);
                    let key = self.schedule(*at, Happening::Timer(*timer));
                    self.timer_keys.insert(*timer, key);
                }
                Command::CancelTimer { timer } => {
                    self.underway.timers.remove(timer);
                    if let Some(key) = self.timer_keys.remove(timer)
                        && !self.late_events
                    {
                        self.agenda.remove(&key);
                    }
                }
            }
        }
    }

    /// Takes what happens next out of the agenda as the event to deliver, updating what is
    /// under way as a driver does when it hands the event over.
    fn deliver(&mut self, happening: Happening) -> Event {
        match happening {
            Happening::Timer(timer) => {
                self.underway.timers.remove(&timer);
                self.timer_keys.remove(&timer);
                Event::TimerFired { timer }
            }
            Happening::Stop(failure) => Event::Stop { failure },
            Happening::Deleted => Event::StateMachineDeleted,
            Happening::Task(event) => {
                match &event {
                    Event::TaskSucceeded { task, .. } | Event::TaskFailed { task, .. } => {
                        self.forget_task(*task, false);
                    }
                    // A late hand-over, of a task called off, hands nothing over.
                    Event::TaskSubmitted { task, .. } => {
                        if let Some(inv) = self.underway.running.remove(task) {
                            let token = inv
                                .task_token
                                .expect("only callback tasks are scripted to be handed over");
                            self.underway.tokens.insert(*task, token);
                        }
                    }
                    _ => {}
                }
                event
            }
        }
    }
}

/// Hands `event` to the execution at `at` as a driver does: a redrive through
/// `Execution::redrive` or `redrive_with` (with the plan of its revision), which must accept
/// it, anything else through `handle`.
pub fn apply(
    execution: &mut Execution,
    revisions: &BTreeMap<u64, Arc<Plan>>,
    event: Event,
    at: Millis,
    entropy: &mut SplitMix64,
) -> Vec<Command> {
    let redriven = match event {
        Event::Redrive { revision: None } => execution.redrive(at, entropy),
        Event::Redrive {
            revision: Some(revision),
        } => {
            let plan = revisions
                .get(&revision)
                .unwrap_or_else(|| panic!("no plan for revision {revision}"))
                .clone();
            execution.redrive_with(plan, at, entropy)
        }
        event => return execution.handle(event, at, entropy),
    };
    redriven.unwrap_or_else(|e| panic!("the redrive at {at} is refused: {e}"))
}

/// Runs `script` on `plan` to its end (or until nothing more can happen), journaling it.
pub fn run(plan: &Arc<Plan>, script: &Script) -> Run {
    let mut entropy = SplitMix64(script.seed);
    let (mut execution, commands) = Execution::start(
        plan.clone(),
        &script.config,
        script.input.clone(),
        script.start_at,
        &mut entropy,
    )
    .expect("the scripted execution starts");
    let mut digest = HistoryDigest::default();
    let start = Start::new(
        script.config.clone(),
        script.input.clone(),
        script.seed,
        script.start_at,
        digest.advance(execution.history()),
    );
    let mut world = World {
        late_events: script.late_events,
        agenda: BTreeMap::new(),
        scheduled: 0,
        timer_keys: BTreeMap::new(),
        underway: Underway::default(),
    };
    if let Some((at, failure)) = &script.stop {
        world.schedule(*at, Happening::Stop(failure.clone()));
    }
    if let Some(at) = script.deleted {
        world.schedule(at, Happening::Deleted);
    }
    let mut now = script.start_at;
    world.carry_out(&commands, now, &script.answer);
    let step = |execution: &Execution, commands: Vec<Command>, world: &World| Step {
        commands,
        history_len: execution.history().len(),
        status: execution.status().clone(),
        pending_work: execution.has_pending_work(),
        underway: world.underway.clone(),
        redrives: (
            execution.info().redrive_count,
            execution.info().redrive_time,
        ),
    };
    let mut steps = vec![step(&execution, commands, &world)];
    let mut entries = Vec::new();
    let mut redrives = script.redrives.iter();
    loop {
        let event = if *execution.status() == ExecutionStatus::Running {
            assert!(
                entries.len() < script.max_calls,
                "the script did not end within {} calls",
                script.max_calls
            );
            let due = world.agenda.first_key_value().map(|(&(at, _), _)| at);
            if execution.has_pending_work() {
                // As a runtime does between runs of states: what is due is handled first.
                match due {
                    Some(at) if at <= now => {
                        let (_, happening) = world.agenda.pop_first().expect("a due happening");
                        world.deliver(happening)
                    }
                    _ => {
                        now += script.continue_ms;
                        Event::Continue
                    }
                }
            } else {
                let Some(((at, _), happening)) = world.agenda.pop_first() else {
                    break;
                };
                now = now.max(at);
                world.deliver(happening)
            }
        } else {
            let Some(&(at, revision)) = redrives.next() else {
                break;
            };
            now = now.max(at);
            if execution.redrivable(now).is_err() {
                break;
            }
            Event::Redrive { revision }
        };
        let commands = apply(
            &mut execution,
            &script.revisions,
            event.clone(),
            now,
            &mut entropy,
        );
        entries.push(Entry {
            event,
            at: now,
            check: digest.advance(execution.history()),
        });
        world.carry_out(&commands, now, &script.answer);
        steps.push(step(&execution, commands, &world));
    }
    Run {
        plan: plan.clone(),
        revisions: script.revisions.clone(),
        seed: script.seed,
        start,
        entries,
        steps,
        execution,
    }
}
