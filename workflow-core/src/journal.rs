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
    Command, Event, Execution, ExecutionConfig, Millis, StartError, TaskId, TaskInvocation, TimerId,
};
use crate::history::HistoryEvent;
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

/// A fingerprint of a history: how many events it holds, and a digest of them all (their
/// AWS JSON, timestamps included). Equal checks mean, but for a collision of a 64-bit hash,
/// equal histories.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct HistoryCheck {
    /// The number of events.
    pub events: u64,
    /// FNV-1a over the events' JSON, in order.
    pub digest: u64,
}

/// Keeps the [`HistoryCheck`] of a growing history, hashing each event once.
#[derive(Clone, Debug, Default)]
pub struct HistoryDigest {
    check: HistoryCheck,
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// An `io::Write` that hashes what is written to it, so that an event is hashed as it is
/// serialized, without building its text.
struct Fnv(u64);

impl std::io::Write for Fnv {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(FNV_PRIME);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl HistoryDigest {
    /// The check of `history`, which must extend the history this digest last saw (a
    /// journaled execution's history only grows).
    pub fn advance(&mut self, history: &[HistoryEvent]) -> HistoryCheck {
        let seen = usize::try_from(self.check.events).unwrap_or(usize::MAX);
        let mut hasher = Fnv(if self.check.events == 0 {
            FNV_OFFSET
        } else {
            self.check.digest
        });
        for event in history.get(seen..).unwrap_or_default() {
            // Writing to the hasher cannot fail, and a history event always serializes.
            let _ = serde_json::to_writer(&mut hasher, &event.to_aws_json());
        }
        self.check = HistoryCheck {
            events: history.len() as u64,
            digest: hasher.0,
        };
        self.check
    }

    /// The check of the history seen last.
    pub fn check(&self) -> HistoryCheck {
        self.check
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
}

/// An execution rebuilt from its journal, and what its driver must carry out to go on.
#[derive(Debug)]
#[non_exhaustive]
pub struct Replayed {
    /// The execution, as it stood after its last journaled event.
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
            Event::TaskSubmitted { task, .. } => {
                if let Some(inv) = self.invoked.remove(task) {
                    self.submitted
                        .insert(*task, inv.task_token.clone().unwrap_or_default());
                }
            }
            Event::TimerFired { timer } => {
                self.timers.remove(timer);
            }
            Event::TaskHeartbeat { .. } | Event::Stop { .. } | Event::Continue => {}
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
pub fn replay(
    plan: Arc<Plan>,
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
        let commands = execution.handle(entry.event.clone(), entry.at, entropy);
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
