//! A loaded state machine, ready to run.

use std::sync::Arc;

use workflow_core::definition::Definition;
use workflow_core::plan::Plan;

use crate::error::LoadError;

/// A loaded, validated and compiled state machine, ready to run any number of times.
#[derive(Clone, Debug)]
pub struct Workflow {
    name: String,
    definition: Arc<Definition>,
    plan: Arc<Plan>,
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
        })
    }

    /// The state machine's name.
    pub fn name(&self) -> &str {
        &self.name
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
