//! The default store: records in memory, no journal.

use std::collections::hash_map::Entry as Slot;
use std::collections::{BTreeMap, VecDeque};
use std::hash::Hasher;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;

use workflow_core::execution::{Millis, TaskId};
use workflow_core::journal::{Entry, Start};
use workflow_core::plan::MachineType;

use super::{
    Deletion, ExecutionFilter, ExecutionRecord, Page, PageRequest, Progress, StateMachineRecord,
    StateMachineStatus, Status, Store, StoreError, StoreFuture, Unfinished, Waiting, page_token,
};
use crate::fast_hash::{FastMap, FxHasher};
use crate::registry::ReplayAtOnce;

/// Keeps state machines and execution records in memory, and no journal: executions end
/// with the process. The default store, as fast as running without one.
///
/// Finished executions are kept until they are purged ([`Store::purge_finished`]), within a
/// bound, so that a process that runs executions for long holds a bounded memory: at most
/// [`MemoryStore::KEEP_FINISHED`] of them, whose inputs and outputs take at most about
/// [`MemoryStore::KEEP_PAYLOAD_BYTES`] together (or the bounds given to
/// [`MemoryStore::keeping_finished`]). Past either, the one that ended first goes; one whose
/// input and output alone take more is forgotten as it ends. (Keeping more in memory would
/// cost the executions that run: every one that ends would push out one whose memory has
/// gone cold; keeping 1,000 made the W2 benchmark about 10% slower. A durable store keeps
/// them all.)
///
/// ```
/// use workflow_runtime::store::{MemoryStore, Store};
///
/// let store = MemoryStore::new();
/// assert!(!store.is_durable());
/// ```
#[derive(Debug)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
    keep: Bound,
}

/// How much of the finished executions a store keeps.
#[derive(Clone, Copy, Debug)]
struct Bound {
    executions: usize,
    payload_bytes: usize,
}

/// An execution as the store keeps it.
#[derive(Debug)]
struct Kept {
    record: ExecutionRecord,
    waiting: Waiting,
    /// For one that ended as it started, in a runtime on this store: what replays it (its
    /// history is rebuilt from it and its record).
    replay: Option<ReplayAtOnce>,
}

#[derive(Debug, Default)]
struct Inner {
    /// Every revision of every state machine, by name.
    state_machines: BTreeMap<String, Vec<StateMachineRecord>>,
    /// Every execution, by ARN. Listings sort what they select (the store holds the running
    /// executions, which a runtime on it holds in memory anyway, and a bounded number of
    /// finished ones): keeping an order up to date would cost every execution that starts.
    executions: FastMap<Arc<str>, Kept>,
    /// The finished executions in the order they ended, with their stop date and what their
    /// input and output take (an execution redriven and ended again is here twice: only the
    /// entry of its last end counts).
    finished: VecDeque<(Arc<str>, Millis, usize)>,
    /// What the inputs and outputs of the entries of `finished` take.
    finished_bytes: usize,
    /// The executions waiting for each task token.
    tokens: TokenIndex,
}

/// The executions waiting for task tokens, by the token's hash: a lookup is one probe instead
/// of a walk through every execution, and the index copies no token (a hash, and the ARN the
/// store keys the execution by, shared). The tokens an execution's record holds tell apart
/// two tokens of one hash, which random tokens make vanishingly rare.
#[derive(Debug, Default)]
struct TokenIndex {
    /// An execution waiting for a token of each hash.
    first: FastMap<u64, Arc<str>>,
    /// The others of a hash in `first`, once for each of their tokens of that hash (almost
    /// always empty).
    more: FastMap<u64, Vec<Arc<str>>>,
}

impl TokenIndex {
    fn hash(token: &str) -> u64 {
        let mut hasher = FxHasher::default();
        hasher.write(token.as_bytes());
        hasher.finish()
    }

    /// The execution `arn` waits for `tokens`.
    fn insert(&mut self, arn: &Arc<str>, tokens: &[(String, TaskId)]) {
        for (token, _) in tokens {
            match self.first.entry(Self::hash(token)) {
                Slot::Vacant(slot) => {
                    slot.insert(arn.clone());
                }
                Slot::Occupied(slot) => self.more.entry(*slot.key()).or_default().push(arn.clone()),
            }
        }
    }

