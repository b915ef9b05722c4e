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
use crate::runtime::Runtime;

/// How a handler's result becomes the task's result.
#[derive(Clone, Copy)]
pub(crate) enum Shape {
    /// As is.
    Plain,
    /// Wrapped in the `lambda:invoke` response; errors re-serialized as AWS does.
    LambdaInvoke,
}

/// Whose code a binding of a `Resource` (or of a `${Name}` substitution name) runs, as far
/// as the runtime knows: what [`Runtime::bound`](crate::Runtime::bound) answers, and what a
/// refused binding names.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BoundCode {
    /// A handler given to [`Runtime::bind`](crate::Runtime::bind): code without a name.
    Handler,
    /// The Rust function at this path (`orders::billing::notify`), bound as itself
    /// ([`Runtime::bind_function`](crate::Runtime::bind_function)).
    Function(Arc<str>),
    /// A stand-in for the Rust function at this path: a test double bound in its place
    /// ([`Runtime::replace_function`](crate::Runtime::replace_function)).
    Double(Arc<str>),
}

impl std::fmt::Display for BoundCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BoundCode::Handler => f.write_str("a handler given to Runtime::bind"),
            BoundCode::Function(path) => write!(f, "`{path}`"),
            BoundCode::Double(path) => write!(f, "a test double of `{path}`"),
        }
    }
}

/// Why [`Runtime::bind_function`](crate::Runtime::bind_function) refused a binding: the name
/// is bound to another function's code. Two functions of one name would otherwise share one
/// binding, and each would run the other's code.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "the task name '{resource}' is bound to {bound} in this runtime, so `{function}` cannot be bound to it: two functions need two names (give one of them #[task(name = \"...\")]), or replace a task on purpose with a test double"
)]
#[non_exhaustive]
pub struct BindConflict {
    /// The `Resource` (or `${Name}` name) both want.
    pub resource: String,
    /// What it is bound to.
    pub bound: BoundCode,
    /// The function refused (its path).
    pub function: Arc<str>,
}

/// A handler bound by exact resource, and whose code it is.
struct Bound {
    handler: Arc<dyn TaskHandler>,
    code: BoundCode,
}

/// The handlers bound in a runtime (see `Runtime::bind`, `bind_lambda` and `bind_fallback`).
#[derive(Default)]
pub(crate) struct Bindings {
    /// By exact `Resource` string, or by the name of a `${Name}` substitution.
    exact: HashMap<String, Bound>,
    /// By Lambda function name.
    lambda: HashMap<String, Arc<dyn TaskHandler>>,
    /// For every resource nothing else is bound to.
    fallback: Option<Arc<dyn TaskHandler>>,
}

impl Bindings {
    /// Binds `handler` to one exact `Resource` string (or `${Name}` substitution name), in
    /// place of whatever was bound to it.
    pub(crate) fn bind(
        &mut self,
        resource: String,
        handler: Arc<dyn TaskHandler>,
        code: BoundCode,
    ) {
        self.exact.insert(resource, Bound { handler, code });
    }

    /// Whose code is bound to one exact `Resource` string (or `${Name}` substitution name).
    pub(crate) fn bound(&self, resource: &str) -> Option<&BoundCode> {
        self.exact.get(resource).map(|b| &b.code)
    }

    /// Why `function` cannot be bound to `resource`: it is bound to another function, or to
    /// a double of another function. (A binding of the same function, of a double of it, or
    /// of an anonymous handler does not refuse it: it stays in place.)
    pub(crate) fn conflict(&self, resource: &str, function: &str) -> Option<BindConflict> {
        match self.bound(resource)? {
            code @ (BoundCode::Function(bound) | BoundCode::Double(bound))
                if **bound != *function =>
            {
                Some(BindConflict {
                    resource: resource.to_string(),
                    bound: code.clone(),
                    function: Arc::from(function),
                })
            }
            _ => None,
        }
    }

