//! The variables Lambda sets in a function's environment, and why a binary could not serve.

/// The variable Lambda sets to the function's name.
pub const FUNCTION_NAME_VARIABLE: &str = "AWS_LAMBDA_FUNCTION_NAME";

/// The variable Lambda sets to the `host:port` of the Runtime API.
pub const RUNTIME_API_VARIABLE: &str = "AWS_LAMBDA_RUNTIME_API";

/// The other variables `lambda_runtime` reads when it starts (and panics without): the
/// function's memory size, in MB, and its version.
const MEMORY_SIZE_VARIABLE: &str = "AWS_LAMBDA_FUNCTION_MEMORY_SIZE";
const VERSION_VARIABLE: &str = "AWS_LAMBDA_FUNCTION_VERSION";

/// Why a binary could not serve its task.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// A variable that Lambda sets is not set: the process does not run in Lambda.
    #[error(
        "{variable} is not set: this program serves tasks as AWS Lambda functions, through the Lambda Runtime API, and runs where Lambda starts it (or a local emulator of the Runtime API, such as `cargo lambda watch`)"
    )]
    NotInLambda {
        /// The variable.
        variable: &'static str,
    },
    /// A variable that Lambda sets has a value Lambda would not give it.
    #[error("{variable} is {value:?}, which is not {expected}")]
    InvalidVariable {
        /// The variable.
        variable: &'static str,
        /// Its value.
        value: String,
        /// What it should be.
        expected: &'static str,
    },
    /// The task the environment names is not one this binary serves.
    #[error(
        "{variable} names the task '{name}', which this program does not serve: it serves {}",
        list(.tasks)
    )]
    UnknownTask {
        /// The variable that names it.
        variable: &'static str,
        /// The task's name.
        name: String,
        /// The tasks the binary serves.
        tasks: Vec<String>,
    },
    /// The binary serves several tasks and nothing tells which one this function is.
    #[error(
        "this program serves {}, and nothing tells which one this function is: set {} to the task's name (the SAM template of `workflow template` does), or name the function after its task ({FUNCTION_NAME_VARIABLE} is {})",
        list(.tasks),
        crate::TASK_VARIABLE,
        .function_name.as_deref().map_or_else(|| "not set".to_string(), |name| format!("'{name}'"))
    )]
    NoTaskNamed {
        /// The function's name, when Lambda set it.
        function_name: Option<String>,
        /// The tasks the binary serves.
        tasks: Vec<String>,
    },
    /// The binary was given no task to serve.
    #[error("this program was given no task to serve")]
    NoTasks,
    /// The Runtime API failed (Lambda stops a function's process when it no longer needs it:
    /// the API does not end otherwise).
    #[error("the Lambda Runtime API failed: {0}")]
    RuntimeApi(#[source] lambda_runtime::Error),
}

fn list(tasks: &[String]) -> String {
    let names: Vec<String> = tasks.iter().map(|t| format!("'{t}'")).collect();
    match names.as_slice() {
        [] => "no task".to_string(),
        [one] => format!("the task {one}"),
        many => format!("the tasks {}", many.join(", ")),
    }
}