    /// The execution `arn` no longer waits for `tokens`.
    fn remove(&mut self, arn: &str, tokens: &[(String, TaskId)]) {
        for (token, _) in tokens {
            let hash = Self::hash(token);
            if let Slot::Occupied(mut more) = self.more.entry(hash) {
                let others = more.get_mut();
                if let Some(at) = others.iter().position(|a| **a == *arn) {
                    others.swap_remove(at);
                } else if let Some(next) = others.pop() {
                    // `arn` is the one in `first`: the next takes its place.
                    self.first.insert(hash, next);
                }
                if others.is_empty() {
                    more.remove();
                }
                continue;
            }
            if self.first.get(&hash).is_some_and(|a| **a == *arn) {
                self.first.remove(&hash);
            }
        }
    }

    /// The executions that may wait for `token`.
    fn candidates(&self, token: &str) -> impl Iterator<Item = &Arc<str>> {
        let hash = Self::hash(token);
        self.first
            .get(&hash)
            .into_iter()
            .chain(self.more.get(&hash).into_iter().flatten())
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        MemoryStore::keeping_finished(MemoryStore::KEEP_FINISHED, MemoryStore::KEEP_PAYLOAD_BYTES)
    }
}

impl MemoryStore {
    /// How many finished executions a store keeps by default.
    pub const KEEP_FINISHED: usize = 16;

    /// About how many bytes (as JSON text) the inputs and outputs of the finished executions a
    /// store keeps take together, by default.
    pub const KEEP_PAYLOAD_BYTES: usize = 64 << 10;

    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// An empty store that keeps at most `executions` finished executions (at least one),
    /// whose inputs and outputs take at most about `payload_bytes` together.
    pub fn keeping_finished(executions: usize, payload_bytes: usize) -> MemoryStore {
        MemoryStore {
            inner: Mutex::default(),
            keep: Bound {
                executions: executions.max(1),
                payload_bytes,
            },
        }
    }

    /// Records a new execution, taking the record as it is.
    fn insert(&self, record: ExecutionRecord, waiting: Waiting) -> Result<(), StoreError> {
        let arn = Arc::from(record.arn.as_str());
        self.insert_keyed(arn, record, waiting, None)
    }

    /// Records an execution that ended as it started, with what replays it, under `arn`
    /// (its record's ARN, which the runtime holds already).
    pub(crate) fn insert_at_once(
        &self,
        arn: Arc<str>,
        record: ExecutionRecord,
        replay: ReplayAtOnce,
    ) -> Result<(), StoreError> {
        self.insert_keyed(arn, record, Waiting::default(), Some(replay))
    }

    /// What replays the execution `arn`, if it ended as it started in a runtime on this store.
    pub(crate) fn replay_at_once(&self, arn: &str) -> Option<ReplayAtOnce> {
        self.inner()
            .executions
            .get(arn)
            .and_then(|kept| kept.replay.clone())
    }

    fn insert_keyed(
        &self,
        arn: Arc<str>,
        record: ExecutionRecord,
        waiting: Waiting,
        replay: Option<ReplayAtOnce>,
    ) -> Result<(), StoreError> {
        let finished = match (record.status.is_finished(), record.stop_date) {
            (true, Some(stop_date)) => match payload_bytes(&record, self.keep.payload_bytes) {
                Some(bytes) => Some((stop_date, bytes)),
                None => {
                    // Too large to keep: it ended as it started, and is forgotten at once.
                    let inner = self.inner();
                    return match inner.executions.contains_key(record.arn.as_str()) {
                        true => Err(StoreError::ExecutionAlreadyExists { arn: record.arn }),
                        false => Ok(()),
                    };
                }
            },
            _ => None,
        };
        let mut inner = self.inner();
        let inner = &mut *inner;
        match inner.executions.entry(arn.clone()) {
            Slot::Occupied(_) => {
                return Err(StoreError::ExecutionAlreadyExists { arn: record.arn });
            }
            Slot::Vacant(slot) => {
                inner.tokens.insert(&arn, &waiting.tokens);
                slot.insert(Kept {
                    record,
                    waiting,
                    replay,
                });
            }
        }
        if let Some((stop_date, bytes)) = finished {
            inner.finished.push_back((arn, stop_date, bytes));
            inner.finished_bytes += bytes;
            inner.keep(self.keep);
        }
        Ok(())
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        // A panic while the lock was held cannot leave a half-made change: every change is
        // made by one insert or one assignment.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn ready<'a, T: Send + 'a>(value: Result<T, StoreError>) -> StoreFuture<'a, T> {
    Box::pin(std::future::ready(value))
}

impl Store for MemoryStore {
    fn is_durable(&self) -> bool {
        false
    }

