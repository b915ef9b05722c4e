//! Parked executions: a journaled execution that only waits (nothing running, its next timer
//! a minute or more away: a Wait, a Retry interval, a task token's timeout or its own time
//! limit) leaves memory. What is left of it is its [inbox](crate::inbox), where its task tokens, its
//! handles and the registry send, holding an [`Asleep`], and an entry by its deadline in the
//! runtime's [`Parking`], where one task for all of them sleeps until the earliest deadline.
//! When its deadline comes or a message does, the execution is rebuilt from its journal and
//! driven again.
//!
//! A parked execution costs a few hundred bytes: no task, no timer of its own, no state.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use tokio::sync::Notify;
use workflow_core::execution::Millis;

use crate::clock::Work;
use crate::handle::DoneSender;
use crate::inbox::{Inbox, Mailbox, Receiver};
use crate::recovery::{self, Parked};
use crate::runtime::Shared;

/// The executions a runtime has parked, by deadline, and whether a task watches them.
#[derive(Default)]
pub(crate) struct Parking {
    lot: Mutex<Lot>,
    /// The earliest deadline changed: the watching task looks again.
    changed: Notify,
}

#[derive(Default)]
struct Lot {
    /// The mailboxes of the parked executions, by deadline and a number that tells entries
    /// apart.
    due: BTreeMap<(Millis, u64), Arc<Mailbox>>,
    next_key: u64,
    /// A task watches the deadlines (it ends when nothing is parked).
    watching: bool,
    /// The tokio runtime it watches on: a message sent from outside any brings an execution
    /// back there.
    runtime: Option<tokio::runtime::Handle>,
}

/// A parked execution, as its mailbox holds it.
pub(crate) struct Asleep {
    shared: Weak<Shared>,
    parked: Parked,
    done: DoneSender,
    /// The number of its entry in [`Lot::due`] (whose key is its deadline, `parked.wake_at`,
    /// and this number).
    number: u64,
}

/// Parks a journaled execution whose driver stopped driving it (see
/// [`driver::Driven::Parked`](crate::driver::Driven::Parked)) until `parked.wake_at`, or a
/// message. Gives its driver's ends back when a message came meanwhile, or it has no time to
/// wake at: it goes on at once.
pub(crate) fn park(
    shared: &Arc<Shared>,
    rx: Receiver,
    parked: Parked,
    done: DoneSender,
) -> Result<(), (Receiver, Parked, DoneSender)> {
    let Some(wake_at) = parked.wake_at else {
        return Err((rx, parked, done));
    };
    let parking = &shared.parking;
    let mut lot = parking.lock();
    let number = lot.next_key;
    let key = (wake_at, number);
    let asleep = Box::new(Asleep {
        shared: Arc::downgrade(shared),
        parked,
        done,
        number,
    });
    let mailbox = rx.into_mailbox();
    if let Err(asleep) = mailbox.park(asleep) {
        drop(lot);
        let Asleep { parked, done, .. } = *asleep;
        return Err((Receiver::of(mailbox), parked, done));
    }
    lot.next_key += 1;
    let earliest = lot
        .due
        .first_key_value()
        .is_none_or(|(first, _)| key < *first);
    lot.due.insert(key, mailbox);
    if !lot.watching {
        lot.watching = true;
        let runtime = tokio::runtime::Handle::current();
        lot.runtime = Some(runtime.clone());
        runtime.spawn(watch(shared.clone()));
    } else if earliest {
        parking.changed.notify_one();
    }
    Ok(())
}

/// Brings a parked execution back for a message that came (the message holds the clock until
/// it is handled): out of the runtime's parking, its driver is spawned and rebuilds it from
/// its journal.
pub(crate) fn wake(mailbox: Arc<Mailbox>, asleep: Asleep) {
    // Its runtime is gone: so is the execution here (it is still in the store). Nothing
    // brings it back: its handles hear so instead of waiting.
    let Some(shared) = asleep.shared.upgrade() else {
        mailbox.close();
        return;
    };
    let runtime = {
        let mut lot = shared.parking.lock();
        if let Some(wake_at) = asleep.parked.wake_at {
            lot.due.remove(&(wake_at, asleep.number));
        }
        tokio::runtime::Handle::try_current()
            .ok()
            .or_else(|| lot.runtime.clone())
    };
    let Some(runtime) = runtime else {
        mailbox.close();
        return;
    };
    bring_back(&runtime, shared, mailbox, asleep, None);
}

/// Spawns the driver of the parked execution `asleep` on `runtime`, which rebuilds it from its
/// journal. `waking`, when given, holds the clock until it is rebuilt.
fn bring_back(
    runtime: &tokio::runtime::Handle,
    shared: Arc<Shared>,
    mailbox: Arc<Mailbox>,
    asleep: Asleep,
    waking: Option<Work>,
) {
    let Asleep { parked, done, .. } = asleep;
    let tx = Inbox::of(mailbox.clone(), shared.clock.clone());
    let rx = Receiver::of(mailbox);
    runtime.spawn(recovery::journaled(
        shared, parked, None, tx, rx, done, waking,
    ));
}

impl Parking {
    fn lock(&self) -> MutexGuard<'_, Lot> {
        // Every change is one insert, removal or assignment: a panic cannot leave it half-made.
        self.lot.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Watches the deadlines of the parked executions, and brings each back when it is due; ends
/// when nothing is parked.
async fn watch(shared: Arc<Shared>) {
    let parking = &shared.parking;
    // Dropped before its end (its tokio runtime shut down), it lets every parked execution go.
    let mut releasing = Release(Some(&shared));
    // The executions it brings back are driven where it watches.
    let runtime = tokio::runtime::Handle::current();
    loop {
        let mut changed = std::pin::pin!(parking.changed.notified());
        changed.as_mut().enable();
        let next = {
            let mut lot = parking.lock();
            match lot.due.first_key_value() {
                Some(((at, _), _)) => *at,
                None => {
                    lot.watching = false;
                    releasing.0 = None;
                    return;
                }
            }
        };
        tokio::select! {
            biased;
            () = &mut changed => continue,
            () = shared.clock.sleep_until(next) => {}
        }
        let now = shared.clock.now_millis();
        let due = {
            let mut lot = parking.lock();
            let later = lot.due.split_off(&(now.saturating_add(1), 0));
            std::mem::replace(&mut lot.due, later)
        };
        // Out of the lot already: each is brought back without looking there again.
        for ((_, number), mailbox) in due {
            if let Some(asleep) = mailbox.unpark(|a| a.number == number) {
                // Held until it is rebuilt: a clock that skips waits does not jump past it.
                let waking = Work::new(&shared.clock);
                bring_back(&runtime, shared.clone(), mailbox, *asleep, Some(waking));
            }
        }
    }
}

/// Lets every parked execution go (their handles hear that their runtime is gone), when the
/// task that watches them is dropped before its end.
struct Release<'a>(Option<&'a Arc<Shared>>);

impl Drop for Release<'_> {
    fn drop(&mut self) {
        let Some(shared) = self.0 else {
            return;
        };
        let parked = {
            let mut lot = shared.parking.lock();
            lot.watching = false;
            std::mem::take(&mut lot.due)
        };
        for ((_, number), mailbox) in parked {
            if let Some(asleep) = mailbox.unpark(|a| a.number == number) {
                // Nothing brings it back any more: a message is refused, not left waiting.
                mailbox.close();
                drop(asleep);
            }
        }
    }
}
