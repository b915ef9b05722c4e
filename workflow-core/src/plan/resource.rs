//! What a Task's `Resource` names, and whether AWS would recognise it.

/// How a Task waits for its work.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Integration {
    /// Call and take the response.
    RequestResponse,
    /// `.sync` (or `.sync:2`): wait for the job to finish.
    Sync,
    /// `.waitForTaskToken`: wait until someone sends the task token back.
    Callback,
}

/// What a Task resource is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResourceKind {
    /// `arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]`.
    LambdaFunction {
        /// The function name.
        function: String,
    },
    /// `arn:aws:states:::lambda:invoke[.waitForTaskToken]`: the function is named by the
    /// `FunctionName` parameter and the result wraps the return value in `Payload`.
    LambdaInvoke {
        /// Request-response or callback.
        integration: Integration,
    },
    /// `arn:aws:states:<region>:<account>:activity:<name>`.
    Activity {
        /// The activity name.
        name: String,
    },
    /// `arn:aws:states:::<service>:<action>[.sync|.waitForTaskToken]`, including
    /// `aws-sdk:<service>:<action>`.
    Service {
        /// The service (`sqs`, `aws-sdk:dynamodb`, ...).
        service: String,
        /// The action (`sendMessage`, `getItem`, ...).
        action: String,
        /// The integration pattern.
        integration: Integration,
    },
    /// `${Name}`: a substitution variable, resolved when the definition is deployed or bound
    /// by name when it runs here. `${Name}.waitForTaskToken` is a callback task whose resource
    /// is substituted (the `workflow!` macro writes `#[task(callback)]` functions so).
    Substitution {
        /// The variable name.
        name: String,
        /// Request-response, or callback with the `.waitForTaskToken` suffix.
        integration: Integration,
    },
}

impl ResourceKind {
    /// The integration pattern.
    pub fn integration(&self) -> Integration {
        match self {
            ResourceKind::LambdaInvoke { integration }
            | ResourceKind::Service { integration, .. }
            | ResourceKind::Substitution { integration, .. } => *integration,
            _ => Integration::RequestResponse,
        }
    }
}

/// Optimized integrations and the actions AWS supports for them. `None` means every action
/// is accepted (the service's list is long or open-ended). Patterns: request-response, `.sync`,
/// `.waitForTaskToken`.
const SERVICES: &[(&str, Option<&[&str]>, bool, bool)] = &[
    ("lambda", Some(&["invoke"]), false, true),
    (
        "dynamodb",
        Some(&["getItem", "putItem", "updateItem", "deleteItem"]),
        false,
        false,
    ),
    ("sns", Some(&["publish"]), false, true),
    ("sqs", Some(&["sendMessage"]), false, true),
    ("states", Some(&["startExecution"]), true, true),
    ("events", Some(&["putEvents"]), false, true),
    ("apigateway", Some(&["invoke"]), false, true),
    ("http", Some(&["invoke"]), false, false),
    ("ecs", Some(&["runTask"]), true, true),
    ("eks", None, true, true),
    ("batch", Some(&["submitJob"]), true, false),
    ("glue", Some(&["startJobRun"]), true, false),
    ("databrew", Some(&["startJobRun"]), true, false),
    ("athena", None, true, false),
    ("codebuild", None, true, false),
    ("elasticmapreduce", None, true, false),
    ("emr-containers", None, true, false),
    ("emr-serverless", None, true, false),
    ("mediaconvert", Some(&["createJob"]), true, false),
    ("sagemaker", None, true, false),
    ("bedrock", None, true, true),
    ("bedrock-agentcore", None, true, true),
];

/// Classifies a resource. `Err` carries the AWS message for a resource it would not recognise.
pub fn classify_resource(resource: &str) -> Result<ResourceKind, String> {
    let not_recognized = || {
        format!(
            "The resource provided {resource} is not recognized. The value is not a valid resource ARN, or the resource is not available in this region."
        )
    };
    if let Some(rest) = resource.strip_prefix("${") {
        let (rest, integration) = match rest.strip_suffix(".waitForTaskToken") {
            Some(r) => (r, Integration::Callback),
            None => (rest, Integration::RequestResponse),
        };
        if let Some(name) = rest.strip_suffix('}')
            && !name.is_empty()
            && !name.contains(['{', '}'])
        {
            return Ok(ResourceKind::Substitution {
                name: name.to_string(),
                integration,
            });
        }
        return Err(not_recognized());
    }
    let parts: Vec<&str> = resource.splitn(7, ':').collect();
    if parts.len() < 6 || parts[0] != "arn" || parts[1].is_empty() {
        return Err(not_recognized());
    }
    match (parts[2], parts.get(5).copied()) {
        ("lambda", Some("function")) => {
            let function = parts.get(6).map(|f| f.split(':').next().unwrap_or(f));
            match function {
                Some(f) if !f.is_empty() => Ok(ResourceKind::LambdaFunction {
                    function: f.to_string(),
                }),
                _ => Err(not_recognized()),
            }
        }
        ("states", Some("activity")) => match parts.get(6) {
            Some(name) if !name.is_empty() => Ok(ResourceKind::Activity {
                name: name.to_string(),
            }),
            _ => Err(not_recognized()),
        },
        ("states", _) if parts[3].is_empty() && parts[4].is_empty() => {
            // arn:aws:states:::<service>:<action>[.pattern]
            let rest = resource.splitn(6, ':').nth(5).unwrap_or_default();
            service_integration(rest).ok_or_else(not_recognized)
        }
        _ => Err(not_recognized()),
    }
}

