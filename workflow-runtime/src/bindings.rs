//! The task bindings: which handler serves which `Resource`, and how its input and result are
//! shaped.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;
use workflow_core::error::names;
use workflow_core::execution::{Failure, TaskInvocation};
use workflow_core::plan::ResourceKind;

use crate::handler::TaskHandler;
use crate::lambda;

/// How a handler's result becomes the task's result.
#[derive(Clone, Copy)]
pub(crate) enum Shape {
    /// As is.
    Plain,
    /// Wrapped in the `lambda:invoke` response; errors re-serialized as AWS does.
    LambdaInvoke,
}

/// The handlers bound in a runtime (see `Runtime::bind`, `bind_lambda` and `bind_fallback`).
#[derive(Default)]
pub(crate) struct Bindings {
    /// By exact `Resource` string, or by the name of a `${Name}` substitution.
    exact: HashMap<String, Arc<dyn TaskHandler>>,
    /// By Lambda function name.
    lambda: HashMap<String, Arc<dyn TaskHandler>>,
    /// For every resource nothing else is bound to.
    fallback: Option<Arc<dyn TaskHandler>>,
}

impl Bindings {
    /// Binds `handler` to one exact `Resource` string (or `${Name}` substitution name).
    pub(crate) fn bind(&mut self, resource: String, handler: Arc<dyn TaskHandler>) {
        self.exact.insert(resource, handler);
    }

    /// Binds `handler` as the Lambda function `function` (a name or an ARN).
    pub(crate) fn bind_lambda(&mut self, function: &str, handler: Arc<dyn TaskHandler>) {
        let name = lambda::function_name(function).to_string();
        self.lambda.insert(name, handler);
    }

    /// Binds `handler` for every resource nothing else is bound to.
    pub(crate) fn bind_fallback(&mut self, handler: Arc<dyn TaskHandler>) {
        self.fallback = Some(handler);
    }

    /// Finds the handler for an invocation, and the shape of its input and output. `region`,
    /// `account` and `request_id` go into the Lambda `ResourceNotFoundException` of a function
    /// nothing serves.
    pub(crate) fn resolve(
        &self,
        inv: &TaskInvocation,
        request_id: &str,
        region: &str,
        account: &str,
    ) -> Result<(Arc<dyn TaskHandler>, Shape), Failure> {
        let exact = self.exact.get(&*inv.resource).cloned();
        let fallback = self.fallback.clone();
        let plain = |h: Arc<dyn TaskHandler>| (h, Shape::Plain);
        match &inv.resource_kind {
            ResourceKind::LambdaFunction { function } => exact
                .or_else(|| self.lambda.get(function).cloned())
                .or(fallback)
                .map(plain)
                .ok_or_else(|| {
                    lambda::not_found(&inv.resource, region, account, request_id).into()
                }),
            ResourceKind::LambdaInvoke { .. } => {
                if let Some(h) = exact {
                    return Ok(plain(h));
                }
                let Some(function) = inv.input.get("FunctionName").and_then(Value::as_str) else {
                    if let Some(h) = fallback {
                        return Ok(plain(h));
                    }
                    return Err(Failure::new(
                        names::RUNTIME,
                        format!(
                            "The state '{}' calls lambda:invoke without a string 'FunctionName' in its parameters.",
                            inv.state_name
                        ),
                    ));
                };
                // `${Name}`: a function bound by name, as `workflow!` exports a callback task.
                let by_name = function
                    .strip_prefix("${")
                    .and_then(|f| f.strip_suffix('}'))
                    .and_then(|name| self.exact.get(name));
                if let Some(h) =
                    by_name.or_else(|| self.lambda.get(lambda::function_name(function)))
                {
                    return Ok((h.clone(), Shape::LambdaInvoke));
                }
                fallback
                    .map(plain)
                    .ok_or_else(|| lambda::not_found(function, region, account, request_id).into())
            }
            ResourceKind::Substitution { name, .. } => exact
                .or_else(|| self.exact.get(name).cloned())
                .or(fallback)
                .map(plain)
                .ok_or_else(|| unbound(inv)),
            _ => exact.or(fallback).map(plain).ok_or_else(|| unbound(inv)),
        }
    }
}

fn unbound(inv: &TaskInvocation) -> Failure {
    Failure::new(
        names::RUNTIME,
        format!(
            "No task handler is bound to the resource '{}' (state '{}'). Bind one with Runtime::bind, Runtime::bind_lambda or Runtime::bind_fallback.",
            inv.resource, inv.state_name
        ),
    )
}
