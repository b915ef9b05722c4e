//! Time, as the runtime sees it. Every wait (Wait states, Retry back-off, timeouts) goes
//! through a [`Clock`], so tests can run a one-year Wait in no time.
//!
//! # Waits may be shortened; limits may not vanish
//!
//! A clock may shorten waits ([`TokioClock::scaled`]), but a task handler's own time is
//! real: a command that never answers must still be stopped by its `TimeoutSeconds`, and a
//! loop that never waits by its execution's time limit. So the driver tells the clock what
//! is under way:
//!
//! - [`Clock::work_started`] when it calls a task handler (and [`Clock::work_ended`] when
//!   the handler has answered or was cancelled): while work may still answer, a wait must
//!   not be skipped past it;
//! - [`Clock::work_running`] when that handler did not answer at once (its future was
//!   pending: a command runs, a request is on its way): its time is real, and counts in full
//!   against its `TimeoutSeconds`, `HeartbeatSeconds` and the execution's limit;
//! - [`Clock::advance_to`] with the real time a long run of states took (the step logic
//!   hands back every 10,000 states), so that a Pass/Choice loop uses up its execution's
//!   limit even on a clock that does not move by itself (tokio's paused clock in tests).

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::watch;
use tokio::time::Instant;

use crate::handler::BoxFuture;

/// The source of time and of sleeping.
///
/// Only [`now_millis`](Clock::now_millis) and [`sleep_until`](Clock::sleep_until) are
/// required: a clock whose waits last their full length needs nothing else. A clock that
/// shortens waits uses the other methods to keep every time limit (see the
/// [`TokioClock::scaled`](crate::TokioClock::scaled)).
pub trait Clock: Send + Sync + 'static {
    /// Milliseconds since the Unix epoch. Never goes back.
    fn now_millis(&self) -> i64;

    /// Completes once `now_millis()` has reached `deadline`.
    ///
    /// A sleep that is no longer awaited must be dropped: a clock that skips waits may hold
    /// every later one back until the earliest has been seen through.
    fn sleep_until(&self, deadline: i64) -> BoxFuture<()>;

    /// Whether this clock counts work ([`work_started`](Clock::work_started) and the methods
    /// after it). A clock whose waits always last their full length may say no: the driver
    /// then spares itself the counting. True by default.
    fn tracks_work(&self) -> bool {
        true
    }

    /// Work that may still answer has begun (a task handler was called; code that will answer
    /// a task token is at work): until the matching [`work_ended`](Clock::work_ended), a
    /// clock that shortens waits must not skip a wait. It is counted, not timed: work that
    /// answers at once takes no time. Does nothing by default.
    fn work_started(&self) {}

    /// Work counted by [`work_started`](Clock::work_started) did not answer at once: it is
    /// under way, and its time is real. A clock that shortens waits lets time run at real
    /// speed until it ends, so that a handler that never answers is still stopped after its
    /// `TimeoutSeconds` of real time. Called at most once per piece of work. Does nothing by
    /// default.
    fn work_running(&self) {}

    /// Work counted by [`work_started`](Clock::work_started) has ended (answered or
    /// cancelled); `running` tells whether [`work_running`](Clock::work_running) was called
    /// for it. Does nothing by default.
    fn work_ended(&self, running: bool) {
        let _ = running;
    }

    /// Moves the time forward to at least `millis`. The driver calls it while the step logic
    /// works through a long run of states (a loop of Pass and Choice states that never
    /// waits), with the time the run started at plus the real time it has taken, so that
    /// the run uses up its execution's time limit. Does nothing by default.
    fn advance_to(&self, millis: i64) {
        let _ = millis;
    }
}

/// Work under way on a [`Clock`], counted from its creation until it is dropped (see
/// [`Clock::work_started`]).
///
/// The driver holds one for every task handler it calls, and one for every message on its
/// way to it (a task token's answer) until it has handled it. Hold one yourself while code
/// outside the task handlers is about to answer a task token on a clock that skips waits:
/// once nothing is counted as under way, such a clock jumps straight to the task's timeout.
/// Work that is not [running](Work::set_running) stops the time of every execution on the
/// clock, timeouts included: hold it only for a hand-over; for work that takes time, use
/// [`Work::running`], whose time is real.
///
/// ```
/// use std::sync::Arc;
/// use workflow_runtime::{Runtime, TokioClock, Work};
///
/// let runtime = Runtime::builder().clock(Arc::new(TokioClock::scaled(0.0))).build();
/// // Reviewing an approval takes real time: hold the waits back meanwhile, and let the
/// // task's HeartbeatSeconds and TimeoutSeconds run at real speed.
/// let review = Work::running(runtime.clock());
/// // ... runtime.send_task_success(&token, output) ...
/// drop(review);
/// ```
#[must_use = "the work ends as soon as this is dropped"]
pub struct Work {
    /// `None` for a clock that does not track work.
    clock: Option<Arc<dyn Clock>>,
    running: bool,
}