fn service_integration(rest: &str) -> Option<ResourceKind> {
    let (path, integration) = if let Some(p) = rest.strip_suffix(".waitForTaskToken") {
        (p, Integration::Callback)
    } else if let Some(p) = rest
        .strip_suffix(".sync:2")
        .or_else(|| rest.strip_suffix(".sync"))
    {
        (p, Integration::Sync)
    } else {
        (rest, Integration::RequestResponse)
    };
    if let Some(sdk) = path.strip_prefix("aws-sdk:") {
        let (service, action) = sdk.split_once(':')?;
        if service.is_empty() || action.is_empty() || integration == Integration::Sync {
            return None;
        }
        return Some(ResourceKind::Service {
            service: format!("aws-sdk:{service}"),
            action: action.to_string(),
            integration,
        });
    }
    let (service, action) = path.split_once(':')?;
    let (_, actions, sync, callback) = SERVICES.iter().find(|(s, ..)| *s == service)?;
    if let Some(actions) = actions
        && !actions.contains(&action)
    {
        return None;
    }
    if action.is_empty()
        || (integration == Integration::Sync && !sync)
        || (integration == Integration::Callback && !callback)
    {
        return None;
    }
    if service == "lambda" {
        return Some(ResourceKind::LambdaInvoke { integration });
    }
    Some(ResourceKind::Service {
        service: service.to_string(),
        action: action.to_string(),
        integration,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_what_aws_recognises() {
        assert_eq!(
            classify_resource("arn:aws:lambda:us-east-1:111111111111:function:identity"),
            Ok(ResourceKind::LambdaFunction {
                function: "identity".into()
            })
        );
        assert_eq!(
            classify_resource("arn:aws:lambda:us-east-1:111111111111:function:identity:prod"),
            Ok(ResourceKind::LambdaFunction {
                function: "identity".into()
            })
        );
        assert_eq!(
            classify_resource("arn:aws:states:::lambda:invoke"),
            Ok(ResourceKind::LambdaInvoke {
                integration: Integration::RequestResponse
            })
        );
        assert_eq!(
            classify_resource("arn:aws:states:::lambda:invoke.waitForTaskToken")
                .unwrap()
                .integration(),
            Integration::Callback
        );
        assert_eq!(
            classify_resource("arn:aws:states:::states:startExecution.sync:2")
                .unwrap()
                .integration(),
            Integration::Sync
        );
        assert!(classify_resource("arn:aws:states:::aws-sdk:dynamodb:query").is_ok());
        assert!(classify_resource("arn:aws:states:us-east-1:1:activity:approve").is_ok());
        assert_eq!(
            classify_resource("${ChargePayment}"),
            Ok(ResourceKind::Substitution {
                name: "ChargePayment".into(),
                integration: Integration::RequestResponse
            })
        );
        assert_eq!(
            classify_resource("${Approve}.waitForTaskToken")
                .unwrap()
                .integration(),
            Integration::Callback
        );
    }

    #[test]
    fn rejects_what_aws_rejects() {
        let err = classify_resource("arn:aws:states:::dynamodb:query").unwrap_err();
        assert_eq!(
            err,
            "The resource provided arn:aws:states:::dynamodb:query is not recognized. The value is not a valid resource ARN, or the resource is not available in this region."
        );
        for bad in [
            "validate",
            "arn:aws:states:::dynamodb:getItem.sync",
            "arn:aws:states:::nosuchservice:doIt",
            "arn:aws:states:::aws-sdk:s3:getObject.sync",
            "arn:aws:lambda:us-east-1:1:function:",
            "${}",
            "${A}.sync",
            "${A}b}",
        ] {
            assert!(classify_resource(bad).is_err(), "{bad}");
        }
    }
}
