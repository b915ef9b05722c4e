//! An execution's journal: what its step logic was given. The step logic is a deterministic
//! function of its inputs, so replaying the journal through it rebuilds the execution exactly,
//! its history included, without calling a task handler.
//!
//! The journal is a [`Start`] (the configuration, the input, the random seed and the start
//! time) and one [`Entry`] per event the step logic consumed ([`Execution::handle`]), with the
//! time it was handled. Each carries a [`HistoryCheck`] of the history as it stood afterwards:
//! a replay whose history differs (the step logic changed between versions) is refused with
//! [`ReplayError::Diverged`] instead of going on from a state the execution never was in.
//!
//! A redrive ([`Execution::redrive`]) is an entry like the others, [`Event::Redrive`]; one
//! with a patched definition ([`Execution::redrive_with`]) names the revision it went on
//! with, whose plan [`replay_with`] is given.
//!
//! Only STANDARD executions are journaled: an EXPRESS history keeps its first events and its
//! last, so its length does not grow with the events (and AWS keeps EXPRESS executions in
//! memory only, at-least-once).
//!
//! ```
//! use std::sync::Arc;
//! use serde_json::json;
//! use workflow_core::definition::Definition;
//! use workflow_core::entropy::SplitMix64;
//! use workflow_core::execution::{Command, Event, Execution, ExecutionConfig};
//! use workflow_core::journal::{Entry, HistoryDigest, Start, replay};
//! use workflow_core::plan::CompileOptions;
//!
//! let definition = Definition::from_json_str(
//!     r#"{"StartAt": "Nap", "States": {"Nap": {"Type": "Wait", "Seconds": 60, "End": true}}}"#,
//!     &CompileOptions::default(),
//! )
//! .unwrap();
//! let plan = definition.plan().unwrap();
//! let config = ExecutionConfig::default();
//!
//! // Run it, journaling as a driver does.
//! let seed = 7;
//! let mut entropy = SplitMix64(seed);
//! let (mut execution, commands) =
//!     Execution::start(plan.clone(), &config, json!({}), 1_000, &mut entropy).unwrap();
//! let mut digest = HistoryDigest::default();
//! let start = Start::new(config, json!({}), seed, 1_000, digest.advance(execution.history()));
//! let Some(Command::StartTimer { timer, at }) = commands.last().cloned() else { panic!() };
//! let event = Event::TimerFired { timer };
//! execution.handle(event.clone(), at, &mut entropy);
//! let entries = vec![Entry { event, at, check: digest.advance(execution.history()) }];
//!
//! // Replay: the same execution, without running anything.
//! let replayed = replay(plan, &start, &entries, &mut SplitMix64(seed)).unwrap();
//! assert_eq!(replayed.execution.history(), execution.history());
//! assert_eq!(replayed.execution.status(), execution.status());
//! ```

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::entropy::Entropy;
use crate::execution::{
    Command, Event, Execution, ExecutionConfig, Millis, RedriveError, StartError, TaskId,
    TaskInvocation, TimerId,
};
use crate::history::{EventDetails, HistoryEvent, Payload};
use crate::plan::Plan;

/// What an execution was started with: all its replay needs besides its events and its plan.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Start {
    /// Names, ARNs and the history quota.
    pub config: ExecutionConfig,
    /// The execution's input.
    #[serde(with = "json_text")]
    pub input: Value,
    /// The seed of the execution's random numbers (retry jitter, `States.UUID`, task tokens,
    /// a generated name): the same seed gives the same numbers on replay.
    pub seed: u64,
    /// When it started, in milliseconds since the epoch.
    pub at: Millis,
    /// The history right after the start.
    pub check: HistoryCheck,
}

impl Start {
    /// A start record.
    pub fn new(
        config: ExecutionConfig,
        input: Value,
        seed: u64,
        at: Millis,
        check: HistoryCheck,
    ) -> Start {
        Start {
            config,
            input,
            seed,
            at,
            check,
        }
    }
}

/// One event the step logic consumed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The event.
    pub event: Event,
    /// When it was handled (the `now` given to [`Execution::handle`]).
    pub at: Millis,
    /// The history right after it was handled.
    pub check: HistoryCheck,
}

