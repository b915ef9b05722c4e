//! The clock of `--time-scale`: waits last `scale` times their length, and the history
//! records their full length; no time limit ever vanishes.
//!
//! It is the runtime's [`TokioClock::scaled`], whose rule is: while a task handler is under
//! way (a command runs, an HTTP call is on its way), time runs at real speed, so a command
//! that answers in 50 ms is never cut short by a 2 s `TimeoutSeconds`, and one that never
//! answers is stopped after 2 s of real time; a long loop of states also runs in real time,
//! so an EXPRESS loop stops at its five minutes. While nothing is under way, time runs
//! `1 / scale` times as fast (scale 0: it jumps to the next timer), so Wait states and Retry
//! intervals pass quickly. A mock answers at once and takes no time: runs with a mock config
//! at scale 0 are reproducible to the millisecond.
//!
//! The runtime counts every handler it calls; [`ScaledClock::enter`] counts what the CLI does
//! outside the handlers (answering a callback's task token after its command has printed the
//! result), so that time does not jump to the task's timeout in between.

use std::sync::Arc;

use workflow_runtime::{BoxFuture, Clock, TokioClock, Work};

/// The runtime's scaled clock, with a way to count work of the CLI's own.
pub struct ScaledClock(TokioClock);

/// Held while the CLI is about to answer a task token; dropping it lets time jump again.
pub type InFlight = Work;

impl ScaledClock {
    /// A clock whose waits last `scale` times as long.
    pub fn new(scale: f64) -> Arc<ScaledClock> {
        Arc::new(ScaledClock(TokioClock::scaled(scale)))
    }

    /// Holds waits back until the guard is dropped (it takes no time itself).
    pub fn enter(self: &Arc<Self>) -> InFlight {
        let clock: Arc<dyn Clock> = self.clone();
        Work::new(&clock)
    }
}

impl Clock for ScaledClock {
    fn tracks_work(&self) -> bool {
        self.0.tracks_work()
    }

    fn now_millis(&self) -> i64 {
        self.0.now_millis()
    }

    fn sleep_until(&self, deadline: i64) -> BoxFuture<()> {
        self.0.sleep_until(deadline)
    }

    fn work_started(&self) {
        self.0.work_started();
    }

    fn work_running(&self) {
        self.0.work_running();
    }

    fn work_ended(&self, running: bool) {
        self.0.work_ended(running);
    }

    fn advance_to(&self, millis: i64) {
        self.0.advance_to(millis);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    // Real time (the CLI's tokio has no paused clock): 20 ms are enough for a wait that
    // would be skipped at once.
    #[tokio::test]
    async fn scale_zero_waits_for_what_the_cli_holds() {
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
            "a timer fired while the CLI was about to answer"
        );
        drop(guard);
        sleep.await;
        assert_eq!(clock.now_millis(), t0 + 7_200_000);
    }
}