impl Work {
    /// Work that may still answer, and that takes no time until it is
    /// [marked running](Work::set_running).
    pub fn new(clock: &Arc<dyn Clock>) -> Work {
        let clock = clock.tracks_work().then(|| clock.clone());
        if let Some(clock) = &clock {
            clock.work_started();
        }
        Work {
            clock,
            running: false,
        }
    }

    /// Nothing counted (for a clock that does not track work).
    pub(crate) fn none() -> Work {
        Work {
            clock: None,
            running: false,
        }
    }

    /// Work under way from the start: its time is real.
    pub fn running(clock: &Arc<dyn Clock>) -> Work {
        let mut work = Work::new(clock);
        work.set_running();
        work
    }

    /// Marks the work as under way (its time is real from now on); later calls do nothing.
    pub fn set_running(&mut self) {
        if !self.running {
            self.running = true;
            if let Some(clock) = &self.clock {
                clock.work_running();
            }
        }
    }
}

impl Drop for Work {
    fn drop(&mut self) {
        if let Some(clock) = &self.clock {
            clock.work_ended(self.running);
        }
    }
}

impl std::fmt::Debug for Work {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Work")
            .field("running", &self.running)
            .finish_non_exhaustive()
    }
}

/// The default clock: wall-clock time that advances with tokio's clock.
///
/// Under `tokio::time::pause()` (or `#[tokio::test(start_paused = true)]`) tokio jumps its
/// clock forward whenever every task is idle, so waits of any length finish at once while the
/// timestamps in the history still move forward by the time waited.
///
/// [`TokioClock::scaled`] shortens waits instead, and keeps every limit:
///
/// - **While a task handler is under way** (it did not answer at once), time runs at real
///   speed: its `TimeoutSeconds` and `HeartbeatSeconds`, and the execution's time limit,
///   are real seconds. A command that answers in 50 ms is never cut short by a 2 s timeout;
///   one that never answers is stopped after 2 s of real time. Other timers that fall due
///   meanwhile (a Wait in another branch) fire on time too.
/// - **While the step logic works through a long run of states** (a loop that never
///   waits), time also runs at real speed, so an EXPRESS loop stops at its five minutes.
/// - **While nothing is under way**, time runs `1 / scale` times as fast as real time until
///   the next timer (0.01: a minute lasts 0.6 s); at scale 0 it jumps to the next timer at
///   once. A handler that answers at once (a mock, an unbound resource's error) takes no
///   time, so runs at scale 0 are reproducible to the millisecond.
///
/// The history records full durations either way. Executions that share a scaled clock
/// share its time: while any of them has a handler under way, none of them skips a wait, and
/// the earliest timer among them is the next one time jumps to.
#[derive(Debug)]
pub struct TokioClock {
    pace: Pace,
}

#[derive(Debug)]
enum Pace {
    /// Scale 1.
    Real(Arc<RealTime>),
    /// Any other scale.
    Scaled(Arc<Scaled>),
}

/// Tokio's time, plus what [`Clock::advance_to`] added.
#[derive(Debug)]
struct RealTime {
    wall_start: i64,
    instant_start: Instant,
    ahead: AtomicI64,
}

impl RealTime {
    fn now(&self) -> i64 {
        self.wall_start
            .saturating_add(millis(self.instant_start.elapsed()))
            .saturating_add(self.ahead.load(Ordering::Relaxed))
    }
}

impl TokioClock {
    /// A clock that runs at the speed of tokio's clock.
    pub fn new() -> TokioClock {
        TokioClock {
            pace: Pace::Real(Arc::new(RealTime {
                wall_start: wall_now(),
                instant_start: Instant::now(),
                ahead: AtomicI64::new(0),
            })),
        }
    }

    /// A clock whose waits last `scale` times their length while no task handler is under
    /// way (`0.0`: no waiting at all; see [`TokioClock`] for how every limit still holds). A
    /// scale that is not a finite number counts as 1, a negative one as 0.
    pub fn scaled(scale: f64) -> TokioClock {
        let scale = if scale.is_finite() {
            scale.max(0.0)
        } else {
            1.0
        };
        if scale == 1.0 {
            return TokioClock::new();
        }
        let (changed, _) = watch::channel(0);
        TokioClock {
            pace: Pace::Scaled(Arc::new(Scaled {
                scale,
                state: Mutex::new(State {
                    base: wall_now(),
                    since: Instant::now(),
                    work: 0,
                    running: 0,
                    sleepers: BTreeSet::new(),
                    next_sleeper: 0,
                }),
                changed,
            })),
        }
    }
}