/// How a journal record holds a JSON value (an execution's input, a task's result, a
/// callback's response): as its JSON text, in a string. A value may nest [`MAX_JSON_DEPTH`]
/// levels, the most a JSON reader takes (`serde_json`'s is 128), and the record around it
/// would take it past that: held as text, it is read back with the depth of its own.
///
/// A value nested deeper than that is kept by nothing (the step logic drops a result or a
/// response too deep to keep, and fails the task or leaves the response out), but its event
/// still has to be journaled, and writing its text would recurse once per level: it is
/// written as `{"nested_deeper_than": 127}` instead, and read back as a value just too deep,
/// which the step logic handles the same way.
///
/// [`MAX_JSON_DEPTH`]: crate::nesting::MAX_JSON_DEPTH
pub(crate) mod json_text {
    use std::fmt;

    use serde::de::{self, MapAccess, Visitor};
    use serde::ser::SerializeMap;
    use serde::{Deserializer, Serializer};
    use serde_json::Value;

    use crate::nesting::{MAX_JSON_DEPTH, exceeds_depth};

    /// The member that marks a value nested too deep to be written.
    const TOO_DEEP: &str = "nested_deeper_than";

    pub(crate) fn serialize<S: Serializer>(
        value: &Value,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        if exceeds_depth(value, MAX_JSON_DEPTH) {
            let mut marker = serializer.serialize_map(Some(1))?;
            marker.serialize_entry(TOO_DEEP, &MAX_JSON_DEPTH)?;
            return marker.end();
        }
        let text = serde_json::to_string(value).map_err(serde::ser::Error::custom)?;
        serializer.serialize_str(&text)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Value, D::Error> {
        deserializer.deserialize_any(JsonText)
    }

    struct JsonText;

    impl<'de> Visitor<'de> for JsonText {
        type Value = Value;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON text in a string, or {\"nested_deeper_than\": 127}")
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<Value, E> {
            serde_json::from_str(text).map_err(E::custom)
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
            match map.next_entry::<String, usize>()? {
                Some((key, _)) if key == TOO_DEEP && map.next_key::<String>()?.is_none() => {
                    // Just too deep, built without recursion; dropped as any value this deep.
                    let mut value = Value::Null;
                    for _ in 0..=MAX_JSON_DEPTH {
                        value = Value::Array(vec![value]);
                    }
                    Ok(value)
                }
                _ => Err(de::Error::custom(format!(
                    "expected a JSON text in a string or {{\"{TOO_DEEP}\": {MAX_JSON_DEPTH}}}"
                ))),
            }
        }
    }
}

/// A fingerprint of a history: how many events it holds, and a digest of them all (every
/// field of every event: ids, timestamp, type, names, payloads). Equal checks mean, but for a
/// collision of a 64-bit hash, equal histories.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HistoryCheck {
    /// The number of events.
    pub events: u64,
    /// A 64-bit hash of the events, in order.
    pub digest: u64,
}

/// Keeps the [`HistoryCheck`] of a growing history, hashing each event once.
#[derive(Clone, Debug, Default)]
pub struct HistoryDigest {
    check: HistoryCheck,
}

/// The digest of the empty history.
const EMPTY_DIGEST: u64 = 0xcbf2_9ce4_8422_2325;

impl HistoryDigest {
    /// The check of `history`, which must extend the history this digest last saw (a
    /// journaled execution's history only grows).
    pub fn advance(&mut self, history: &[HistoryEvent]) -> HistoryCheck {
        let seen = usize::try_from(self.check.events).unwrap_or(usize::MAX);
        let mut fingerprint = Fingerprint::new(if self.check.events == 0 {
            EMPTY_DIGEST
        } else {
            self.check.digest
        });
        for event in history.get(seen..).unwrap_or_default() {
            fingerprint.event(event);
        }
        self.check = HistoryCheck {
            events: history.len() as u64,
            digest: fingerprint.state,
        };
        self.check
    }

    /// The check of the history seen last.
    pub fn check(&self) -> HistoryCheck {
        self.check
    }
}

/// A 64-bit hash of history events, computed on the durable path once per event: an
/// event's fields are written as bytes (numbers as 8 little-endian bytes; strings and JSON
/// texts as their UTF-8 followed by `0xFF`, a byte UTF-8 never holds, so that no two events
/// write the same bytes) and hashed eight bytes at a time, payloads straight from where the
/// history keeps them, without building their text. Not a cryptographic hash: it tells a
/// changed step logic from the one that wrote a journal, not a forged journal from a true one.
///
/// Each step, for a fixed word, is a bijection of the state (a xor, a multiplication by an
/// odd number, a xorshift), so two byte streams that differ in one word always differ.
struct Fingerprint {
    state: u64,
    /// The bytes written since the last whole word, the first in the low byte.
    tail: u64,
    tail_len: u32,
    /// The bytes written for the event under way.
    len: u64,
}

