//! Time, as the runtime sees it. Every wait (Wait states, Retry back-off, timeouts) goes
//! through a [`Clock`], so tests can run a one-year Wait in no time.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::handler::BoxFuture;

/// The source of time and of sleeping.
pub trait Clock: Send + Sync + 'static {
    /// Milliseconds since the Unix epoch.
    fn now_millis(&self) -> i64;
    /// Completes once `now_millis()` has reached `deadline`.
    fn sleep_until(&self, deadline: i64) -> BoxFuture<()>;

    /// True when waiting takes no time at all (a clock scaled to 0): the runtime then fires
    /// a timer only once the execution's task handlers have finished, so that time does not
    /// jump past work that is still under way.
    fn is_instant(&self) -> bool {
        false
    }
}

/// The default clock: wall-clock time that advances with tokio's clock.
///
/// Under `tokio::time::pause()` (or `#[tokio::test(start_paused = true)]`) tokio jumps its
/// clock forward whenever every task is idle, so waits of any length finish at once while the
/// timestamps in the history still move forward by the time waited.
///
/// With a `scale` below 1, every wait is shortened by that factor (0.01 makes a minute last
/// 0.6 s) while the recorded time still moves by the full amount. A scale of 0 makes every
/// wait instant: time then jumps to the next timer as soon as the execution's task handlers
/// have finished, so a task's own run time counts as none (and a handler that never returns
/// is never timed out).
#[derive(Debug)]
pub struct TokioClock {
    wall_start: i64,
    instant_start: tokio::time::Instant,
    scale: f64,
    /// Virtual time skipped by shortened waits.
    skipped: Arc<AtomicI64>,
}

impl TokioClock {
    /// A clock that runs at the speed of tokio's clock.
    pub fn new() -> TokioClock {
        TokioClock::scaled(1.0)
    }

    /// A clock whose waits last `scale` times as long (`0.0` = no waiting at all).
    pub fn scaled(scale: f64) -> TokioClock {
        let wall_start = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or_default();
        TokioClock {
            wall_start,
            instant_start: tokio::time::Instant::now(),
            scale: if scale.is_finite() {
                scale.max(0.0)
            } else {
                1.0
            },
            skipped: Arc::new(AtomicI64::new(0)),
        }
    }

    fn real_part(&self) -> i64 {
        real_part(self.instant_start, self.scale)
    }
}

/// The virtual time that real time has moved since `start`, at `scale`.
fn real_part(start: tokio::time::Instant, scale: f64) -> i64 {
    if scale > 0.0 {
        (start.elapsed().as_millis() as f64 / scale) as i64
    } else {
        0
    }
}

impl Default for TokioClock {
    fn default() -> Self {
        TokioClock::new()
    }
}

impl Clock for TokioClock {
    fn is_instant(&self) -> bool {
        self.scale == 0.0
    }

    fn now_millis(&self) -> i64 {
        self.wall_start + self.real_part() + self.skipped.load(Ordering::Relaxed)
    }

    fn sleep_until(&self, deadline: i64) -> BoxFuture<()> {
        let remaining = (deadline - self.now_millis()).max(0);
        let real = Duration::from_micros((remaining as f64 * self.scale * 1000.0) as u64);
        let target = deadline - self.wall_start;
        let start = self.instant_start;
        let scale = self.scale;
        // After the (possibly shortened) wait, `now` must have reached the deadline.
        let skipped = self.skipped.clone();
        Box::pin(async move {
            if !real.is_zero() {
                tokio::time::sleep(real).await;
            }
            skipped.fetch_max(target - real_part(start, scale), Ordering::Relaxed);
        })
    }
}