impl Default for TokioClock {
    fn default() -> Self {
        TokioClock::new()
    }
}

fn wall_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(millis)
        .unwrap_or_default()
}

/// Whole milliseconds of a duration, saturating.
pub(crate) fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// The longest sleep asked of tokio at once (tokio itself caps a sleep at about 30 years):
/// a longer wait sleeps again.
const LONGEST_SLEEP: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// A real duration of `ms` milliseconds (a float: a wait times a scale), rounded up so that
/// a wait never ends early, and whether it had to be cut to [`LONGEST_SLEEP`].
fn real_duration(ms: f64) -> (Duration, bool) {
    // `as` saturates (and turns NaN into 0): no wait times any scale overflows.
    let real = Duration::from_micros((ms * 1000.0).ceil() as u64);
    (real.min(LONGEST_SLEEP), real > LONGEST_SLEEP)
}

impl Clock for TokioClock {
    fn tracks_work(&self) -> bool {
        matches!(self.pace, Pace::Scaled(_))
    }

    fn now_millis(&self) -> i64 {
        match &self.pace {
            Pace::Real(r) => r.now(),
            Pace::Scaled(s) => s.lock().now(s.scale, Instant::now()),
        }
    }

    fn sleep_until(&self, deadline: i64) -> BoxFuture<()> {
        match &self.pace {
            Pace::Real(r) => {
                let r = r.clone();
                Box::pin(async move {
                    loop {
                        let remaining = deadline.saturating_sub(r.now());
                        if remaining <= 0 {
                            return;
                        }
                        tokio::time::sleep(real_duration(remaining as f64).0).await;
                    }
                })
            }
            Pace::Scaled(s) => Box::pin(s.clone().sleep_until(deadline)),
        }
    }

    fn work_started(&self) {
        if let Pace::Scaled(s) = &self.pace {
            s.update(|st| st.work += 1);
        }
    }

    fn work_running(&self) {
        if let Pace::Scaled(s) = &self.pace {
            s.update(|st| st.running += 1);
        }
    }

    fn work_ended(&self, running: bool) {
        if let Pace::Scaled(s) = &self.pace {
            s.update(|st| {
                st.work = st.work.saturating_sub(1);
                if running {
                    st.running = st.running.saturating_sub(1);
                }
            });
        }
    }

    fn advance_to(&self, millis: i64) {
        match &self.pace {
            Pace::Real(r) => {
                let behind = millis
                    .saturating_sub(r.wall_start)
                    .saturating_sub(self::millis(r.instant_start.elapsed()));
                r.ahead.fetch_max(behind, Ordering::Relaxed);
            }
            Pace::Scaled(s) => s.update(|st| st.base = st.base.max(millis)),
        }
    }
}

/// The shared state of a scaled clock.
#[derive(Debug)]
struct Scaled {
    scale: f64,
    state: Mutex<State>,
    /// Bumped on every change of `state`: sleepers look again.
    changed: watch::Sender<u64>,
}

/// Where a scaled clock's time stands, and what it depends on.
#[derive(Debug)]
struct State {
    /// The time (milliseconds since the epoch) at `since`.
    base: i64,
    since: Instant,
    /// Work that may still answer ([`Clock::work_started`]).
    work: usize,
    /// Of which under way ([`Clock::work_running`]).
    running: usize,
    /// The deadlines being slept towards, earliest first, with an id each.
    sleepers: BTreeSet<(i64, u64)>,
    next_sleeper: u64,
}

/// How fast a scaled clock's time runs from `State::since`, given what is under way.
enum Speed {
    /// Work is under way: real time.
    Real,
    /// Nothing is under way and nobody sleeps, or work may still answer: time stands still
    /// (the engine's own bookkeeping takes no time; at scale 0, waiting is a jump).
    Still,
    /// Nothing is under way: `1 / scale` times real time, up to the earliest deadline.
    Shortened { until: i64 },
}

impl State {
    fn speed(&self, scale: f64) -> Speed {
        if self.running > 0 {
            Speed::Real
        } else if self.work > 0 || scale == 0.0 {
            Speed::Still
        } else {
            match self.sleepers.first() {
                Some(&(until, _)) => Speed::Shortened { until },
                None => Speed::Still,
            }
        }
    }