/// Odd, so that multiplying by it is a bijection (the golden ratio's 64-bit fraction).
const MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;

/// What ends a string or a JSON text among an event's bytes: UTF-8 never holds it.
const END_OF_TEXT: u8 = 0xff;

impl Fingerprint {
    fn new(state: u64) -> Fingerprint {
        Fingerprint {
            state,
            tail: 0,
            tail_len: 0,
            len: 0,
        }
    }

    fn mix(&mut self, word: u64) {
        let h = (self.state ^ word).wrapping_mul(MULTIPLIER);
        self.state = h ^ (h >> 29);
    }

    fn bytes(&mut self, mut bytes: &[u8]) {
        self.len += bytes.len() as u64;
        if self.tail_len > 0 {
            while self.tail_len < 8 {
                let Some((&b, rest)) = bytes.split_first() else {
                    return;
                };
                self.tail |= u64::from(b) << (8 * self.tail_len);
                self.tail_len += 1;
                bytes = rest;
            }
            let word = std::mem::take(&mut self.tail);
            self.tail_len = 0;
            self.mix(word);
        }
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            let mut b = [0u8; 8];
            b.copy_from_slice(word);
            self.mix(u64::from_le_bytes(b));
        }
        for &b in words.remainder() {
            self.tail |= u64::from(b) << (8 * self.tail_len);
            self.tail_len += 1;
        }
    }

    fn number(&mut self, n: u64) {
        self.bytes(&n.to_le_bytes());
    }

    fn text(&mut self, s: &str) {
        self.bytes(s.as_bytes());
        self.bytes(&[END_OF_TEXT]);
    }

    fn optional_text(&mut self, s: Option<&str>) {
        match s {
            None => self.bytes(&[0]),
            Some(s) => {
                self.bytes(&[1]);
                self.text(s);
            }
        }
    }

    fn optional_number(&mut self, n: Option<u64>) {
        match n {
            None => self.bytes(&[0]),
            Some(n) => {
                self.bytes(&[1]);
                self.number(n);
            }
        }
    }

    fn payload(&mut self, payload: &Payload) {
        // Writing to the fingerprint cannot fail, nor can a value of the history be written.
        let _ = payload.write_json(self);
        self.bytes(&[END_OF_TEXT]);
    }

    /// Hashes one event, ending with its length (so that the zeros that complete its last
    /// word are not taken for bytes of it).
    fn event(&mut self, event: &HistoryEvent) {
        self.number(event.id);
        self.number(event.previous_event_id);
        self.number(event.timestamp as u64);
        self.text(event.event_type.as_str());
        match &event.details {
            EventDetails::None => self.bytes(&[0]),
            EventDetails::ExecutionStarted { input, role_arn } => {
                self.bytes(&[1]);
                self.payload(input);
                self.text(role_arn);
            }
            EventDetails::ExecutionSucceeded { output } => {
                self.bytes(&[2]);
                self.payload(output);
            }
            EventDetails::Failure {
                error,
                cause,
                resource,
            } => {
                self.bytes(&[3]);
                self.optional_text(error.as_deref());
                self.optional_text(cause.as_deref());
                match resource {
                    None => self.bytes(&[0]),
                    Some((resource_type, resource)) => {
                        self.bytes(&[1]);
                        self.text(resource_type);
                        self.text(resource);
                    }
                }
            }
            EventDetails::StateEntered { name, input } => {
                self.bytes(&[4]);
                self.text(name);
                self.payload(input);
            }
            EventDetails::StateExited {
                name,
                output,
                assigned,
            } => {
                self.bytes(&[5]);
                self.text(name);
                self.payload(output);
                match assigned {
                    None => self.bytes(&[0]),
                    Some(assigned) => {
                        self.bytes(&[1]);
                        self.number(assigned.len() as u64);
                        for (name, value) in assigned.iter() {
                            self.text(name);
                            self.payload(value);
                        }
                    }
                }
            }
            EventDetails::TaskScheduled {
                resource_type,
                resource,
                region,
                parameters,
                timeout_seconds,
                heartbeat_seconds,
            } => {
                self.bytes(&[6]);
                self.text(resource_type);
                self.text(resource);
                self.text(region);
                self.payload(parameters);
                self.optional_number(*timeout_seconds);
                self.optional_number(*heartbeat_seconds);
            }
            EventDetails::Task {
                resource_type,
                resource,
                output,
            } => {
                self.bytes(&[7]);
                self.text(resource_type);
                self.text(resource);
                match output {
                    None => self.bytes(&[0]),
                    Some(output) => {
                        self.bytes(&[1]);
                        self.payload(output);
                    }
                }
            }
            EventDetails::LambdaScheduled {
                resource,
                input,
                timeout_seconds,
            } => {
                self.bytes(&[8]);
                self.text(resource);
                self.payload(input);
                self.optional_number(*timeout_seconds);
            }
            EventDetails::LambdaSucceeded { output } => {
                self.bytes(&[9]);
                self.payload(output);
            }
            EventDetails::MapStarted { length } => {
                self.bytes(&[10]);
                self.number(*length as u64);
            }
            EventDetails::MapIteration { name, index } => {
                self.bytes(&[11]);
                self.text(name);
                self.number(*index as u64);
            }
            EventDetails::MapRunStarted { map_run_arn } => {
                self.bytes(&[12]);
                self.text(map_run_arn);
            }
            EventDetails::ExecutionRedriven { redrive_count } => {
                self.bytes(&[13]);
                self.number(u64::from(*redrive_count));
            }
            EventDetails::MapRunRedriven {
                map_run_arn,
                redrive_count,
            } => {
                self.bytes(&[14]);
                self.text(map_run_arn);
                self.number(u64::from(*redrive_count));
            }
        }
        if self.tail_len > 0 {
            let word = std::mem::take(&mut self.tail);
            self.tail_len = 0;
            self.mix(word);
        }
        let len = std::mem::take(&mut self.len);
        self.mix(len);
    }
}