    fn create_execution_owned(
        &self,
        record: ExecutionRecord,
        _start: Option<Start>,
        waiting: Waiting,
    ) -> StoreFuture<'_, ()> {
        ready(self.insert(record, waiting))
    }

    fn save_state_machine<'a>(
        &'a self,
        name: &'a str,
        definition: &'a str,
        machine_type: MachineType,
        now: Millis,
    ) -> StoreFuture<'a, StateMachineRecord> {
        let mut inner = self.inner();
        let revisions = inner.state_machines.entry(name.to_string()).or_default();
        if let Some(newest) = revisions.last() {
            if newest.status == StateMachineStatus::Deleting {
                return ready(Err(StoreError::StateMachineDeleting {
                    name: name.to_string(),
                }));
            }
            if newest.definition == definition && newest.machine_type == machine_type {
                return ready(Ok(newest.clone()));
            }
        }
        let record = StateMachineRecord::new(
            name,
            revisions.len() as u64 + 1,
            definition,
            machine_type,
            revisions.first().map_or(now, |first| first.created),
            now,
        );
        revisions.push(record.clone());
        ready(Ok(record))
    }

    fn state_machine<'a>(
        &'a self,
        name: &'a str,
        revision: Option<u64>,
    ) -> StoreFuture<'a, Option<StateMachineRecord>> {
        let inner = self.inner();
        let found = inner
            .state_machines
            .get(name)
            .and_then(|revisions| match revision {
                None => revisions.last().cloned(),
                Some(n) => revisions.iter().find(|r| r.revision == n).cloned(),
            });
        ready(Ok(found))
    }

    fn list_state_machines(&self, page: PageRequest) -> StoreFuture<'_, Page<StateMachineRecord>> {
        let after = match page.token.as_deref().map(page_token::read_state_machines) {
            None => None,
            Some(Ok(name)) => Some(name),
            Some(Err(e)) => return ready(Err(e)),
        };
        let inner = self.inner();
        let mut items: Vec<StateMachineRecord> = inner
            .state_machines
            .iter()
            .filter(|(name, _)| after.as_ref().is_none_or(|a| *name > a))
            .filter_map(|(_, revisions)| revisions.last().cloned())
            .take(page.max + 1)
            .collect();
        let next = (items.len() > page.max).then(|| {
            items.truncate(page.max);
            items
                .last()
                .map(|r| page_token::state_machines_after(&r.name))
                .unwrap_or_default()
        });
        ready(Ok(Page { items, next }))
    }

    fn delete_state_machine<'a>(&'a self, name: &'a str) -> StoreFuture<'a, Deletion> {
        let mut inner = self.inner();
        let Inner {
            state_machines,
            executions,
            ..
        } = &mut *inner;
        let Some(revisions) = state_machines.get_mut(name) else {
            return ready(Ok(Deletion::NotFound));
        };
        // Deleting is rare: a walk through the executions (the running ones and a bounded
        // number of finished ones) does.
        let running = executions
            .values()
            .any(|kept| kept.record.state_machine == name && !kept.record.status.is_finished());
        if running {
            for revision in revisions {
                revision.status = StateMachineStatus::Deleting;
            }
            return ready(Ok(Deletion::Deleting));
        }
        state_machines.remove(name);
        ready(Ok(Deletion::Deleted))
    }

    fn deleting_state_machines(&self) -> StoreFuture<'_, Vec<String>> {
        let inner = self.inner();
        let names = inner
            .state_machines
            .iter()
            .filter(|(_, revisions)| {
                revisions
                    .last()
                    .is_some_and(|newest| newest.status == StateMachineStatus::Deleting)
            })
            .map(|(name, _)| name.clone())
            .collect();
        ready(Ok(names))
    }

    fn create_execution<'a>(
        &'a self,
        record: &'a ExecutionRecord,
        _start: Option<&'a Start>,
        waiting: &'a Waiting,
    ) -> StoreFuture<'a, ()> {
        if self.inner().executions.contains_key(record.arn.as_str()) {
            return ready(Err(StoreError::ExecutionAlreadyExists {
                arn: record.arn.clone(),
            }));
        }
        ready(self.insert(record.clone(), waiting.clone()))
    }

    fn append<'a>(
        &'a self,
        arn: &'a str,
        _entries: &'a [Entry],
        progress: &'a Progress,
    ) -> StoreFuture<'a, ()> {
        let mut guard = self.inner();
        let inner = &mut *guard;
        let Some(Kept {
            record,
            waiting,
            replay,
        }) = inner.executions.get_mut(arn)
        else {
            return ready(Err(StoreError::ExecutionDoesNotExist {
                arn: arn.to_string(),
            }));
        };
        if let Progress::Redriven { .. } = progress {
            // It goes on: its start no longer replays it.
            *replay = None;
        }
        // Every progress replaces what the execution waits for.
        let tokens_before = std::mem::take(&mut waiting.tokens);
        apply_progress(record, waiting, progress);
        let tokens_changed = tokens_before != waiting.tokens;
        let ended = match progress {
            Progress::Finished { stop_date, .. } => {
                Some((*stop_date, payload_bytes(record, self.keep.payload_bytes)))
            }
            _ => None,
        };
        if !tokens_changed && ended.is_none() {
            return ready(Ok(()));
        }
        let Some((key, kept)) = inner.executions.get_key_value(arn) else {
            return ready(Ok(()));
        };
        let key = key.clone();
        if tokens_changed {
            inner.tokens.remove(&key, &tokens_before);
            inner.tokens.insert(&key, &kept.waiting.tokens);
        }
        match ended {
            Some((stop_date, Some(bytes))) => {
                inner.finished.push_back((key, stop_date, bytes));
                inner.finished_bytes += bytes;
                inner.keep(self.keep);
            }
            // Too large to keep: forgotten as it ends.
            Some((_, None)) => inner.forget(arn),
            None => {}
        }
        ready(Ok(()))
    }

    fn execution<'a>(&'a self, arn: &'a str) -> StoreFuture<'a, Option<ExecutionRecord>> {
        ready(Ok(self
            .inner()
            .executions
            .get(arn)
            .map(|kept| kept.record.clone())))
    }

    fn list_executions<'a>(
        &'a self,
        filter: &'a ExecutionFilter,
        page: PageRequest,
    ) -> StoreFuture<'a, Page<ExecutionRecord>> {
        let after = match page.token.as_deref() {
            None => None,
            Some(token) => match page_token::read_executions(filter, token) {
                Ok(after) => Some(after),
                Err(e) => return ready(Err(e)),
            },
        };
        let inner = self.inner();
        let mut selected: Vec<&ExecutionRecord> = inner
            .executions
            .values()
            .map(|kept| &kept.record)
            .filter(|record| {
                after.as_ref().is_none_or(|(date, arn)| {
                    (record.start_date, record.arn.as_str()) < (*date, arn.as_str())
                }) && filter
                    .state_machine
                    .as_ref()
                    .is_none_or(|sm| *sm == record.state_machine)
                    && filter.status.is_none_or(|s| s == record.status)
            })
            .collect();
        // Newest first: the page's items are the greatest (start date, ARN) pairs.
        let newest_first = |a: &&ExecutionRecord, b: &&ExecutionRecord| {
            (b.start_date, b.arn.as_str()).cmp(&(a.start_date, a.arn.as_str()))
        };
        let more = selected.len() > page.max;
        if more {
            selected.select_nth_unstable_by(page.max, newest_first);
            selected.truncate(page.max);
        }
        selected.sort_unstable_by(newest_first);
        let next = more
            .then(|| {
                selected
                    .last()
                    .map(|r| page_token::executions_after(filter, r.start_date, &r.arn))
            })
            .flatten();
        let items = selected.into_iter().cloned().collect();
        ready(Ok(Page { items, next }))
    }

    fn journal<'a>(&'a self, _arn: &'a str) -> StoreFuture<'a, Option<(Start, Vec<Entry>)>> {
        ready(Ok(None))
    }

    fn unfinished(&self) -> StoreFuture<'_, Vec<Unfinished>> {
        let inner = self.inner();
        let list = inner
            .executions
            .values()
            .filter(|kept| !kept.record.status.is_finished())
            .map(|kept| Unfinished {
                record: kept.record.clone(),
                waiting: kept.waiting.clone(),
            })
            .collect();
        ready(Ok(list))
    }

    fn token<'a>(&'a self, token: &'a str) -> StoreFuture<'a, Option<(String, TaskId)>> {
        let inner = self.inner();
        let found = inner.tokens.candidates(token).find_map(|arn| {
            let Kept {
                record, waiting, ..
            } = inner.executions.get(arn)?;
            waiting
                .tokens
                .iter()
                .find(|(t, _)| t == token)
                .map(|(_, task)| (record.arn.clone(), *task))
        });
        ready(Ok(found))
    }

    fn purge_finished(&self, before: Millis) -> StoreFuture<'_, u64> {
        let mut inner = self.inner();
        let gone: Vec<(Millis, Arc<str>)> = inner
            .executions
            .iter()
            .filter(|(_, kept)| {
                let r = &kept.record;
                r.status.is_finished() && r.stop_date.is_some_and(|d| d < before)
            })
            .map(|(arn, kept)| (kept.record.start_date, arn.clone()))
            .collect();
        for (_, arn) in &gone {
            inner.forget(arn);
        }
        let Inner {
            executions,
            finished,
            finished_bytes,
            ..
        } = &mut *inner;
        finished.retain(|(arn, _, bytes)| {
            let kept = executions.contains_key(arn);
            if !kept {
                *finished_bytes -= bytes;
            }
            kept
        });
        ready(Ok(gone.len() as u64))
    }
}