    fn now(&self, scale: f64, at: Instant) -> i64 {
        let elapsed = at.saturating_duration_since(self.since);
        match self.speed(scale) {
            Speed::Still => self.base,
            Speed::Real => self.base.saturating_add(millis(elapsed)),
            Speed::Shortened { until } => {
                let gap = until.saturating_sub(self.base).max(0);
                // Saturating float-to-int: a tiny scale cannot overflow.
                let run = (elapsed.as_secs_f64() * 1000.0 / scale) as i64;
                self.base.saturating_add(run.min(gap))
            }
        }
    }

    /// Takes the time reached so far as the new base, before what it depends on changes.
    fn rebase(&mut self, scale: f64) {
        let at = Instant::now();
        let now = self.now(scale, at);
        if let Speed::Real = self.speed(scale) {
            // Keep the fraction of a millisecond not yet counted, so that many changes while
            // work runs do not lose time.
            let counted = Duration::from_millis(u64::try_from(now - self.base).unwrap_or(0));
            self.since = (self.since + counted).min(at);
        } else {
            self.since = at;
        }
        self.base = now;
    }
}

/// What a sleeper found when it last looked.
enum Outlook {
    /// Its deadline has come.
    Due,
    /// Work is under way: wait `remaining` milliseconds of real time (or for a change).
    RealTime { remaining: i64 },
    /// Work may still answer, or an earlier deadline goes first: wait for a change.
    Held,
    /// It is the earliest deadline and nothing is under way: skip or shorten the wait.
    Next { remaining: i64 },
}

impl Scaled {
    fn lock(&self) -> MutexGuard<'_, State> {
        // The state stays consistent even if a holder panicked: every change is one step.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Changes the state (time reached so far kept) and tells the sleepers.
    fn update<R>(&self, change: impl FnOnce(&mut State) -> R) -> R {
        let result = {
            let mut st = self.lock();
            st.rebase(self.scale);
            change(&mut st)
        };
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
        result
    }

    fn outlook(&self, key: (i64, u64)) -> Outlook {
        let st = self.lock();
        let now = st.now(self.scale, Instant::now());
        let remaining = key.0.saturating_sub(now);
        if remaining <= 0 {
            Outlook::Due
        } else if st.running > 0 {
            Outlook::RealTime { remaining }
        } else if st.work > 0 || st.sleepers.first() != Some(&key) {
            Outlook::Held
        } else {
            Outlook::Next { remaining }
        }
    }

    /// Jumps to `key`'s deadline if it is still the earliest and nothing is under way.
    fn reach(&self, key: (i64, u64)) {
        self.update(|st| {
            if st.work == 0 && st.sleepers.first() == Some(&key) {
                st.base = st.base.max(key.0);
            }
        });
    }

    async fn sleep_until(self: Arc<Self>, deadline: i64) {
        /// Turns of the scheduler granted, at scale 0, to whatever is ready to run (the code
        /// that answers a task token) before time jumps.
        const GRACE: usize = 16;
        let mut changes = self.changed.subscribe();
        let key = self.update(|st| {
            let key = (deadline, st.next_sleeper);
            st.next_sleeper += 1;
            st.sleepers.insert(key);
            key
        });
        let _registered = Registered { clock: &self, key };
        loop {
            // Seen before looking: a change made after this wakes the waits below.
            changes.borrow_and_update();
            match self.outlook(key) {
                Outlook::Due => return,
                Outlook::RealTime { remaining } => {
                    let (real, _) = real_duration(remaining as f64);
                    tokio::select! {
                        _ = tokio::time::sleep(real) => {}
                        _ = changes.changed() => {}
                    }
                }
                Outlook::Held => {
                    // The sender lives as long as `self`: `changed` only fails if it is gone.
                    let _ = changes.changed().await;
                }
                Outlook::Next { .. } if self.scale == 0.0 => {
                    for _ in 0..GRACE {
                        tokio::task::yield_now().await;
                    }
                    if !changes.has_changed().unwrap_or(true) {
                        self.reach(key);
                    }
                }
                Outlook::Next { remaining } => {
                    let (real, cut) = real_duration(remaining as f64 * self.scale);
                    tokio::select! {
                        _ = tokio::time::sleep(real) => if !cut {
                            self.reach(key);
                        },
                        _ = changes.changed() => {}
                    }
                }
            }
        }
    }
}