impl std::io::Write for Fingerprint {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.bytes(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Why a journal could not be replayed.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayError {
    /// The execution could not start again (the start record does not fit the plan).
    #[error("the execution cannot start again: {0}")]
    Start(#[from] StartError),
    /// The replayed history differs from the journaled one: the step logic or the definition
    /// changed since the execution ran.
    #[error(
        "the replayed history differs from the recorded one after {}: {} events (digest {:016x}) where {} (digest {:016x}) were recorded; the engine's step logic or the definition changed since the execution ran",
        match .entry { None => "the start".to_string(), Some(n) => format!("journal entry {n}") },
        .replayed.events, .replayed.digest, .recorded.events, .recorded.digest
    )]
    Diverged {
        /// The entry after which the histories differ (`None`: right after the start).
        entry: Option<usize>,
        /// What the journal recorded.
        recorded: HistoryCheck,
        /// What the replay produced.
        replayed: HistoryCheck,
    },
    /// A redrive the journal holds was refused on replay: the step logic changed since.
    #[error("journal entry {entry}: the redrive it records is refused on replay: {error}")]
    Redrive {
        /// The entry.
        entry: usize,
        /// Why.
        error: RedriveError,
    },
    /// A redrive with a patched definition names a revision the replay was given no plan for.
    #[error(
        "journal entry {entry}: the execution was redriven with revision {revision} of its definition, which the replay was not given"
    )]
    UnknownRevision {
        /// The entry.
        entry: usize,
        /// The revision.
        revision: u64,
    },
}

/// An execution rebuilt from its journal, and what its driver must carry out to go on.
#[derive(Debug)]
#[non_exhaustive]
pub struct Replayed {
    /// The execution, as it stood after its last journaled event. When it
    /// [has work pending](Execution::has_pending_work) (the last call stopped at its budget of
    /// states), the driver goes on with [`Event::Continue`], as it would have.
    pub execution: Execution,
    /// The commands still to carry out: [`Command::Invoke`] for every task that was invoked
    /// and had not answered (in flight at a crash: task handlers are at-least-once),
    /// [`Command::StartTimer`] for every timer still armed, at its absolute deadline.
    pub outstanding: Vec<Command>,
    /// Callback tasks handed over and waiting for their token, with the token.
    pub awaiting_token: Vec<(TaskId, String)>,
    /// The history check after the last entry.
    pub digest: HistoryDigest,
}