impl Inner {
    /// Forgets the executions that ended first until what is left is within `keep`.
    fn keep(&mut self, keep: Bound) {
        while self.finished.len() > keep.executions || self.finished_bytes > keep.payload_bytes {
            let Some((arn, stop_date, bytes)) = self.finished.pop_front() else {
                break;
            };
            self.finished_bytes -= bytes;
            // Only the entry of the execution's last end removes it (it may have been
            // redriven since an earlier one, or purged).
            if let Slot::Occupied(entry) = self.executions.entry(arn)
                && entry.get().record.status.is_finished()
                && entry.get().record.stop_date == Some(stop_date)
            {
                let (arn, kept) = entry.remove_entry();
                self.forget_tokens(&arn, &kept);
            }
        }
    }

    /// Forgets an execution, and the tokens it waits for.
    fn forget(&mut self, arn: &str) {
        if let Some(kept) = self.executions.remove(arn) {
            self.forget_tokens(arn, &kept);
        }
    }

    /// Forgets the tokens an execution no longer kept waits for (one recorded as ended waits
    /// for none, unless it was created so).
    fn forget_tokens(&mut self, arn: &str, kept: &Kept) {
        if !kept.waiting.tokens.is_empty() {
            self.tokens.remove(arn, &kept.waiting.tokens);
        }
    }
}

