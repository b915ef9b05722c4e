//! The clock of `--time-scale`: waits last `scale` times their length, and the history
//! records their full length.
//!
//! At scale 0 every wait is instant, but a timer never fires while a task handler is still
//! running (a command or an HTTP call takes real time): time jumps forward only when nothing
//! is in flight. So a Wait or a Retry interval passes at once, and a running task is not cut
//! short by its TimeoutSeconds (use a positive scale to exercise timeouts against real
//! handlers).

use std::sync::Arc;

use tokio::sync::watch;
use workflow_runtime::{BoxFuture, Clock, TokioClock};

/// A scaled clock that knows how many task handlers are in flight.
pub struct ScaledClock {
    inner: TokioClock,
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
        Arc::new(ScaledClock {
            inner: TokioClock::scaled(scale),
            in_flight: watch::channel(0).0,
        })
    }

    /// Marks a handler as running until the guard is dropped.
    pub fn enter(&self) -> InFlight {
        self.in_flight.send_modify(|n| *n += 1);
        InFlight(self.in_flight.clone())
    }
}

// Not `is_instant`: this clock holds timers back itself, until every handler in flight (the
// command that answers a callback's token included) is done.
impl Clock for ScaledClock {
    fn now_millis(&self) -> i64 {
        self.inner.now_millis()
    }

    fn sleep_until(&self, deadline: i64) -> BoxFuture<()> {
        let sleep = self.inner.sleep_until(deadline);
        if self.inner.is_instant() {
            // Instant, but only once no handler runs.
            let mut idle = self.in_flight.subscribe();
            Box::pin(async move {
                while *idle.borrow_and_update() > 0 {
                    if idle.changed().await.is_err() {
                        break;
                    }
                }
                sleep.await;
            })
        } else {
            sleep
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

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
