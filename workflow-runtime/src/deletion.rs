//! Deleting a state machine, as AWS's DeleteStateMachine: "It sets the state machine's status
//! to DELETING and begins the deletion process. A state machine is deleted only when all its
//! executions are completed. On the next state transition, the state machine's executions
//! are terminated" (they fail with `States.Runtime`, "State machine NAME has been deleted.").
//! Meanwhile no execution of it starts (`StateMachineDeleting`); once it is deleted, a
//! workflow registered before is of no state machine (`StateMachineDoesNotExist`).
//!
//! The store keeps the state machine DELETING ([`Store::delete_state_machine`]); a runtime
//! knows which of its state machines are, so that its drivers fail their executions at their
//! next transition (with [`Event::StateMachineDeleted`]) and the end of the last one deletes
//! it.
//!
//! [`Store::delete_state_machine`]: crate::store::Store::delete_state_machine

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use workflow_core::execution::Event;

use crate::error::RegistryError;
use crate::runtime::{Runtime, Shared};
use crate::store::{Deletion, StateMachineStatus, StoreError, Unfinished};

impl Runtime {
    /// Deletes the state machine `name` (AWS's DeleteStateMachine): at once when none of its
    /// executions runs; otherwise it is DELETING until none does. Each running execution of
    /// it fails with `States.Runtime` at its next state transition (an execution waiting for
    /// a day goes on waiting until then, and its state machine stays DELETING as long), as on
    /// AWS; one that only waits for a task's heartbeat goes on. Meanwhile no execution of it
    /// starts ([`StartError::StateMachineDeleting`](crate::StartError)), and it takes no new
    /// revision. Once deleted, its executions' records stay until purged, but their
    /// histories, which their revisions rebuilt, can no longer be read from a durable store.
    /// Deleting a state machine that does not exist does nothing.
    ///
    /// EXPRESS executions, which the store does not hold, run to their end, as on AWS.
    pub async fn delete_state_machine(&self, name: &str) -> Result<(), RegistryError> {
        let shared = &self.shared;
        match shared.store.delete_state_machine(name).await? {
            Deletion::Deleting => {
                shared.registry.deletions.set_deleting(name);
                // An execution that ended before the mark was set did not see it: look again.
                shared.finish_deletion(name).await?;
            }
            Deletion::Deleted => shared.registry.set_deleted(name),
            _ => {}
        }
        Ok(())
    }
}

impl Shared {
    /// Deletes the DELETING state machine `name` if none of its executions is unfinished
    /// any more.
    pub(crate) async fn finish_deletion(&self, name: &str) -> Result<(), StoreError> {
        if let Deletion::Deleted | Deletion::NotFound =
            self.store.delete_state_machine(name).await?
        {
            self.registry.set_deleted(name);
        }
        Ok(())
    }

    /// After an execution of the state machine `name` ended outside a driver (stopped in the
    /// store, or not loadable): deletes the state machine if it is DELETING and that was the
    /// last. The store is asked: this runtime may not have resumed.
    pub(crate) async fn after_end_in_store(&self, name: &str) {
        let deleting = self.registry.deletions.is_deleting(name)
            || matches!(
                self.store.state_machine(name, None).await,
                Ok(Some(record)) if record.status == StateMachineStatus::Deleting
            );
        if deleting {
            // A failure leaves it DELETING: the next resume finishes it.
            let _ = self.finish_deletion(name).await;
        }
    }

    /// On resume: the state machines a process deleted while executions of them ran. Those
    /// with unfinished executions are DELETING here too; the others (their last execution
    /// ended before their deletion was finished) are deleted.
    pub(crate) async fn recover_deletions(
        &self,
        unfinished: &[Unfinished],
    ) -> Result<(), StoreError> {
        let running: HashSet<&str> = unfinished
            .iter()
            .map(|u| u.record.state_machine.as_str())
            .collect();
        for name in self.store.deleting_state_machines().await? {
            match running.contains(name.as_str()) {
                true => self.registry.deletions.set_deleting(&name),
                false => self.finish_deletion(&name).await?,
            }
        }
        Ok(())
    }
}

/// The state machines a runtime deletes: those DELETING, and when each was deleted.
#[derive(Default)]
pub(crate) struct Deletions {
    /// True while one is DELETING: a driver looks no further when false.
    any: AtomicBool,
    /// How many were deleted: a workflow registered knows how many were when it was, and one
    /// registered before its state machine was deleted is of no state machine.
    generation: AtomicU64,
    /// How many times `deleting` changed: a driver looks into it again only when this did
    /// (see [`DeletingWatch`]).
    changes: AtomicU64,
    deleting: Mutex<HashSet<String>>,
    /// The generation each name was last deleted at.
    deleted: Mutex<HashMap<String, u64>>,
}

impl Deletions {
    /// True while a state machine is DELETING here.
    pub(crate) fn any_deleting(&self) -> bool {
        self.any.load(Ordering::Acquire)
    }

    /// True while the state machine `name` is DELETING here.
    pub(crate) fn is_deleting(&self, name: &str) -> bool {
        self.any_deleting() && lock(&self.deleting).contains(name)
    }

    fn set_deleting(&self, name: &str) {
        let mut deleting = lock(&self.deleting);
        deleting.insert(name.to_string());
        self.any.store(true, Ordering::Release);
        // Counted while the set is locked: a watch that read the count before looks into the
        // set again at its next look.
        self.changes.fetch_add(1, Ordering::AcqRel);
    }

    /// The state machine `name` is deleted.
    pub(crate) fn set_deleted(&self, name: &str) {
        let mut deleting = lock(&self.deleting);
        deleting.remove(name);
        self.any.store(!deleting.is_empty(), Ordering::Release);
        self.changes.fetch_add(1, Ordering::AcqRel);
        let generation = self.generation.fetch_add(1, Ordering::AcqRel) + 1;
        lock(&self.deleted).insert(name.to_string(), generation);
    }

    /// The generation a registration made now has.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// True when the state machine `name` was deleted after a registration of `generation`.
    pub(crate) fn deleted_since(&self, name: &str, generation: u64) -> bool {
        generation != self.generation()
            && lock(&self.deleted)
                .get(name)
                .is_some_and(|deleted| *deleted > generation)
    }
}

/// Whether one state machine is DELETING, as a driver of one of its executions asks at every
/// pass of its loop: the set of those DELETING is locked only when it changed since the last
/// look, not at every pass while a deletion (of any state machine) is under way.
#[derive(Default)]
pub(crate) struct DeletingWatch {
    /// The count of changes at the last look (none before the first change).
    seen: u64,
    /// What the last look found.
    deleting: bool,
}

impl DeletingWatch {
    /// True while the state machine `name` is DELETING in `deletions`.
    pub(crate) fn is_deleting(&mut self, deletions: &Deletions, name: &str) -> bool {
        let changes = deletions.changes.load(Ordering::Acquire);
        if changes != self.seen {
            self.seen = changes;
            self.deleting = deletions.is_deleting(name);
        }
        self.deleting
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // Every change is one insert or one removal: a panic cannot leave one half-made.
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// True for an event that makes a state transition (a task's result, a timer, the rest of a
/// long run of states): the first of them an execution of a DELETING state machine gets
/// fails it instead. A heartbeat or a callback's hand-over makes none; a stop ends it anyway.
pub(crate) fn transitions(event: &Event) -> bool {
    matches!(
        event,
        Event::TaskSucceeded { .. }
            | Event::TaskFailed { .. }
            | Event::TimerFired { .. }
            | Event::Continue
    )
}