/// About what a record's input and output take as JSON text, or `None` when it is more than
/// `budget`: the walk stops there, so that sizing a large value costs no more than sizing
/// one of the budget's size.
fn payload_bytes(record: &ExecutionRecord, budget: usize) -> Option<usize> {
    let mut size = 0;
    let within = estimate(&record.input, &mut size, budget)
        && record
            .output
            .as_deref()
            .is_none_or(|output| estimate(output, &mut size, budget));
    within.then_some(size)
}

/// Adds the size of `value`'s JSON text, roughly (a few bytes per scalar, the length of each
/// string), to `size`; false as soon as it is past `budget`. It recurses as deep as the value
/// nests, which an execution's data does at most [`MAX_JSON_DEPTH`] levels.
///
/// [`MAX_JSON_DEPTH`]: workflow_core::nesting::MAX_JSON_DEPTH
fn estimate(value: &Value, size: &mut usize, budget: usize) -> bool {
    *size += match value {
        Value::String(s) => s.len() + 2,
        Value::Array(items) => 2 + items.len(),
        Value::Object(map) => 2 + map.keys().map(|k| k.len() + 4).sum::<usize>(),
        _ => 5,
    };
    if *size > budget {
        return false;
    }
    match value {
        Value::Array(items) => items.iter().all(|item| estimate(item, size, budget)),
        Value::Object(map) => map.values().all(|item| estimate(item, size, budget)),
        _ => true,
    }
}

