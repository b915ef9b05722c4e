//! A driver's inbox: what reaches an execution from outside its step logic (a handler's
//! result, a task token's answer, a stop, a request for its history), kept in order until
//! its driver takes it. While the execution is parked (out of memory, see
//! [`parking`](crate::parking)), a message brings it back.
//!
//! Every execution has one, and a parked execution little else, so it is small: a queue that
//! allocates only once a message waits, and no channel blocks (a tokio channel allocated
//! 32 message slots, about 4 KiB, for every execution).

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Poll, Waker};

use serde_json::Value;

use crate::clock::{Clock, Work};
use crate::driver::Msg;
use crate::parking::{self, Asleep};

/// Where messages for one execution are sent. Each message holds the clock's waits back (as
/// work that takes no time, see [`Work`]) until the driver has handled it, so that time
/// neither jumps nor is shortened past an answer on its way: a handler's result, a task
/// token's answer, a stop.
#[derive(Clone)]
pub(crate) struct Inbox {
    mailbox: Arc<Mailbox>,
    /// `None` for a clock that does not track work.
    clock: Option<Arc<dyn Clock>>,
}

/// The driver has ended: nobody takes messages any more.
#[derive(Debug)]
pub(crate) struct DriverGone;

/// The messages of one execution, shared by its inbox and its driver.
pub(crate) struct Mailbox {
    mail: Mutex<Mail>,
}

struct Mail {
    queue: VecDeque<(Msg, Work)>,
    /// The driver waiting in [`Receiver::recv`], woken by the next message.
    waiting: Option<Waker>,
    /// The driver has ended.
    closed: bool,
    /// The execution's input while it is in memory: a start with its name and this input
    /// returns it (AWS's idempotent start). Parked, it is read from its record instead.
    input: Option<Arc<Value>>,
    /// While the execution is parked: what brings it back.
    asleep: Option<Box<Asleep>>,
}

/// The driver's end of an inbox. Dropped, it closes the inbox (unless the execution was
/// parked: its mailbox then waits for the next driver).
pub(crate) struct Receiver {
    mailbox: Option<Arc<Mailbox>>,
}

impl Inbox {
    /// A new execution's inbox, with the input it started with (if it is to be compared with
    /// a later start's), and the end its driver takes.
    pub(crate) fn new(clock: Arc<dyn Clock>, input: Option<Arc<Value>>) -> (Inbox, Receiver) {
        let mailbox = Arc::new(Mailbox {
            mail: Mutex::new(Mail {
                queue: VecDeque::new(),
                waiting: None,
                closed: false,
                input,
                asleep: None,
            }),
        });
        let receiver = Receiver {
            mailbox: Some(mailbox.clone()),
        };
        (Inbox::of(mailbox, clock), receiver)
    }

    /// The inbox of `mailbox`.
    pub(crate) fn of(mailbox: Arc<Mailbox>, clock: Arc<dyn Clock>) -> Inbox {
        let clock = clock.tracks_work().then_some(clock);
        Inbox { mailbox, clock }
    }

    /// Sends `msg`; a parked execution is brought back to take it.
    pub(crate) fn send(&self, msg: Msg) -> Result<(), DriverGone> {
        let held = self.clock.as_ref().map_or_else(Work::none, Work::new);
        let (driver, asleep) = {
            let mut mail = self.mailbox.lock();
            if mail.closed {
                drop(mail);
                return Err(DriverGone);
            }
            mail.queue.push_back((msg, held));
            (mail.waiting.take(), mail.asleep.take())
        };
        if let Some(driver) = driver {
            driver.wake();
        }
        if let Some(asleep) = asleep {
            // The message (and the work it holds) waits in the mailbox for the new driver.
            parking::wake(self.mailbox.clone(), *asleep);
        }
        Ok(())
    }

    /// The execution's input, while it is in memory.
    pub(crate) fn input(&self) -> Option<Arc<Value>> {
        self.mailbox.lock().input.clone()
    }
}

impl std::fmt::Debug for Inbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inbox").finish_non_exhaustive()
    }
}

impl Mailbox {
    fn lock(&self) -> MutexGuard<'_, Mail> {
        // Every change is one assignment or one push: a panic cannot leave it half-made.
        self.mail.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Puts the execution to sleep here, unless a message is waiting (it then goes on).
    pub(crate) fn park(&self, asleep: Box<Asleep>) -> Result<(), Box<Asleep>> {
        let mut mail = self.lock();
        if !mail.queue.is_empty() {
            return Err(asleep);
        }
        mail.input = None;
        mail.asleep = Some(asleep);
        Ok(())
    }

    /// Nobody takes messages any more (the driver ended, or a parked execution was let go):
    /// a send is refused from now on, and the messages waiting are dropped unanswered.
    pub(crate) fn close(&self) {
        let left = {
            let mut mail = self.lock();
            mail.closed = true;
            mail.input = None;
            mail.waiting = None;
            std::mem::take(&mut mail.queue)
        };
        // Dropped unanswered: the execution ended before handling them.
        drop(left);
    }

    /// Takes the sleeping execution out if it is still the one `asleep` tells apart.
    pub(crate) fn unpark(&self, asleep: impl Fn(&Asleep) -> bool) -> Option<Box<Asleep>> {
        let mut mail = self.lock();
        match &mail.asleep {
            Some(found) if asleep(found) => mail.asleep.take(),
            _ => None,
        }
    }
}

impl Receiver {
    fn mailbox(&self) -> &Arc<Mailbox> {
        // Only `into_mailbox` takes it, and it consumes the receiver.
        self.mailbox.as_ref().expect("a receiver holds its mailbox")
    }

    /// The receiving end of `mailbox`, for the driver of an execution brought back.
    pub(crate) fn of(mailbox: Arc<Mailbox>) -> Receiver {
        Receiver {
            mailbox: Some(mailbox),
        }
    }

    /// Gives the mailbox up without closing it (the execution is parked in it).
    pub(crate) fn into_mailbox(mut self) -> Arc<Mailbox> {
        self.mailbox.take().expect("a receiver holds its mailbox")
    }

    /// The next message, once one is there.
    pub(crate) async fn recv(&mut self) -> (Msg, Work) {
        let mailbox = self.mailbox();
        std::future::poll_fn(|cx| {
            let mut mail = mailbox.lock();
            match mail.queue.pop_front() {
                Some(message) => Poll::Ready(message),
                None => {
                    // The next message wakes this driver (the same one wakes it once).
                    if !mail
                        .waiting
                        .as_ref()
                        .is_some_and(|w| w.will_wake(cx.waker()))
                    {
                        mail.waiting = Some(cx.waker().clone());
                    }
                    Poll::Pending
                }
            }
        })
        .await
    }

    /// The next message, if one is there.
    pub(crate) fn try_recv(&mut self) -> Option<(Msg, Work)> {
        self.mailbox().lock().queue.pop_front()
    }

    /// Keeps the execution's input while it is in memory.
    pub(crate) fn set_input(&self, input: Arc<Value>) {
        self.mailbox().lock().input = Some(input);
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        if let Some(mailbox) = self.mailbox.take() {
            mailbox.close();
        }
    }
}
