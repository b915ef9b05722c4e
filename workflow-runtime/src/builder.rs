//! Configures a [`Runtime`].

use std::any::Any;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use workflow_core::entropy::{Entropy, SplitMix64};

use crate::bindings::Bindings;
use crate::clock::{Clock, TokioClock, millis};
use crate::parking::Parking;
use crate::registry::Registry;
use crate::runtime::{Runtime, Shared};
use crate::store::{MemoryStore, Store};

/// Makes the source of random numbers of an execution from its seed (see
/// [`RuntimeBuilder::entropy`]).
pub type EntropySource = Arc<dyn Fn(u64) -> Box<dyn Entropy + Send> + Send + Sync>;

/// How long AWS keeps a finished execution: 90 days.
const AWS_RETENTION: Duration = Duration::from_secs(90 * 24 * 3600);

/// Configures a [`Runtime`].
pub struct RuntimeBuilder {
    clock: Option<Arc<dyn Clock>>,
    seed: Option<u64>,
    entropy: Option<EntropySource>,
    region: String,
    account: String,
    store: Option<Arc<dyn Store>>,
    /// The store, when it is a [`MemoryStore`].
    memory: Option<Arc<MemoryStore>>,
    retention: Duration,
}

impl std::fmt::Debug for RuntimeBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuntimeBuilder")
            .field("seed", &self.seed)
            .field("region", &self.region)
            .field("account", &self.account)
            .field("retention", &self.retention)
            .finish_non_exhaustive()
    }
}

impl RuntimeBuilder {
    /// The defaults: [`TokioClock`], a random seed, region `us-east-1`, account
    /// `123456789012`, a [`MemoryStore`], finished executions kept 90 days.
    pub(crate) fn new() -> RuntimeBuilder {
        RuntimeBuilder {
            clock: None,
            seed: None,
            entropy: None,
            region: "us-east-1".to_string(),
            account: "123456789012".to_string(),
            store: None,
            memory: None,
            retention: AWS_RETENTION,
        }
    }

    /// Where the runtime keeps its state machines and executions (default: a
    /// [`MemoryStore`], whose executions end with the process). On a durable store (such as
    /// `workflow_sqlite::SqliteStore`) every STANDARD execution is journaled as it runs, and
    /// [`Runtime::resume`] goes on with the unfinished ones after a restart; see the guide,
    /// `docs/durability.md`.
    pub fn store(mut self, store: impl Store) -> Self {
        let store = Arc::new(store);
        let any: Arc<dyn Any + Send + Sync> = store.clone();
        self.memory = any.downcast::<MemoryStore>().ok();
        self.store = Some(store);
        self
    }

    /// How long a finished execution is kept (its record, its journal or history) before it
    /// is purged and its name can be used again: 90 days by default, as AWS keeps them. The
    /// runtime purges when it resumes, and then at most once an hour while it runs.
    pub fn retention(mut self, retention: Duration) -> Self {
        self.retention = retention;
        self
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
    /// `States.MathRandom`, generated names and task tokens). Takes precedence over
    /// [`seed`](Self::seed).
    ///
    /// `source` is called once per execution with that execution's seed (from the runtime's
    /// own seeds), and must be a function of it: the same seed must give the same numbers.
    /// The seed is journaled with the execution, and a recovered execution's random numbers
    /// are made again from it, so that its replay takes the same decisions (the same retry
    /// jitter, the same UUIDs) it took before.
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
    /// let runtime = Runtime::builder().entropy(|_seed| Box::new(Half)).build();
    /// # let _ = runtime;
    /// ```
    pub fn entropy(
        mut self,
        source: impl Fn(u64) -> Box<dyn Entropy + Send> + Send + Sync + 'static,
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
        /// Tells runtimes apart (a registered workflow knows its runtime).
        static RUNTIMES: AtomicU64 = AtomicU64::new(1);
        let (store, memory) = match self.store {
            Some(store) => (store, self.memory),
            None => {
                let memory = Arc::new(MemoryStore::new());
                (memory.clone() as Arc<dyn Store>, Some(memory))
            }
        };
        Runtime {
            shared: Arc::new(Shared {
                id: RUNTIMES.fetch_add(1, Ordering::Relaxed),
                bindings: RwLock::new(Bindings::default()),
                clock: self.clock.unwrap_or_else(|| Arc::new(TokioClock::new())),
                seeds: Mutex::new(SplitMix64(seed)),
                entropy: self.entropy,
                callbacks: Mutex::new(HashMap::new()),
                region: self.region,
                account: self.account,
                durable: store.is_durable(),
                store,
                memory,
                registry: Registry::default(),
                parking: Parking::default(),
                retention: millis(self.retention),
                next_purge: AtomicI64::new(i64::MIN),
            }),
        }
    }
}