/// A sleeper's deadline, withdrawn when the sleep ends or is dropped.
struct Registered<'a> {
    clock: &'a Scaled,
    key: (i64, u64),
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        self.clock.update(|st| st.sleepers.remove(&self.key));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scaled(scale: f64) -> Arc<dyn Clock> {
        Arc::new(TokioClock::scaled(scale))
    }

    #[tokio::test(start_paused = true)]
    async fn scale_zero_skips_waits_when_nothing_is_under_way() {
        let clock = scaled(0.0);
        let t0 = clock.now_millis();
        let real = Instant::now();
        clock.sleep_until(t0 + 3_600_000).await;
        assert_eq!(clock.now_millis(), t0 + 3_600_000);
        assert_eq!(real.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn work_that_may_answer_holds_waits_back_and_takes_no_time() {
        let clock = scaled(0.0);
        let t0 = clock.now_millis();
        let work = Work::new(&clock);
        let sleep = clock.sleep_until(t0 + 7_200_000);
        tokio::pin!(sleep);
        // A day of tokio time passes: the wait is held back, and time stands still.
        assert!(
            tokio::time::timeout(Duration::from_secs(86_400), &mut sleep)
                .await
                .is_err(),
            "a wait was skipped while work could still answer"
        );
        assert_eq!(clock.now_millis(), t0);
        drop(work);
        sleep.await;
        assert_eq!(clock.now_millis(), t0 + 7_200_000);
    }

    #[tokio::test(start_paused = true)]
    async fn running_work_makes_time_real() {
        for scale in [0.0, 0.001, 2.0] {
            let clock = scaled(scale);
            let t0 = clock.now_millis();
            let real = Instant::now();
            let work = Work::running(&clock);
            // A 2 s timeout over work that never ends: 2 s of real time.
            clock.sleep_until(t0 + 2_000).await;
            assert_eq!(real.elapsed(), Duration::from_secs(2), "scale {scale}");
            assert_eq!(clock.now_millis(), t0 + 2_000, "scale {scale}");
            drop(work);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_fractional_scale_shortens_idle_waits() {
        let clock = scaled(0.01);
        let t0 = clock.now_millis();
        let real = Instant::now();
        clock.sleep_until(t0 + 60_000).await;
        // A minute lasts 0.6 s.
        assert_eq!(real.elapsed(), Duration::from_millis(600));
        assert_eq!(clock.now_millis(), t0 + 60_000);
        // Work starting half-way: the first half is shortened, the rest is real.
        let sleep = clock.sleep_until(t0 + 120_000);
        tokio::pin!(sleep);
        assert!(
            tokio::time::timeout(Duration::from_millis(300), &mut sleep)
                .await
                .is_err()
        );
        assert_eq!(clock.now_millis(), t0 + 90_000);
        let work = Work::running(&clock);
        let real = Instant::now();
        sleep.await;
        assert_eq!(real.elapsed(), Duration::from_secs(30));
        assert_eq!(clock.now_millis(), t0 + 120_000);
        drop(work);
    }

    #[tokio::test(start_paused = true)]
    async fn the_earliest_deadline_goes_first() {
        let clock = scaled(0.0);
        let t0 = clock.now_millis();
        let late = clock.sleep_until(t0 + 2_000_000);
        let early = {
            let clock = clock.clone();
            async move {
                clock.sleep_until(t0 + 1_000_000).await;
                clock.now_millis()
            }
        };
        // Whichever is polled first, time stops at the earlier deadline for the earlier one.
        let (_, at) = tokio::join!(late, early);
        assert_eq!(at, t0 + 1_000_000);
        assert_eq!(clock.now_millis(), t0 + 2_000_000);
    }

    #[tokio::test(start_paused = true)]
    async fn tiny_scales_and_far_deadlines_do_not_overflow() {
        for scale in [1e-300, 1e-9, 0.001] {
            let clock = scaled(scale);
            let t0 = clock.now_millis();
            // Beyond any execution's limit; a wait to it must end, not wrap.
            let far = t0 + 100 * 365 * 24 * 3_600_000;
            clock.sleep_until(far).await;
            assert_eq!(clock.now_millis(), far, "scale {scale}");
            clock.sleep_until(i64::MAX).await;
            assert_eq!(clock.now_millis(), i64::MAX, "scale {scale}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn advance_to_moves_a_paused_clock() {
        for clock in [scaled(1.0), scaled(0.0)] {
            let t0 = clock.now_millis();
            clock.advance_to(t0 + 1_500);
            assert_eq!(clock.now_millis(), t0 + 1_500);
            // Never backwards.
            clock.advance_to(t0);
            assert_eq!(clock.now_millis(), t0 + 1_500);
        }
    }
}