/// Applies `progress` to an execution's record: what every store does on `append`.
pub(crate) fn apply_progress(
    record: &mut ExecutionRecord,
    waiting: &mut Waiting,
    progress: &Progress,
) {
    match progress {
        Progress::Running(now_waiting) => *waiting = now_waiting.clone(),
        Progress::Redriven {
            redrive_date,
            waiting: now_waiting,
        } => {
            record.status = Status::Running;
            record.redrive_count += 1;
            record.redrive_date = Some(*redrive_date);
            record.stop_date = None;
            record.output = None;
            record.error = None;
            record.cause = None;
            *waiting = now_waiting.clone();
        }
        Progress::Finished {
            status,
            stop_date,
            output,
            error,
            cause,
        } => {
            record.status = *status;
            record.stop_date = Some(*stop_date);
            record.output = output.clone();
            record.error = error.clone();
            record.cause = cause.clone();
            *waiting = Waiting::default();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing::contract::block_on;
    use crate::store::testing::samples::{self, finished};

    crate::store_contract_tests!(|| Box::new(MemoryStore::new()));

    #[test]
    fn past_its_bound_the_execution_that_ended_first_goes() {
        block_on(async {
            let store = MemoryStore::keeping_finished(2, usize::MAX);
            let waiting = Waiting::default();
            let records: Vec<ExecutionRecord> = (0..4)
                .map(|n| samples::execution("orders", &format!("e{n}"), n))
                .collect();
            for record in &records {
                store
                    .create_execution(record, None, &waiting)
                    .await
                    .unwrap();
            }
            // e1 ends first, then e0, e3 and e2; e0 is redriven and ends last.
            for (n, stop) in [(1, 10), (0, 11), (3, 12)] {
                store
                    .append(&records[n].arn, &[], &finished(Status::Succeeded, stop))
                    .await
                    .unwrap();
            }
            let kept = |store: &MemoryStore| {
                let inner = store.inner();
                let mut names: Vec<String> = inner
                    .executions
                    .values()
                    .map(|kept| kept.record.name.clone())
                    .collect();
                names.sort();
                names
            };
            // Three ended, two are kept: the first to end (e1) is gone; the running e2 stays.
            assert_eq!(kept(&store), ["e0", "e2", "e3"]);
            let redriven = Progress::Redriven {
                redrive_date: 13,
                waiting: Waiting::default(),
            };
            store.append(&records[0].arn, &[], &redriven).await.unwrap();
            store
                .append(&records[2].arn, &[], &finished(Status::Failed, 14))
                .await
                .unwrap();
            // e0's first end no longer counts: it runs again, and stays; e3 and e2 are the
            // two finished ones.
            assert_eq!(kept(&store), ["e0", "e2", "e3"]);
            store
                .append(&records[0].arn, &[], &finished(Status::Succeeded, 15))
                .await
                .unwrap();
            // Three finished again: e3 ended first.
            assert_eq!(kept(&store), ["e0", "e2"]);
            let listed = store
                .list_executions(&ExecutionFilter::all(), PageRequest::first(10))
                .await
                .unwrap();
            assert_eq!(listed.items.len(), 2, "the listing forgets them too");
        });
    }

    #[test]
    fn a_token_is_found_through_the_index_and_forgotten_with_its_execution() {
        block_on(async {
            let store = MemoryStore::keeping_finished(1, usize::MAX);
            let tokens = |pairs: &[(&str, u64)]| Waiting {
                tokens: pairs
                    .iter()
                    .map(|(t, n)| (t.to_string(), TaskId(*n)))
                    .collect(),
                ..Waiting::default()
            };
            let [a, b, c] = ["a", "b", "c"].map(|n| samples::execution("orders", n, 1));
            // b and c wait for the same token: one hash, two executions in the index.
            for (record, waiting) in [
                (&a, tokens(&[("ta", 1), ("shared", 2)])),
                (&b, tokens(&[("shared", 3)])),
                (&c, tokens(&[("shared", 4), ("tc", 5)])),
            ] {
                store
                    .create_execution(record, None, &waiting)
                    .await
                    .unwrap();
            }
            let found = |t: &'static str| {
                let store = &store;
                async move { store.token(t).await.unwrap() }
            };
            assert_eq!(found("ta").await, Some((a.arn.clone(), TaskId(1))));
            assert_eq!(found("tc").await, Some((c.arn.clone(), TaskId(5))));
            assert!(found("shared").await.is_some());
            assert_eq!(found("nobody's").await, None);
            // a no longer waits for "shared", then ends; b's token moves; c ends.
            store
                .append(&a.arn, &[], &Progress::Running(tokens(&[("ta", 1)])))
                .await
                .unwrap();
            store
                .append(&a.arn, &[], &finished(Status::Succeeded, 2))
                .await
                .unwrap();
            assert_eq!(found("ta").await, None);
            store
                .append(&c.arn, &[], &finished(Status::Failed, 3))
                .await
                .unwrap();
            assert_eq!(found("tc").await, None);
            assert_eq!(found("shared").await, Some((b.arn.clone(), TaskId(3))));
            store
                .append(&b.arn, &[], &finished(Status::Aborted, 4))
                .await
                .unwrap();
            assert_eq!(found("shared").await, None);
            let inner = store.inner();
            assert!(
                inner.tokens.first.is_empty() && inner.tokens.more.is_empty(),
                "nothing is left in the index: {:?}",
                inner.tokens
            );
        });
    }

    #[test]
    fn finished_executions_are_kept_within_a_payload_budget() {
        block_on(async {
            // A budget of about 1 KB: each small execution takes some 60 bytes.
            let store = MemoryStore::keeping_finished(100, 1000);
            let waiting = Waiting::default();
            let mut small = Vec::new();
            for n in 0..40 {
                let record = samples::execution("orders", &format!("s{n}"), n);
                store
                    .create_execution(&record, None, &waiting)
                    .await
                    .unwrap();
                store
                    .append(&record.arn, &[], &finished(Status::Succeeded, n))
                    .await
                    .unwrap();
                small.push(record);
            }
            let kept = store.inner().executions.len();
            assert!((5..40).contains(&kept), "{kept} kept");
            // The ones that ended first went first.
            assert!(store.execution(&small[0].arn).await.unwrap().is_none());
            assert!(store.execution(&small[39].arn).await.unwrap().is_some());
            // One that takes more than the budget alone is forgotten as it ends, its name
            // freed; the others stay.
            let mut large = samples::execution("orders", "large", 50);
            large.input = std::sync::Arc::new(serde_json::json!("x".repeat(2000)));
            store
                .create_execution(&large, None, &waiting)
                .await
                .unwrap();
            assert!(
                store.execution(&large.arn).await.unwrap().is_some(),
                "kept while it runs"
            );
            store
                .append(&large.arn, &[], &finished(Status::Succeeded, 50))
                .await
                .unwrap();
            assert!(store.execution(&large.arn).await.unwrap().is_none());
            assert_eq!(store.inner().executions.len(), kept);
        });
    }
}
