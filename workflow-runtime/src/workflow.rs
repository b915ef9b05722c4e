//! A loaded state machine, ready to run.

use std::sync::{Arc, OnceLock};

use workflow_core::definition::Definition;
use workflow_core::execution::ExecutionConfig;
use workflow_core::plan::Plan;

use crate::error::LoadError;

/// A loaded, validated and compiled state machine, ready to run any number of times.
///
/// A workflow from [`Runtime::register`](crate::Runtime::register) knows the revision of the
/// state machine it is in that runtime's store; one from [`Runtime::load`](crate::Runtime::load)
/// (or built here) is registered when an execution of it first starts.
#[derive(Clone, Debug)]
pub struct Workflow {
    name: String,
    definition: Arc<Definition>,
    plan: Arc<Plan>,
    /// The definition's text as given, when it came from text.
    text: Option<Arc<str>>,
    registered: Option<Registered>,
    /// The revision the first runtime that started it without its registering saved it as
    /// (shared by its clones): found again at once by the executions that follow.
    saved: Arc<OnceLock<Registered>>,
    /// The configuration of an unnamed execution in the first runtime that started one, with
    /// that start's history quota (shared by its clones): the executions that follow with the
    /// same options use it as it is instead of building their own.
    config: Arc<OnceLock<(u64, ExecutionConfig)>>,
}

/// The revision a runtime registered a workflow as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Registered {
    /// Which runtime ([`Shared::id`](crate::runtime::Shared)).
    pub runtime: u64,
    pub revision: u64,
    /// How many state machines that runtime had deleted then: a registration made before its
    /// state machine was deleted is of none.
    pub generation: u64,
}

impl Workflow {
    /// A workflow from a validated definition, compiled for running. A workflow does not
    /// belong to a runtime: any runtime with its tasks bound can start it.
    pub fn from_definition(
        name: impl Into<String>,
        definition: Definition,
    ) -> Result<Workflow, LoadError> {
        let plan = definition.plan().map_err(LoadError::Unsupported)?;
        Ok(Workflow {
            name: name.into(),
            definition: Arc::new(definition),
            plan,
            text: None,
            registered: None,
            saved: Arc::default(),
            config: Arc::default(),
        })
    }

    /// The same workflow, its definition's text as given.
    pub(crate) fn with_text(mut self, text: &str) -> Workflow {
        self.text = Some(Arc::from(text));
        self
    }

    /// The same workflow, registered in a runtime's store as `revision`.
    pub(crate) fn registered(mut self, registered: Registered) -> Workflow {
        self.registered = Some(registered);
        self
    }

    /// The state machine's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The revision of the state machine this workflow is, when it was registered with
    /// [`Runtime::register`](crate::Runtime::register) (revisions count from 1).
    pub fn revision(&self) -> Option<u64> {
        self.registered.map(|r| r.revision)
    }

    /// How the runtime `runtime` registered or saved it, when known here.
    pub(crate) fn registration(&self, runtime: u64) -> Option<Registered> {
        [self.registered, self.saved.get().copied()]
            .into_iter()
            .flatten()
            .find(|r| r.runtime == runtime)
    }

    /// The configuration of an unnamed execution with the history quota `history_limit` in the
    /// runtime `runtime`, when one was made before.
    pub(crate) fn config(
        &self,
        runtime: u64,
        history_limit: Option<usize>,
    ) -> Option<&ExecutionConfig> {
        self.config
            .get()
            .filter(|(r, c)| *r == runtime && c.history_limit == history_limit)
            .map(|(_, c)| c)
    }

    /// Remembers the configuration of an unnamed execution in the runtime `runtime`, if none
    /// was before.
    pub(crate) fn set_config(&self, runtime: u64, config: &ExecutionConfig) {
        if self.config.get().is_none() && config.execution_name.is_none() {
            let _ = self.config.set((runtime, config.clone()));
        }
    }

    /// Remembers the revision a runtime saved it as, if no runtime did before.
    pub(crate) fn set_saved(&self, saved: Registered) {
        let _ = self.saved.set(saved);
    }

    /// The definition's text: as given, or exported from the model.
    pub(crate) fn text(&self) -> String {
        match &self.text {
            Some(text) => text.to_string(),
            None => self.definition.machine().to_json_string(),
        }
    }

    /// The validated definition.
    pub fn definition(&self) -> &Definition {
        &self.definition
    }

    /// The compiled plan.
    pub fn plan(&self) -> &Arc<Plan> {
        &self.plan
    }
}
