//! The clock of `--time-scale`: waits last `scale` times their length, and the history
//! records their full length.
//!
//! At scale 0 every wait is instant, but a timer never fires while a task handler is still
//! running (a command or an HTTP call takes real time): time jumps forward only when nothing
//! is in flight. So a Wait or a Retry interval passes at once, and a running task is not cut
//! short by its TimeoutSeconds (use a positive scale to exercise timeouts against real
//! handlers).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::watch;
use workflow_runtime::{BoxFuture, Clock};

/// A scaled clock that knows how many task handlers are in flight.
pub struct ScaledClock {
    wall_start: i64,
    instant_start: tokio::time::Instant,
    scale: f64,
    skipped: Arc<AtomicI64>,
    in_flight: watch::Sender<usize>,
}

/// Held while a handler runs; dropping it (the handler finished or was cancelled) lets time
/// jump again.
pub struct InFlight(watch::Sender<usize>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

impl ScaledClock {
    /// A clock whose waits last `scale` times as long.
    pub fn new(scale: f64) -> Arc<ScaledClock> {
        let wall_start = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or_default();
        Arc::new(ScaledClock {
            wall_start,
            instant_start: tokio::time::Instant::now(),
            scale: scale.max(0.0),
            skipped: Arc::new(AtomicI64::new(0)),
            in_flight: watch::channel(0).0,
        })
    }

    /// Marks a handler as running until the guard is dropped.
    pub fn enter(&self) -> InFlight {
        self.in_flight.send_modify(|n| *n += 1);
        InFlight(self.in_flight.clone())
    }

    fn real_part(&self) -> i64 {
        if self.scale > 0.0 {
            (self.instant_start.elapsed().as_millis() as f64 / self.scale) as i64
        } else {
            0
        }
    }
}

impl Clock for ScaledClock {
    fn now_millis(&self) -> i64 {
        self.wall_start + self.real_part() + self.skipped.load(Ordering::Relaxed)
    }

    fn sleep_until(&self, deadline: i64) -> BoxFuture<()> {
        let remaining = (deadline - self.now_millis()).max(0);
        let real = Duration::from_micros((remaining as f64 * self.scale * 1000.0) as u64);
        let target = deadline - self.wall_start;
        let start = self.instant_start;
        let scale = self.scale;
        let skipped = self.skipped.clone();
        let mut idle = self.in_flight.subscribe();
        Box::pin(async move {
            if scale > 0.0 {
                if !real.is_zero() {
                    tokio::time::sleep(real).await;
                }
            } else {
                // Instant, but only once no handler runs.
                while *idle.borrow_and_update() > 0 {
                    if idle.changed().await.is_err() {
                        break;
                    }
                }
            }
            let real_part = if scale > 0.0 {
                (start.elapsed().as_millis() as f64 / scale) as i64
            } else {
                0
            };
            skipped.fetch_max(target - real_part, Ordering::Relaxed);
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn scale_zero_waits_for_handlers() {
        let clock = ScaledClock::new(0.0);
        let t0 = clock.now_millis();
        clock.sleep_until(t0 + 3_600_000).await;
        assert_eq!(clock.now_millis(), t0 + 3_600_000);
        let guard = clock.enter();
        let sleep = clock.sleep_until(t0 + 7_200_000);
        tokio::pin!(sleep);
        assert!(
            tokio::time::timeout(Duration::from_millis(20), &mut sleep)
                .await
                .is_err(),
            "a timer fired while a handler ran"
        );
        drop(guard);
        sleep.await;
        assert_eq!(clock.now_millis(), t0 + 7_200_000);
    }
}
