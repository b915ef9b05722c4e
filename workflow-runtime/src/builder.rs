//! Configures a [`Runtime`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use workflow_core::entropy::{Entropy, SplitMix64};

use crate::bindings::Bindings;
use crate::clock::{Clock, TokioClock};
use crate::runtime::{Runtime, Shared};

/// Makes the source of random numbers for each new execution.
pub type EntropySource = Arc<dyn Fn() -> Box<dyn Entropy + Send> + Send + Sync>;

/// Configures a [`Runtime`].
pub struct RuntimeBuilder {
    clock: Option<Arc<dyn Clock>>,
    seed: Option<u64>,
    entropy: Option<EntropySource>,
    region: String,
    account: String,
}

impl RuntimeBuilder {
    /// The defaults: [`TokioClock`], a random seed, region `us-east-1`, account
    /// `123456789012`.
    pub(crate) fn new() -> RuntimeBuilder {
        RuntimeBuilder {
            clock: None,
            seed: None,
            entropy: None,
            region: "us-east-1".to_string(),
            account: "123456789012".to_string(),
        }
    }

    /// The clock every wait goes through (default: [`TokioClock`]).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// Seeds the random numbers (retry jitter, `States.UUID`, `States.MathRandom`, names, task
    /// tokens) so that runs are reproducible.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Supplies the random numbers of every execution (retry jitter, `States.UUID`,
    /// `States.MathRandom`, generated names and task tokens): `source` is called once per
    /// execution. Takes precedence over [`seed`](Self::seed).
    ///
    /// ```
    /// use workflow_core::entropy::Entropy;
    /// use workflow_runtime::Runtime;
    ///
    /// /// Always the middle of the range: FULL jitter then waits half the back-off.
    /// struct Half;
    /// impl Entropy for Half {
    ///     fn next_u64(&mut self) -> u64 {
    ///         u64::MAX / 2
    ///     }
    /// }
    /// let runtime = Runtime::builder().entropy(|| Box::new(Half)).build();
    /// # let _ = runtime;
    /// ```
    pub fn entropy(
        mut self,
        source: impl Fn() -> Box<dyn Entropy + Send> + Send + Sync + 'static,
    ) -> Self {
        self.entropy = Some(Arc::new(source));
        self
    }

    /// The region in ARNs (default `us-east-1`).
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// The account in ARNs (default `123456789012`).
    pub fn account(mut self, account: impl Into<String>) -> Self {
        self.account = account.into();
        self
    }

    /// Builds the runtime.
    pub fn build(self) -> Runtime {
        let seed = self.seed.unwrap_or_else(|| {
            let nanos = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or_default();
            let here = &nanos as *const u64 as u64;
            nanos ^ here.rotate_left(32)
        });
        Runtime {
            shared: Arc::new(Shared {
                bindings: RwLock::new(Bindings::default()),
                clock: self.clock.unwrap_or_else(|| Arc::new(TokioClock::new())),
                seeds: Mutex::new(SplitMix64(seed)),
                entropy: self.entropy,
                callbacks: Mutex::new(HashMap::new()),
                region: self.region,
                account: self.account,
            }),
        }
    }
}