/// What an execution has under way, followed through its commands and events.
#[derive(Default)]
struct Underway {
    invoked: BTreeMap<TaskId, Box<TaskInvocation>>,
    submitted: BTreeMap<TaskId, String>,
    timers: BTreeMap<TimerId, Millis>,
}

impl Underway {
    fn on_event(&mut self, event: &Event) {
        match event {
            Event::TaskSucceeded { task, .. } | Event::TaskFailed { task, .. } => {
                self.invoked.remove(task);
                self.submitted.remove(task);
            }
            // Only a callback task is handed over: it then waits for its token, and is not
            // invoked again. Anything else stays in flight (and is, after a crash).
            Event::TaskSubmitted { task, .. } => {
                if let Some(token) = self
                    .invoked
                    .get(task)
                    .and_then(|inv| inv.task_token.clone())
                {
                    self.invoked.remove(task);
                    self.submitted.insert(*task, token);
                }
            }
            Event::TimerFired { timer } => {
                self.timers.remove(timer);
            }
            // A redrive comes after the end, which cancelled everything under way.
            Event::TaskHeartbeat { .. }
            | Event::Stop { .. }
            | Event::StateMachineDeleted
            | Event::Continue
            | Event::Redrive { .. } => {}
        }
    }

    fn on_commands(&mut self, commands: Vec<Command>) {
        for command in commands {
            match command {
                Command::Invoke(inv) => {
                    self.invoked.insert(inv.task, inv);
                }
                Command::Cancel { task } => {
                    self.invoked.remove(&task);
                    self.submitted.remove(&task);
                }
                Command::StartTimer { timer, at } => {
                    self.timers.insert(timer, at);
                }
                Command::CancelTimer { timer } => {
                    self.timers.remove(&timer);
                }
            }
        }
    }
}

/// Rebuilds an execution from its journal through the step logic, checking after the start
/// and after every entry that the history is the one recorded. `entropy` must be the source
/// the execution ran with, made again from [`Start::seed`]; on return it stands where the
/// execution's left off, ready for the events to come.
///
/// A redrive with a patched definition in the journal is refused
/// ([`ReplayError::UnknownRevision`]): replay such a journal with [`replay_with`].
pub fn replay(
    plan: Arc<Plan>,
    start: &Start,
    entries: &[Entry],
    entropy: &mut dyn Entropy,
) -> Result<Replayed, ReplayError> {
    replay_with(plan, &|_| None, start, entries, entropy)
}