    /// Binds `handler` as the code of the function `function` when `resource` is unbound;
    /// keeps what is bound when that does not refuse it ([`Bindings::conflict`]).
    pub(crate) fn bind_function(
        &mut self,
        resource: &str,
        function: &str,
        handler: Arc<dyn TaskHandler>,
    ) -> Result<(), BindConflict> {
        if let Some(conflict) = self.conflict(resource, function) {
            return Err(conflict);
        }
        if self.bound(resource).is_none() {
            let code = BoundCode::Function(Arc::from(function));
            self.bind(resource.to_string(), handler, code);
        }
        Ok(())
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
        let exact = self.exact.get(&*inv.resource).map(|b| b.handler.clone());
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
                    .and_then(|name| self.exact.get(name))
                    .map(|b| &b.handler);
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
                .or_else(|| self.exact.get(name).map(|b| b.handler.clone()))
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

/// Binding handlers: what a runtime runs for each Task resource.
impl Runtime {
    fn bindings_mut(&self) -> std::sync::RwLockWriteGuard<'_, Bindings> {
        self.shared
            .bindings
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn bindings(&self) -> std::sync::RwLockReadGuard<'_, Bindings> {
        self.shared
            .bindings
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Binds a handler to one exact `Resource` string (or to the name of a `${Name}`
    /// substitution). It receives the state's effective input and its result is the task's
    /// result, as for any request-response integration. It takes the place of whatever was
    /// bound to `resource` before: a call of `bind` is a binding made on purpose, which
    /// [`bind_function`](Runtime::bind_function) (and so a typed workflow's start) then
    /// keeps.
    pub fn bind(&self, resource: impl Into<String>, handler: impl TaskHandler) -> &Self {
        self.bindings_mut()
            .bind(resource.into(), Arc::new(handler), BoundCode::Handler);
        self
    }

    /// Binds a handler as the Lambda function `function` (a name or an ARN): it serves every
    /// Lambda ARN resource with that function name, and `arn:aws:states:::lambda:invoke`
    /// calls whose `FunctionName` names it (it then receives the `Payload`, and its result is
    /// wrapped in the invoke response, `{"Payload": ..., "StatusCode": 200, ...}`).
    pub fn bind_lambda(&self, function: impl AsRef<str>, handler: impl TaskHandler) -> &Self {
        self.bindings_mut()
            .bind_lambda(function.as_ref(), Arc::new(handler));
        self
    }

    /// Binds a handler for every resource nothing else is bound to. It receives the effective
    /// input as is (for `lambda:invoke`, the whole parameters) and its result is used as is;
    /// [`TaskContext::resource`](crate::TaskContext::resource) tells which resource it serves.
    pub fn bind_fallback(&self, handler: impl TaskHandler) -> &Self {
        self.bindings_mut().bind_fallback(Arc::new(handler));
        self
    }

    /// Whose code is bound to one exact `Resource` string (or `${Name}` substitution name)
    /// by [`bind`](Runtime::bind), [`bind_function`](Runtime::bind_function) or
    /// [`replace_function`](Runtime::replace_function); `None` when nothing is.
    pub fn bound(&self, resource: &str) -> Option<BoundCode> {
        self.bindings().bound(resource).cloned()
    }

    /// Binds `handler` to `resource` as the code of the Rust function at the path
    /// `function` (`orders::billing::notify`; a `#[task]` function's
    /// `Task::FUNCTION`), unless `resource` is bound already. A binding is never replaced
    /// here: when `resource` is bound to the same function, to a test double of it, or to a
    /// handler given to [`bind`](Runtime::bind), that binding stays and this call does
    /// nothing; when it is bound to another function (or to a double of another function),
    /// the call is refused with both named, since either function would otherwise run in
    /// place of the other. To put a handler in place of a binding on purpose, use
    /// [`replace_function`](Runtime::replace_function) or [`bind`](Runtime::bind).
    pub fn bind_function(
        &self,
        resource: &str,
        function: &str,
        handler: Arc<dyn TaskHandler>,
    ) -> Result<(), BindConflict> {
        self.bindings_mut()
            .bind_function(resource, function, handler)
    }

    /// Whether [`bind_function`](Runtime::bind_function) would bind `function` to
    /// `resource` (or keep what is bound): `Err` names the other function bound to it. For
    /// code that binds several tasks and reports every problem before binding any.
    pub fn check_function(&self, resource: &str, function: &str) -> Result<(), BindConflict> {
        match self.bindings().conflict(resource, function) {
            Some(conflict) => Err(conflict),
            None => Ok(()),
        }
    }

    /// Binds `handler` to `resource` in place of whatever is bound to it, as a stand-in for
    /// the Rust function at the path `function`: a test double. A later
    /// [`bind_function`](Runtime::bind_function) of that function keeps it.
    pub fn replace_function(
        &self,
        resource: impl Into<String>,
        function: &str,
        handler: Arc<dyn TaskHandler>,
    ) -> &Self {
        self.bindings_mut().bind(
            resource.into(),
            handler,
            BoundCode::Double(Arc::from(function)),
        );
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handler() -> Arc<dyn TaskHandler> {
        Arc::new(|input: Value, _ctx: crate::TaskContext| async move { Ok(input) })
    }

    fn function(path: &str) -> BoundCode {
        BoundCode::Function(Arc::from(path))
    }

    /// A name is bound once: the same function, a double of it or an anonymous handler
    /// stays in place; another function (or a double of another) is refused.
    #[test]
    fn a_name_is_bound_to_one_function() {
        let mut bindings = Bindings::default();
        bindings
            .bind_function("Notify", "kitchen::notify", handler())
            .unwrap();
        assert_eq!(bindings.bound("Notify"), Some(&function("kitchen::notify")));
        assert_eq!(
            bindings.bind_function("Notify", "kitchen::notify", handler()),
            Ok(())
        );
        let refused = bindings
            .bind_function("Notify", "billing::notify", handler())
            .unwrap_err();
        assert_eq!(refused.bound, function("kitchen::notify"));
        assert_eq!(&*refused.function, "billing::notify");
        assert_eq!(bindings.bound("Notify"), Some(&function("kitchen::notify")));

        let double = BoundCode::Double(Arc::from("kitchen::notify"));
        bindings.bind("Notify".into(), handler(), double.clone());
        assert_eq!(
            bindings.bind_function("Notify", "kitchen::notify", handler()),
            Ok(())
        );
        assert_eq!(bindings.bound("Notify"), Some(&double));
        assert!(bindings.conflict("Notify", "billing::notify").is_some());

        bindings.bind("Notify".into(), handler(), BoundCode::Handler);
        assert_eq!(
            bindings.bind_function("Notify", "billing::notify", handler()),
            Ok(())
        );
        assert_eq!(bindings.bound("Notify"), Some(&BoundCode::Handler));
    }
}