/// Checks the variables `lambda_runtime` reads when it starts, so that a process that does
/// not run in Lambda gets an error rather than its panic.
pub(crate) fn check(variable: &impl Fn(&str) -> Option<String>) -> Result<(), ServeError> {
    let read =
        |name: &'static str| variable(name).ok_or(ServeError::NotInLambda { variable: name });
    let api = read(RUNTIME_API_VARIABLE)?;
    if !http::Uri::try_from(api.as_str()).is_ok_and(|uri| uri.authority().is_some()) {
        return Err(ServeError::InvalidVariable {
            variable: RUNTIME_API_VARIABLE,
            value: api,
            expected: "the host and port of the Runtime API (127.0.0.1:9001)",
        });
    }
    read(FUNCTION_NAME_VARIABLE)?;
    read(VERSION_VARIABLE)?;
    let memory = read(MEMORY_SIZE_VARIABLE)?;
    if memory.parse::<i32>().is_err() {
        return Err(ServeError::InvalidVariable {
            variable: MEMORY_SIZE_VARIABLE,
            value: memory,
            expected: "a number of megabytes",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use serde_json::Value;
    use workflow_runtime::TaskContext;

    use super::*;
    use crate::{Function, Functions, TASK_VARIABLE};

    /// An environment of these variables.
    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| vars.get(name).cloned()
    }

    /// What Lambda sets for a function (`AWS_LAMBDA_FUNCTION_NAME` aside).
    const LAMBDA: [(&str, &str); 3] = [
        (RUNTIME_API_VARIABLE, "127.0.0.1:9001"),
        (MEMORY_SIZE_VARIABLE, "128"),
        (VERSION_VARIABLE, "$LATEST"),
    ];

    fn functions(names: &[&str]) -> Functions {
        let mut functions = Functions::new();
        for name in names {
            functions.insert(
                *name,
                Function::new(Arc::new(
                    |input: Value, _: TaskContext| async move { Ok(input) },
                )),
            );
        }
        functions
    }

    fn selected(functions: &Functions, vars: &[(&str, &str)]) -> Result<String, String> {
        functions
            .select(env(vars))
            .map(|(name, _)| name.to_string())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn the_task_variable_names_the_task() {
        let tasks = functions(&["ChargeCard", "ShipOrder"]);
        let vars = [
            (TASK_VARIABLE, "ShipOrder"),
            // As CloudFormation names a function: not a task's name.
            (FUNCTION_NAME_VARIABLE, "orders-ShipOrderFunction-1A2B3C"),
        ];
        assert_eq!(selected(&tasks, &vars).unwrap(), "ShipOrder");
        // Even where the function's name is another task's: the variable is what the
        // template sets.
        let vars = [
            (TASK_VARIABLE, "ShipOrder"),
            (FUNCTION_NAME_VARIABLE, "ChargeCard"),
        ];
        assert_eq!(selected(&tasks, &vars).unwrap(), "ShipOrder");
    }

    #[test]
    fn a_task_the_binary_does_not_serve_is_refused_with_those_it_serves() {
        let tasks = functions(&["ChargeCard", "ShipOrder"]);
        let error = selected(&tasks, &[(TASK_VARIABLE, "Refund")]).unwrap_err();
        assert!(
            error.contains("WORKFLOW_TASK names the task 'Refund'"),
            "{error}"
        );
        assert!(error.contains("'ChargeCard', 'ShipOrder'"), "{error}");
    }

    #[test]
    fn without_the_variable_the_function_name_or_the_only_task_is_served() {
        let tasks = functions(&["ChargeCard", "ShipOrder"]);
        let named = [(FUNCTION_NAME_VARIABLE, "ChargeCard")];
        assert_eq!(selected(&tasks, &named).unwrap(), "ChargeCard");
        let error = selected(&tasks, &[(FUNCTION_NAME_VARIABLE, "charge-card")]).unwrap_err();
        assert!(error.contains("set WORKFLOW_TASK"), "{error}");
        assert!(error.contains("'charge-card'"), "{error}");
        // One binary per task: the function's name does not matter.
        let one = functions(&["ChargeCard"]);
        assert_eq!(
            selected(&one, &[(FUNCTION_NAME_VARIABLE, "charge-card")]).unwrap(),
            "ChargeCard"
        );
        assert_eq!(
            selected(&Functions::new(), &[]).unwrap_err(),
            "this program was given no task to serve"
        );
    }

    #[test]
    fn a_process_outside_lambda_is_told_so_rather_than_panicking() {
        let error = check(&env(&[])).unwrap_err();
        assert!(
            matches!(error, ServeError::NotInLambda { variable } if variable == RUNTIME_API_VARIABLE)
        );
        let mut vars = LAMBDA.to_vec();
        assert!(matches!(
            check(&env(&vars)),
            Err(ServeError::NotInLambda {
                variable: FUNCTION_NAME_VARIABLE
            })
        ));
        vars.push((FUNCTION_NAME_VARIABLE, "ChargeCard"));
        assert!(check(&env(&vars)).is_ok());
        // What lambda_runtime would panic on.
        for (variable, value) in [
            (RUNTIME_API_VARIABLE, "/2018-06-01"),
            (MEMORY_SIZE_VARIABLE, "a lot"),
        ] {
            let mut bad = vars.clone();
            bad.retain(|(name, _)| *name != variable);
            bad.push((variable, value));
            let error = check(&env(&bad)).unwrap_err();
            assert!(
                matches!(&error, ServeError::InvalidVariable { variable: v, .. } if *v == variable),
                "{error}"
            );
        }
    }
}