/// [`replay`], with the plans of the definition revisions the execution was redriven with
/// ([`Event::Redrive`]'s `revision`, [`Execution::redrive_with`]): `revisions` gives the plan
/// of a revision (`None`: unknown, [`ReplayError::UnknownRevision`]). `plan` is the plan the
/// execution started with.
pub fn replay_with(
    plan: Arc<Plan>,
    revisions: &dyn Fn(u64) -> Option<Arc<Plan>>,
    start: &Start,
    entries: &[Entry],
    entropy: &mut dyn Entropy,
) -> Result<Replayed, ReplayError> {
    let (mut execution, commands) =
        Execution::start(plan, &start.config, start.input.clone(), start.at, entropy)?;
    let mut digest = HistoryDigest::default();
    let check = digest.advance(execution.history());
    if check != start.check {
        return Err(ReplayError::Diverged {
            entry: None,
            recorded: start.check,
            replayed: check,
        });
    }
    let mut underway = Underway::default();
    underway.on_commands(commands);
    for (n, entry) in entries.iter().enumerate() {
        underway.on_event(&entry.event);
        let commands = match &entry.event {
            Event::Redrive { revision } => {
                let redriven = match revision {
                    None => execution.redrive(entry.at, entropy),
                    Some(revision) => {
                        let plan = revisions(*revision).ok_or(ReplayError::UnknownRevision {
                            entry: n,
                            revision: *revision,
                        })?;
                        execution.redrive_with(plan, entry.at, entropy)
                    }
                };
                redriven.map_err(|error| ReplayError::Redrive { entry: n, error })?
            }
            event => execution.handle(event.clone(), entry.at, entropy),
        };
        underway.on_commands(commands);
        let check = digest.advance(execution.history());
        if check != entry.check {
            return Err(ReplayError::Diverged {
                entry: Some(n),
                recorded: entry.check,
                replayed: check,
            });
        }
    }
    let Underway {
        invoked,
        submitted,
        timers,
    } = underway;
    let mut outstanding: Vec<Command> = invoked.into_values().map(Command::Invoke).collect();
    outstanding.extend(
        timers
            .into_iter()
            .map(|(timer, at)| Command::StartTimer { timer, at }),
    );
    Ok(Replayed {
        execution,
        outstanding,
        awaiting_token: submitted.into_iter().collect(),
        digest,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::history::EventType;
    use crate::nesting::MAX_JSON_DEPTH;

    fn nested(depth: usize) -> Value {
        let mut value = json!(1);
        for _ in 0..depth {
            value = Value::Array(vec![value]);
        }
        value
    }

    fn entry(output: Value) -> Entry {
        Entry {
            event: Event::TaskSucceeded {
                task: TaskId(1),
                output,
            },
            at: 0,
            check: HistoryCheck::default(),
        }
    }

    fn event(
        id: u64,
        timestamp: i64,
        event_type: EventType,
        details: EventDetails,
    ) -> HistoryEvent {
        HistoryEvent {
            id,
            previous_event_id: id.saturating_sub(1),
            timestamp,
            event_type,
            details,
        }
    }

    fn failure(error: Option<&str>, cause: Option<&str>) -> EventDetails {
        EventDetails::Failure {
            error: error.map(str::to_string),
            cause: cause.map(str::to_string),
            resource: None,
        }
    }

    fn entered(name: &str, input: Value) -> EventDetails {
        EventDetails::StateEntered {
            name: name.into(),
            input: input.into(),
        }
    }

    fn digest_of(history: &[HistoryEvent]) -> HistoryCheck {
        HistoryDigest::default().advance(history)
    }

    #[test]
    fn a_digest_advanced_event_by_event_is_the_digest_of_the_whole() {
        let history: Vec<HistoryEvent> = (1..=5)
            .map(|id| {
                event(
                    id,
                    1_000 + id as i64,
                    EventType::PassStateEntered,
                    entered("S", json!({"n": id})),
                )
            })
            .collect();
        let mut digest = HistoryDigest::default();
        for n in 0..=history.len() {
            assert_eq!(digest.advance(&history[..n]), digest_of(&history[..n]));
            assert_eq!(digest.check().events, n as u64);
        }
    }

    #[test]
    fn any_change_to_an_event_changes_the_digest() {
        use EventType::*;
        let variants = [
            event(1, 0, PassStateEntered, entered("S", json!(1))),
            event(2, 0, PassStateEntered, entered("S", json!(1))),
            event(1, 1, PassStateEntered, entered("S", json!(1))),
            event(1, -1, PassStateEntered, entered("S", json!(1))),
            event(1, 0, TaskStateEntered, entered("S", json!(1))),
            event(1, 0, PassStateEntered, entered("T", json!(1))),
            event(1, 0, PassStateEntered, entered("S", json!(2))),
            event(1, 0, PassStateEntered, entered("S", json!("1"))),
            event(1, 0, PassStateEntered, entered("S1", json!(2))),
            event(1, 0, PassStateEntered, entered("S", json!(12))),
            // The same text split differently between two fields.
            event(1, 0, ExecutionFailed, failure(Some("ab"), Some("c"))),
            event(1, 0, ExecutionFailed, failure(Some("a"), Some("bc"))),
            event(1, 0, ExecutionFailed, failure(Some("x"), None)),
            event(1, 0, ExecutionFailed, failure(None, Some("x"))),
            event(1, 0, ExecutionFailed, failure(None, None)),
            event(1, 0, ExecutionFailed, EventDetails::None),
            event(
                1,
                0,
                MapStateStarted,
                EventDetails::MapStarted { length: 0 },
            ),
            event(
                1,
                0,
                MapStateStarted,
                EventDetails::MapStarted { length: 1 },
            ),
        ];
        let mut digests: Vec<u64> = variants
            .iter()
            .map(|e| digest_of(std::slice::from_ref(e)).digest)
            .collect();
        digests.sort_unstable();
        digests.dedup();
        assert_eq!(digests.len(), variants.len());
        // The order of events counts too.
        let (a, b) = (variants[0].clone(), variants[5].clone());
        assert_ne!(digest_of(&[a.clone(), b.clone()]), digest_of(&[b, a]));
    }

    #[test]
    fn a_payload_kept_as_text_digests_as_its_value() {
        // The history keeps a large payload as its JSON text: equal payloads (equal texts)
        // have equal digests however they are kept.
        let large =
            json!({"items": (0..200).map(|i| json!({"i": i, "s": "é\"\\"})).collect::<Vec<_>>()});
        let as_value = event(
            1,
            0,
            EventType::PassStateEntered,
            entered("S", large.clone()),
        );
        let mut close = large.clone();
        close["items"][100]["i"] = json!("changed");
        let close_as_value = event(2, 0, EventType::PassStateEntered, entered("S", close));
        let mut recorder = crate::history::PayloadRecorder::default();
        let mut as_text = as_value.clone();
        as_text.details.record_payloads(&mut recorder);
        // Kept as the difference from the first text.
        let mut as_delta = close_as_value.clone();
        as_delta.details.record_payloads(&mut recorder);
        for (kept, value) in [(&as_text, &as_value), (&as_delta, &close_as_value)] {
            assert_eq!(kept, value);
            assert_ne!(format!("{kept:?}"), format!("{value:?}"), "kept otherwise");
        }
        assert!(format!("{as_delta:?}").contains("Delta"), "{as_delta:?}");
        assert_eq!(
            digest_of(&[as_text, as_delta]),
            digest_of(&[as_value, close_as_value])
        );
    }

    #[test]
    fn only_a_task_with_a_token_is_handed_over() {
        use crate::definition::Definition;
        use crate::entropy::SplitMix64;
        use crate::plan::CompileOptions;

        let definition = Definition::from_json_str(
            r#"{"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:F", "End": true}}}"#,
            &CompileOptions::default(),
        )
        .unwrap();
        let plan = definition.plan().unwrap();
        let mut entropy = SplitMix64(1);
        let (mut execution, commands) = Execution::start(
            plan.clone(),
            &ExecutionConfig::default(),
            json!({}),
            0,
            &mut entropy,
        )
        .unwrap();
        let mut digest = HistoryDigest::default();
        let start = Start::new(
            ExecutionConfig::default(),
            json!({}),
            1,
            0,
            digest.advance(execution.history()),
        );
        let Some(Command::Invoke(invocation)) = commands.last() else {
            panic!("{commands:?}")
        };
        assert_eq!(invocation.task_token, None);
        // A hand-over of a task that is not a callback (no runtime sends one) hands nothing
        // over: after a crash the task is invoked again rather than waited for by no token.
        let event = Event::TaskSubmitted {
            task: invocation.task,
            output: json!({}),
        };
        execution.handle(event.clone(), 5, &mut entropy);
        let entries = [Entry {
            event,
            at: 5,
            check: digest.advance(execution.history()),
        }];
        let replayed = replay(plan, &start, &entries, &mut SplitMix64(1)).unwrap();
        assert!(replayed.awaiting_token.is_empty());
        assert!(
            replayed
                .outstanding
                .contains(&Command::Invoke(invocation.clone()))
        );
    }

    #[test]
    fn a_value_as_deep_as_allowed_reads_back() {
        let entry = entry(nested(MAX_JSON_DEPTH));
        let text = serde_json::to_string(&entry).unwrap();
        assert_eq!(serde_json::from_str::<Entry>(&text).unwrap(), entry);
    }

    #[test]
    fn a_value_too_deep_is_written_as_a_marker_and_read_back_too_deep() {
        let text = serde_json::to_string(&entry(nested(MAX_JSON_DEPTH + 1))).unwrap();
        assert!(
            text.contains(r#""output":{"nested_deeper_than":127}"#),
            "{text}"
        );
        let Event::TaskSucceeded { output, .. } =
            serde_json::from_str::<Entry>(&text).unwrap().event
        else {
            panic!("{text}")
        };
        assert!(crate::nesting::exceeds_depth(&output, MAX_JSON_DEPTH));
    }

    #[test]
    fn anything_else_in_place_of_a_value_is_refused() {
        for output in [
            r#"{"nested_deeper_than": 127, "more": 1}"#,
            r#"{"other": 127}"#,
            r#"{}"#,
            "1",
            r#""not json""#,
        ] {
            let text = format!(
                r#"{{"event": {{"task_succeeded": {{"task": 1, "output": {output}}}}}, "at": 0, "check": {{"events": 0, "digest": 0}}}}"#
            );
            assert!(serde_json::from_str::<Entry>(&text).is_err(), "{output}");
        }
    }
}
