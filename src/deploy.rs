//! Deploying a `workflow!` workflow to AWS: its AWS SAM template and the least-privilege
//! policy of its execution role, written by the same code as `workflow template` and
//! `workflow iam` write them for its exported ASL ([`workflow_core::deploy`]).
//!
//! ```
//! // The prelude brings the `Deploy` trait, whose functions every workflow type has.
//! use workflow::prelude::*;
//!
//! #[task]
//! async fn charge_payment(order: Value) -> Result<Value, TaskError> {
//!     Ok(order)
//! }
//!
//! workflow! {
//!     pub Payment(Value) -> Value {
//!         task Charge = charge_payment { end }
//!     }
//! }
//!
//! let template = Payment::sam_template(&Payment::template_options().tracing(true));
//! let resources = &template.document["Resources"];
//! assert_eq!(resources["ChargePaymentFunction"]["Type"], "AWS::Serverless::Function");
//! assert_eq!(resources["StateMachine"]["Properties"]["Tracing"]["Enabled"], true);
//! ```

pub use workflow_core::deploy::policy::{Policy, PolicyOptions};
pub use workflow_core::deploy::template::{Architecture, LogLevel, Template, TemplateOptions};

use crate::dsl::WorkflowDefinition;

/// The deployment of a workflow, for every `workflow!` type.
pub trait Deploy: WorkflowDefinition {
    /// The template's options for this workflow: its name and type, and the defaults of
    /// [`TemplateOptions::new`] for the rest.
    fn template_options() -> TemplateOptions {
        TemplateOptions::new(Self::NAME).machine_type(Self::MACHINE_TYPE)
    }

    /// The AWS SAM template that deploys the workflow: the state machine, one Lambda function
    /// per task (each `${Name}` of its ASL), logging, tracing and its role.
    fn sam_template(options: &TemplateOptions) -> Template {
        workflow_core::deploy::template::template(Self::workflow().definition().machine(), options)
    }

    /// The policy its execution role needs.
    fn iam_policy(options: &PolicyOptions) -> Policy {
        workflow_core::deploy::policy::policy(Self::workflow().definition().machine(), options)
    }
}

impl<W: WorkflowDefinition> Deploy for W {}
