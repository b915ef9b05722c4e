//! The least-privilege IAM policy of a state machine's execution role: one statement per
//! permission its tasks need, each on the resources the definition names.
//!
//! The statements follow AWS's "IAM policies for integrated services" pages, which give the
//! policy the Step Functions console writes for each optimized integration
//! (<https://docs.aws.amazon.com/step-functions/latest/dg/service-integration-iam-templates.html>):
//! a resource written in the definition (*static*) is named; one read from the input at run
//! time (*dynamic*: a `.$` field, a JSONata expression) is `"Resource": "*"`. Where a page
//! grants more than the call needs, the policy grants less, and the code says so:
//! DynamoDB's page grants the four item actions to any DynamoDB task, here a task gets the
//! action it calls.
//!
//! ```
//! use workflow_core::deploy::pattern::PlainValues;
//! use workflow_core::deploy::policy::{PolicyOptions, policy};
//! use workflow_core::model::StateMachine;
//!
//! let machine = StateMachine::from_json_str(r#"{"StartAt": "Save", "States": {"Save": {
//!     "Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
//!     "Parameters": {"TableName": "Orders", "Item": {"id": {"S.$": "$.id"}}}, "End": true}}}"#).unwrap();
//! let values = PlainValues::default();
//! let document = policy(&machine, &PolicyOptions::default()).document(&|p| values.render(p).into());
//! assert_eq!(document["Statement"][0]["Action"][0], "dynamodb:PutItem");
//! assert_eq!(document["Statement"][0]["Resource"][0], "arn:aws:dynamodb:*:*:table/Orders");
//! ```

use serde_json::{Map, Value, json};

use super::pattern::{Pattern, Piece, pieces};
use crate::diagnostic::push_pointer;
use crate::model::{MapState, QueryLanguage, State, StateKind, StateMachine, States, Task};
use crate::plan::{Integration, ResourceKind, classify_resource};

/// AWS's pages for each integration's policy, cited in the notes and the code.
pub mod docs {
    /// Static and dynamic resources; the `.sync` pattern's extra permissions.
    pub const OVERVIEW: &str = "https://docs.aws.amazon.com/step-functions/latest/dg/service-integration-iam-templates.html";
    /// Lambda.
    pub const LAMBDA: &str = "https://docs.aws.amazon.com/step-functions/latest/dg/lambda-iam.html";
    /// DynamoDB.
    pub const DYNAMODB: &str =
        "https://docs.aws.amazon.com/step-functions/latest/dg/connect-ddb.html";
    /// SNS.
    pub const SNS: &str = "https://docs.aws.amazon.com/step-functions/latest/dg/connect-sns.html";
    /// SQS.
    pub const SQS: &str = "https://docs.aws.amazon.com/step-functions/latest/dg/connect-sqs.html";
    /// EventBridge.
    pub const EVENTBRIDGE: &str =
        "https://docs.aws.amazon.com/step-functions/latest/dg/connect-eventbridge.html";
    /// Step Functions (StartExecution, with and without `.sync`).
    pub const STEP_FUNCTIONS: &str =
        "https://docs.aws.amazon.com/step-functions/latest/dg/stepfunctions-iam.html";
    /// ECS and Fargate.
    pub const ECS: &str = "https://docs.aws.amazon.com/step-functions/latest/dg/ecs-iam.html";
    /// Batch.
    pub const BATCH: &str =
        "https://docs.aws.amazon.com/step-functions/latest/dg/connect-batch.html";
    /// Glue.
    pub const GLUE: &str = "https://docs.aws.amazon.com/step-functions/latest/dg/connect-glue.html";
    /// HTTP Task ("IAM permissions to run an HTTP Task").
    pub const HTTP: &str =
        "https://docs.aws.amazon.com/step-functions/latest/dg/call-https-apis.html";
    /// Activities, or no task at all.
    pub const ACTIVITIES: &str =
        "https://docs.aws.amazon.com/step-functions/latest/dg/activities-iam.html";
    /// Distributed Map.
    pub const DISTRIBUTED_MAP: &str =
        "https://docs.aws.amazon.com/step-functions/latest/dg/iam-policies-eg-dist-map.html";
    /// Logging to CloudWatch Logs.
    pub const LOGS: &str = "https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html";
    /// X-Ray tracing.
    pub const XRAY: &str = "https://docs.aws.amazon.com/step-functions/latest/dg/xray-iam.html";
}

/// What the role needs besides the tasks' permissions.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PolicyOptions {
    /// The machine logs to CloudWatch Logs: add the log-delivery permissions.
    pub logging: bool,
    /// The machine is traced with X-Ray: add the tracing permissions.
    pub tracing: bool,
}

impl PolicyOptions {
    /// With or without the log-delivery permissions.
    pub fn logging(mut self, on: bool) -> PolicyOptions {
        self.logging = on;
        self
    }

    /// With or without the X-Ray permissions.
    pub fn tracing(mut self, on: bool) -> PolicyOptions {
        self.tracing = on;
        self
    }
}

/// A condition of a statement: `"<operator>": {"<key>": <value>}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    /// `StringEquals`, `StringLike`.
    pub operator: &'static str,
    /// The condition key (`states:HTTPMethod`).
    pub key: &'static str,
    /// The value.
    pub value: Pattern,
}

/// One `Allow` statement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Statement {
    /// The actions, as IAM spells them.
    pub actions: Vec<&'static str>,
    /// The resources; `[Pattern::Any]` alone when any resource is allowed.
    pub resources: Vec<Pattern>,
    /// The conditions, if any.
    pub conditions: Vec<Condition>,
}

/// Something the policy could not cover by itself, at the definition's JSON pointer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// JSON pointer of the state or field.
    pub pointer: String,
    /// What to add by hand, and where AWS documents it.
    pub message: String,
}

/// What a `${Name}` substitution of the definition stands for, from where it is used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubstitutionUse {
    /// The substitution.
    pub name: String,
    /// What its value is: "the ARN of a Lambda function", "the name of a DynamoDB table", ...
    pub what: &'static str,
}

/// The policy of a state machine's role, and what was learnt on the way.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    /// The statements, in the order the definition first needs them.
    pub statements: Vec<Statement>,
    /// What the policy leaves to the user.
    pub notes: Vec<Note>,
    /// The substitutions that are the workflow's own Lambda functions (a Task's
    /// `"Resource": "${Name}"`, or the `FunctionName` of a Lambda invocation), in order.
    pub functions: Vec<String>,
    /// What each substitution used in a task's parameters stands for.
    pub uses: Vec<SubstitutionUse>,
}

/// `the ARN of a Lambda function`: what a function substitution holds.
pub const FUNCTION_ARN: &str = "the ARN of a Lambda function";

impl Policy {
    /// The policy document. `render` writes a [`Pattern`] as a JSON value (plain text, or
    /// CloudFormation's `Fn::Sub`). A role with nothing to allow gets the policy AWS gives a
    /// machine of activities only: deny everything ([`docs::ACTIVITIES`]).
    pub fn document(&self, render: &dyn Fn(&Pattern) -> Value) -> Value {
        let statements: Vec<Value> = if self.statements.is_empty() {
            vec![json!({"Effect": "Deny", "Action": "*", "Resource": "*"})]
        } else {
            self.statements
                .iter()
                .map(|s| statement_json(s, render))
                .collect()
        };
        json!({"Version": "2012-10-17", "Statement": statements})
    }
}

fn statement_json(statement: &Statement, render: &dyn Fn(&Pattern) -> Value) -> Value {
    let mut out = Map::new();
    out.insert("Effect".into(), json!("Allow"));
    out.insert("Action".into(), json!(statement.actions));
    let resource = if statement.resources.iter().any(Pattern::is_any) {
        json!("*")
    } else {
        // Patterns that differ may be written alike (two substitutions without values).
        let mut rendered: Vec<Value> = Vec::new();
        for value in statement.resources.iter().map(render) {
            if !rendered.contains(&value) {
                rendered.push(value);
            }
        }
        Value::Array(rendered)
    };
    out.insert("Resource".into(), resource);
    if !statement.conditions.is_empty() {
        let mut by_operator = Map::new();
        for c in &statement.conditions {
            let entry = by_operator
                .entry(c.operator)
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(keys) = entry {
                keys.insert(c.key.to_string(), render(&c.value));
            }
        }
        out.insert("Condition".into(), Value::Object(by_operator));
    }
    Value::Object(out)
}

/// The actions of the managed EventBridge rule through which a `.sync` task learns that its
/// job ended ([`docs::OVERVIEW`]).
const RULE_ACTIONS: &[&str] = &["events:PutTargets", "events:PutRule", "events:DescribeRule"];

/// Log delivery to CloudWatch Logs, on `*` as AWS documents it ([`docs::LOGS`]): these
/// actions have no resource type. AWS's example also lists `logs:PutLogEvents`, which the
/// role does not use (CloudWatch Logs delivers vended logs itself, under the log group's
/// resource policy that `logs:PutResourcePolicy` writes) and which would be the only action
/// on `*` that could be narrowed; it is left out.
const LOG_DELIVERY_ACTIONS: &[&str] = &[
    "logs:CreateLogDelivery",
    "logs:GetLogDelivery",
    "logs:UpdateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:DescribeResourcePolicies",
    "logs:DescribeLogGroups",
];

/// X-Ray, on `*` as AWS documents it ([`docs::XRAY`]).
const XRAY_ACTIONS: &[&str] = &[
    "xray:PutTraceSegments",
    "xray:PutTelemetryRecords",
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
];

/// The policy a machine's role needs: its tasks' permissions, then logging's and tracing's.
pub fn policy(machine: &StateMachine, options: &PolicyOptions) -> Policy {
    let mut builder = Builder {
        machine,
        policy: Policy::default(),
    };
    if crate::nesting::scopes_too_deep(machine) {
        // The validator refuses such a machine; say so rather than walk it.
        builder.note(
            "",
            "the state machine nests deeper than the validator allows: no policy".to_string(),
        );
    } else {
        builder.states(&machine.states, "");
    }
    if options.logging {
        builder.allow(LOG_DELIVERY_ACTIONS, vec![Pattern::Any], Vec::new());
    }
    if options.tracing {
        builder.allow(XRAY_ACTIONS, vec![Pattern::Any], Vec::new());
    }
    builder.policy
}

/// A field of a task's parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Field<'a> {
    Absent,
    /// Written in the definition.
    Static(&'a Value),
    /// Read at run time (`Name.$`, a JSONata expression).
    Dynamic,
}

impl<'a> Field<'a> {
    fn text(self) -> Option<&'a str> {
        match self {
            Field::Static(Value::String(s)) => Some(s),
            _ => None,
        }
    }
}

/// A task's `Parameters` (JSONPath) or `Arguments` (JSONata), or an object inside them.
#[derive(Clone, Copy)]
struct Args<'a> {
    value: Option<&'a Value>,
    jsonata: bool,
}

fn is_jsonata(value: &Value) -> bool {
    value
        .as_str()
        .map(str::trim)
        .is_some_and(|s| s.starts_with("{%") && s.ends_with("%}"))
}

impl<'a> Args<'a> {
    fn get(self, key: &str) -> Field<'a> {
        let Some(value) = self.value else {
            return Field::Absent;
        };
        if self.jsonata && is_jsonata(value) {
            return Field::Dynamic;
        }
        let Value::Object(map) = value else {
            return Field::Absent;
        };
        if !self.jsonata && map.contains_key(&format!("{key}.$")) {
            return Field::Dynamic;
        }
        match map.get(key) {
            None => Field::Absent,
            Some(v) if self.jsonata && is_jsonata(v) => Field::Dynamic,
            Some(v) => Field::Static(v),
        }
    }

    fn nested(self, value: &'a Value) -> Args<'a> {
        Args {
            value: Some(value),
            jsonata: self.jsonata,
        }
    }
}

struct Builder<'m> {
    machine: &'m StateMachine,
    policy: Policy,
}

/// The single substitution a text is made of (`${Charge}`), if that is all it is.
fn whole_substitution(text: &str) -> Option<String> {
    match pieces(text).as_slice() {
        [Piece::Substitution(name)] => Some(name.clone()),
        _ => None,
    }
}

fn arn_pieces(service: &str, resource: &str) -> Vec<Piece> {
    match Pattern::arn(service, pieces(resource)) {
        Pattern::Pieces(p) => p,
        _ => Vec::new(),
    }
}

/// The rule through which `.sync` tasks of a service hear that their job ended.
fn managed_rule(name: &str) -> Pattern {
    Pattern::arn("events", pieces(&format!("rule/{name}")))
}

fn own_state_machine(resource_type: &str, suffix: &str) -> Pattern {
    Pattern::arn(
        "states",
        vec![
            Piece::Text(format!("{resource_type}:")),
            Piece::StateMachineName,
            Piece::Text(suffix.to_string()),
        ],
    )
}

impl Builder<'_> {
    fn note(&mut self, pointer: &str, message: String) {
        self.policy.notes.push(Note {
            pointer: pointer.to_string(),
            message,
        });
    }

    /// Adds `actions` on `resources`: to the statement with the same actions and conditions
    /// if there is one, else as a new statement.
    fn allow(
        &mut self,
        actions: &[&'static str],
        resources: Vec<Pattern>,
        conditions: Vec<Condition>,
    ) {
        if resources.is_empty() {
            return;
        }
        let statements = &mut self.policy.statements;
        let index = match statements
            .iter()
            .position(|s| s.actions == actions && s.conditions == conditions)
        {
            Some(i) => i,
            None => {
                statements.push(Statement {
                    actions: actions.to_vec(),
                    resources: Vec::new(),
                    conditions,
                });
                statements.len() - 1
            }
        };
        let statement = &mut statements[index];
        for r in resources {
            if !statement.resources.contains(&r) {
                statement.resources.push(r);
            }
        }
        if statement.resources.iter().any(Pattern::is_any) {
            statement.resources = vec![Pattern::Any];
        }
    }

    /// Records what the substitutions of a static value stand for.
    fn uses(&mut self, text: &str, what: &'static str) {
        for piece in pieces(text) {
            if let Piece::Substitution(name) = piece
                && !self.policy.uses.iter().any(|u| u.name == name)
            {
                self.policy.uses.push(SubstitutionUse { name, what });
            }
        }
    }

    /// A static ARN field: a whole substitution stands for the ARN (`fallback_resource` is
    /// the resource part written while it has no value); anything else is the ARN as written.
    fn arn_field(
        &mut self,
        text: &str,
        service: &str,
        fallback_resource: &str,
        what: &'static str,
    ) -> Pattern {
        self.uses(text, what);
        match whole_substitution(text) {
            Some(name) => Pattern::Substituted {
                name,
                suffix: String::new(),
                fallback: arn_pieces(service, fallback_resource),
            },
            None => Pattern::written(text),
        }
    }

    fn states(&mut self, states: &States, prefix: &str) {
        let states_pointer = format!("{prefix}/States");
        for (name, state) in states {
            let pointer = push_pointer(&states_pointer, name);
            match &state.kind {
                StateKind::Task(task) => self.task(state, task, &pointer),
                StateKind::Parallel(p) => {
                    for (i, branch) in p.branches.iter().enumerate() {
                        self.states(&branch.states, &format!("{pointer}/Branches/{i}"));
                    }
                }
                StateKind::Map(m) => {
                    let jsonata = self.machine.effective_language(state) == QueryLanguage::Jsonata;
                    if distributed(m) {
                        self.distributed_map(m, jsonata, &pointer);
                    }
                    let field = m.processor_field();
                    self.states(&m.item_processor.states, &format!("{pointer}/{field}"));
                }
                _ => {}
            }
        }
    }

    fn task(&mut self, state: &State, task: &Task, pointer: &str) {
        let jsonata = self.machine.effective_language(state) == QueryLanguage::Jsonata;
        let args = Args {
            value: if jsonata {
                state.arguments.as_ref()
            } else {
                state.parameters.as_ref()
            },
            jsonata,
        };
        let resource_pointer = format!("{pointer}/Resource");
        let kind = match classify_resource(&task.resource) {
            Ok(kind) => kind,
            Err(why) => {
                self.note(&resource_pointer, why);
                return;
            }
        };
        match kind {
            // A function named in `Resource`: invoked as written, qualifier included
            // ([`docs::LAMBDA`]).
            ResourceKind::LambdaFunction { .. } => {
                self.allow(
                    &["lambda:InvokeFunction"],
                    vec![Pattern::written(&task.resource)],
                    Vec::new(),
                );
            }
            // `${Name}`: one of the workflow's functions, deployed as a Lambda function.
            ResourceKind::Substitution { name, integration } => {
                if integration == Integration::Callback {
                    self.note(
                        &resource_pointer,
                        format!(
                            "`${{{name}}}.waitForTaskToken` is the local form of a callback task: on AWS it is `arn:aws:states:::lambda:invoke.waitForTaskToken` with `\"FunctionName\": \"${{{name}}}\"`, as `workflow!` exports it ({})",
                            docs::LAMBDA
                        ),
                    );
                }
                let function = self.function(&name);
                self.allow(&["lambda:InvokeFunction"], vec![function], Vec::new());
            }
            ResourceKind::LambdaInvoke { .. } => {
                let function = match args.get("FunctionName") {
                    Field::Static(Value::String(f)) => {
                        self.lambda_function(f, args.get("Qualifier"))
                    }
                    _ => Pattern::Any,
                };
                self.allow(&["lambda:InvokeFunction"], vec![function], Vec::new());
            }
            // Activity workers call Step Functions with their own credentials: the role needs
            // nothing for them ([`docs::ACTIVITIES`]).
            ResourceKind::Activity { .. } => {}
            ResourceKind::Service {
                service,
                action,
                integration,
            } => self.service(&service, &action, integration, args, &resource_pointer),
        }
    }

    /// The substitution `name` as one of the workflow's Lambda functions.
    fn function(&mut self, name: &str) -> Pattern {
        if !self.policy.functions.iter().any(|f| f == name) {
            self.policy.functions.push(name.to_string());
        }
        if !self.policy.uses.iter().any(|u| u.name == name) {
            self.policy.uses.push(SubstitutionUse {
                name: name.to_string(),
                what: FUNCTION_ARN,
            });
        }
        Pattern::Substituted {
            name: name.to_string(),
            suffix: String::new(),
            fallback: arn_pieces("lambda", "function:*"),
        }
    }

    /// The function a Lambda invocation names: a name, a partial ARN or an ARN, with or
    /// without a qualifier (in the name or in `Qualifier`). Invoking a version or alias needs
    /// the qualified ARN, an unqualified call the unqualified one
    /// (<https://docs.aws.amazon.com/lambda/latest/dg/lambda-api-permissions-ref.html>).
    fn lambda_function(&mut self, function: &str, qualifier: Field<'_>) -> Pattern {
        let suffix = match qualifier {
            Field::Static(Value::String(q)) => format!(":{q}"),
            Field::Static(_) | Field::Absent => String::new(),
            Field::Dynamic => ":*".to_string(),
        };
        if let Some(name) = whole_substitution(function) {
            return match self.function(&name) {
                Pattern::Substituted { name, fallback, .. } => Pattern::Substituted {
                    name,
                    suffix,
                    fallback,
                },
                other => other,
            };
        }
        self.uses(function, FUNCTION_ARN);
        let fields: Vec<&str> = function.split(':').collect();
        // arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>],
        // <account>:function:<name>[:<qualifier>], or <name>[:<qualifier>].
        let (prefix, name_and_qualifier): (Vec<Piece>, &[&str]) = if fields[0] == "arn" {
            let head = fields[..fields.len().min(6)].join(":");
            (pieces(&format!("{head}:")), &fields[fields.len().min(6)..])
        } else if fields.len() >= 3 && fields[1] == "function" {
            let prefix = vec![
                Piece::Text("arn:".into()),
                Piece::Partition,
                Piece::Text(":lambda:".into()),
                Piece::Region,
                Piece::Text(format!(":{}:function:", fields[0])),
            ];
            (prefix, &fields[2..])
        } else {
            (arn_pieces("lambda", "function:"), &fields[..])
        };
        let mut text = name_and_qualifier.join(":");
        // A name that carries its qualifier (`price:7`) keeps it; Lambda refuses a second one.
        if name_and_qualifier.len() == 1 {
            text.push_str(&suffix);
        }
        let mut all = prefix;
        all.extend(pieces(&text));
        Pattern::Pieces(all)
    }

    fn service(
        &mut self,
        service: &str,
        action: &str,
        integration: Integration,
        args: Args<'_>,
        pointer: &str,
    ) {
        let sync = integration == Integration::Sync;
        match service {
            // [`docs::DYNAMODB`] grants GetItem, PutItem, UpdateItem and DeleteItem together;
            // a task needs only the action it calls.
            "dynamodb" => {
                let iam_action = match action {
                    "getItem" => "dynamodb:GetItem",
                    "putItem" => "dynamodb:PutItem",
                    "updateItem" => "dynamodb:UpdateItem",
                    _ => "dynamodb:DeleteItem",
                };
                let table = match args.get("TableName").text() {
                    Some(t) if t.starts_with("arn:") => {
                        self.uses(t, "the ARN of a DynamoDB table");
                        Pattern::written(t)
                    }
                    Some(t) => {
                        self.uses(t, "the name of a DynamoDB table");
                        Pattern::arn("dynamodb", pieces(&format!("table/{t}")))
                    }
                    None => Pattern::Any,
                };
                self.allow(&[iam_action], vec![table], Vec::new());
            }
            // Publishing to a `TargetArn` or a `PhoneNumber` is allowed on `*` ([`docs::SNS`]).
            "sns" => {
                let topic = if args.get("TargetArn") != Field::Absent
                    || args.get("PhoneNumber") != Field::Absent
                {
                    Pattern::Any
                } else {
                    match args.get("TopicArn").text() {
                        Some(t) => self.arn_field(t, "sns", "*", "the ARN of an SNS topic"),
                        None => Pattern::Any,
                    }
                };
                self.allow(&["sns:Publish"], vec![topic], Vec::new());
            }
            "sqs" => {
                let queue = match args.get("QueueUrl").text() {
                    Some(url) => self.queue(url, pointer),
                    None => Pattern::Any,
                };
                self.allow(&["sqs:SendMessage"], vec![queue], Vec::new());
            }
            "events" => {
                let buses = self.event_buses(args);
                self.allow(&["events:PutEvents"], buses, Vec::new());
            }
            "states" => self.start_execution(args, sync),
            "ecs" => self.ecs(args, sync, pointer),
            // AWS Batch supports resource-level permissions only in part: AWS's policy is on
            // `*` ([`docs::BATCH`]).
            "batch" => {
                if sync {
                    self.allow(
                        &["batch:SubmitJob", "batch:DescribeJobs", "batch:TerminateJob"],
                        vec![Pattern::Any],
                        Vec::new(),
                    );
                    self.allow(
                        RULE_ACTIONS,
                        vec![managed_rule("StepFunctionsGetEventsForBatchJobsRule")],
                        Vec::new(),
                    );
                } else {
                    self.allow(&["batch:SubmitJob"], vec![Pattern::Any], Vec::new());
                }
            }
            // "AWS Glue does not have resource-based control" ([`docs::GLUE`]).
            "glue" => {
                if sync {
                    self.allow(
                        &[
                            "glue:StartJobRun",
                            "glue:GetJobRun",
                            "glue:GetJobRuns",
                            "glue:BatchStopJobRun",
                        ],
                        vec![Pattern::Any],
                        Vec::new(),
                    );
                } else {
                    self.allow(&["glue:StartJobRun"], vec![Pattern::Any], Vec::new());
                }
            }
            "http" => self.http(args),
            other => self.note(
                pointer,
                format!(
                    "the {other}:{action} integration's permissions are not written by this tool: add them by hand ({})",
                    docs::OVERVIEW
                ),
            ),
        }
    }

    /// The queue of a `QueueUrl` ([`docs::SQS`]): `https://sqs.<region>.amazonaws.com/<account>/<name>`
    /// is `arn:<partition>:sqs:<region>:<account>:<name>`.
    fn queue(&mut self, url: &str, pointer: &str) -> Pattern {
        self.uses(url, "the URL of an SQS queue");
        if let Some(name) = whole_substitution(url) {
            // The queue's account and name are fields of the URL the stack fills in.
            let field = |index| Piece::SubstitutionField {
                name: name.clone(),
                separator: '/',
                index,
            };
            return Pattern::Pieces(vec![
                Piece::Text("arn:".into()),
                Piece::Partition,
                Piece::Text(":sqs:".into()),
                Piece::Region,
                Piece::Text(":".into()),
                field(3),
                Piece::Text(":".into()),
                field(4),
            ]);
        }
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"));
        let parts: Vec<&str> = rest.map(|r| r.split('/').collect()).unwrap_or_default();
        let [host, account, queue] = parts.as_slice() else {
            self.note(
                pointer,
                format!("the QueueUrl {url} is not an SQS queue URL: the policy allows any queue"),
            );
            return Pattern::Any;
        };
        // sqs.<region>.amazonaws.com, <region>.queue.amazonaws.com, queue.amazonaws.com
        // (us-east-1's legacy name); any other host keeps the deploying region.
        let labels: Vec<&str> = host.split('.').collect();
        let region = match labels.as_slice() {
            ["sqs", region, ..] => Piece::Text((*region).to_string()),
            [region, "queue", ..] => Piece::Text((*region).to_string()),
            ["queue", "amazonaws", ..] => Piece::Text("us-east-1".into()),
            _ => Piece::Region,
        };
        let mut all = vec![
            Piece::Text("arn:".into()),
            Piece::Partition,
            Piece::Text(":sqs:".into()),
            region,
            Piece::Text(":".into()),
        ];
        all.extend(pieces(&format!("{account}:{queue}")));
        Pattern::Pieces(all)
    }

    /// The event buses of `PutEvents` entries ([`docs::EVENTBRIDGE`]): an entry without
    /// `EventBusName` goes to the default bus; a dynamic one to any bus, as AWS writes it
    /// (`arn:aws:events:*:*:event-bus/*`).
    fn event_buses(&mut self, args: Args<'_>) -> Vec<Pattern> {
        let any_bus = || {
            Pattern::Pieces(vec![
                Piece::Text("arn:".into()),
                Piece::Partition,
                Piece::Text(":events:*:*:event-bus/*".into()),
            ])
        };
        let Field::Static(Value::Array(entries)) = args.get("Entries") else {
            return vec![any_bus()];
        };
        let mut buses = Vec::new();
        for entry in entries {
            let bus = match args.nested(entry).get("EventBusName") {
                Field::Absent => Pattern::arn("events", pieces("event-bus/default")),
                Field::Static(Value::String(b)) if b.starts_with("arn:") => {
                    self.arn_field(b, "events", "event-bus/*", "the ARN of an event bus")
                }
                Field::Static(Value::String(b)) => {
                    self.uses(b, "the name of an event bus");
                    Pattern::arn("events", pieces(&format!("event-bus/{b}")))
                }
                _ => any_bus(),
            };
            buses.push(bus);
        }
        buses
    }

    /// `states:startExecution`, `.sync`, `.sync:2` and `.waitForTaskToken`
    /// ([`docs::STEP_FUNCTIONS`]): starting the child; for `.sync`, describing and stopping
    /// its executions, and the managed rule that reports their end.
    fn start_execution(&mut self, args: Args<'_>, sync: bool) {
        let (machine, executions) = match args.get("StateMachineArn").text() {
            Some(arn) => {
                let machine = self.arn_field(
                    arn,
                    "states",
                    "stateMachine:*",
                    "the ARN of a state machine",
                );
                let executions = match whole_substitution(arn) {
                    Some(name) => Pattern::Pieces(vec![
                        Piece::Text("arn:".into()),
                        Piece::Partition,
                        Piece::Text(":states:".into()),
                        Piece::Region,
                        Piece::Text(":".into()),
                        Piece::Account,
                        Piece::Text(":execution:".into()),
                        Piece::SubstitutionField {
                            name,
                            separator: ':',
                            index: 6,
                        },
                        Piece::Text(":*".into()),
                    ]),
                    None => {
                        // arn:<partition>:states:<region>:<account>:stateMachine:<name>[:<qualifier>]
                        let f: Vec<&str> = arn.split(':').collect();
                        if f.len() >= 7 && f[5] == "stateMachine" {
                            Pattern::written(&format!(
                                "arn:{}:states:{}:{}:execution:{}:*",
                                f[1], f[3], f[4], f[6]
                            ))
                        } else {
                            Pattern::Any
                        }
                    }
                };
                (machine, executions)
            }
            None => (Pattern::Any, Pattern::Any),
        };
        self.allow(&["states:StartExecution"], vec![machine], Vec::new());
        if sync {
            self.allow(
                &["states:DescribeExecution", "states:StopExecution"],
                vec![executions],
                Vec::new(),
            );
            self.allow(
                RULE_ACTIONS,
                vec![managed_rule(
                    "StepFunctionsGetEventsForStepFunctionsExecutionRule",
                )],
                Vec::new(),
            );
        }
    }

    /// `ecs:runTask` ([`docs::ECS`]): RunTask on the task definition; for `.sync`, stopping
    /// and describing the task, on `*` since its id is known only once it runs, and the
    /// managed rule.
    fn ecs(&mut self, args: Args<'_>, sync: bool, pointer: &str) {
        let definition = match args.get("TaskDefinition").text() {
            Some(d) if d.starts_with("arn:") || whole_substitution(d).is_some() => {
                let pattern = self.arn_field(
                    d,
                    "ecs",
                    "task-definition/*",
                    "the ARN of an ECS task definition, with its revision",
                );
                // RunTask is authorized on `task-definition/<family>:<revision>`: a family
                // without a revision (its latest) is every revision of the family.
                match pattern {
                    Pattern::Pieces(_) if !d.rsplit('/').next().unwrap_or("").contains(':') => {
                        Pattern::written(&format!("{d}:*"))
                    }
                    other => other,
                }
            }
            Some(d) => {
                self.uses(d, "an ECS task definition (family:revision)");
                let revision = if d.contains(':') { "" } else { ":*" };
                Pattern::arn("ecs", pieces(&format!("task-definition/{d}{revision}")))
            }
            None => Pattern::Any,
        };
        if sync {
            if definition.is_any() {
                self.allow(
                    &["ecs:RunTask", "ecs:StopTask", "ecs:DescribeTasks"],
                    vec![Pattern::Any],
                    Vec::new(),
                );
            } else {
                self.allow(&["ecs:RunTask"], vec![definition], Vec::new());
                self.allow(
                    &["ecs:StopTask", "ecs:DescribeTasks"],
                    vec![Pattern::Any],
                    Vec::new(),
                );
            }
            self.allow(
                RULE_ACTIONS,
                vec![managed_rule("StepFunctionsGetEventsForECSTaskRule")],
                Vec::new(),
            );
        } else {
            self.allow(&["ecs:RunTask"], vec![definition], Vec::new());
        }
        self.note(
            pointer,
            format!(
                "a task definition with a task role or an execution role also needs iam:PassRole on those roles, which the definition does not name ({})",
                docs::ECS
            ),
        );
    }

    /// The HTTP Task ([`docs::HTTP`]): `states:InvokeHTTPEndpoint` on the state machine
    /// itself, for the method and endpoint written in the definition; the connection's
    /// credentials, and the secret EventBridge keeps them in
    /// (`events!connection/<connection name>/...`).
    fn http(&mut self, args: Args<'_>) {
        let mut conditions = Vec::new();
        if let Some(method) = args.get("Method").text() {
            self.uses(method, "an HTTP method");
            conditions.push(Condition {
                operator: "StringEquals",
                key: "states:HTTPMethod",
                value: Pattern::written(method),
            });
        }
        if let Some(endpoint) = args.get("ApiEndpoint").text() {
            self.uses(endpoint, "the URL of an HTTPS API");
            conditions.push(Condition {
                operator: "StringLike",
                key: "states:HTTPEndpoint",
                value: Pattern::written(endpoint),
            });
        }
        self.allow(
            &["states:InvokeHTTPEndpoint"],
            vec![own_state_machine("stateMachine", "")],
            conditions,
        );
        let connection = match args.get("Authentication") {
            Field::Static(auth) => args.nested(auth).get("ConnectionArn").text(),
            _ => None,
        };
        let any_connection_secret =
            || Pattern::arn("secretsmanager", pieces("secret:events!connection/*"));
        let (connection, secret) = match connection {
            Some(arn) => {
                let pattern = self.arn_field(
                    arn,
                    "events",
                    "connection/*",
                    "the ARN of an EventBridge connection",
                );
                // arn:<partition>:events:<region>:<account>:connection/<name>/<id>
                let f: Vec<&str> = arn.split(':').collect();
                let secret = match f.get(5).and_then(|r| r.strip_prefix("connection/")) {
                    Some(rest) if f.len() == 6 && whole_substitution(arn).is_none() => {
                        let name = rest.split('/').next().unwrap_or(rest);
                        Pattern::written(&format!(
                            "arn:{}:secretsmanager:{}:{}:secret:events!connection/{name}/*",
                            f[1], f[3], f[4]
                        ))
                    }
                    _ => any_connection_secret(),
                };
                (pattern, secret)
            }
            None => (
                Pattern::arn("events", pieces("connection/*")),
                any_connection_secret(),
            ),
        };
        self.allow(
            &["events:RetrieveConnectionCredentials"],
            vec![connection],
            Vec::new(),
        );
        self.allow(
            &[
                "secretsmanager:GetSecretValue",
                "secretsmanager:DescribeSecret",
            ],
            vec![secret],
            Vec::new(),
        );
    }

    /// A Distributed Map runs its iterations as child executions of the state machine itself
    /// and reads and writes S3 as its `ItemReader` and `ResultWriter` say
    /// ([`docs::DISTRIBUTED_MAP`]).
    fn distributed_map(&mut self, map: &MapState, jsonata: bool, pointer: &str) {
        self.allow(
            &["states:StartExecution"],
            vec![own_state_machine("stateMachine", "")],
            Vec::new(),
        );
        self.allow(
            &["states:DescribeExecution", "states:StopExecution"],
            vec![own_state_machine("execution", "/*")],
            Vec::new(),
        );
        if let Some(reader) = &map.item_reader {
            let (action, value) = s3_call(reader, jsonata);
            let args = Args { value, jsonata };
            let bucket = args.get("Bucket").text().map(str::to_string);
            match action {
                "s3:getObject" => {
                    let object = match (bucket, args.get("Key").text()) {
                        (Some(b), Some(k)) => {
                            Pattern::global_arn("s3", pieces(&format!("{b}/{k}")))
                        }
                        _ => Pattern::Any,
                    };
                    self.allow(&["s3:GetObject"], vec![object], Vec::new());
                }
                "s3:listObjectsV2" => {
                    let conditions = match args.get("Prefix").text() {
                        Some(prefix) => vec![Condition {
                            operator: "StringLike",
                            key: "s3:prefix",
                            value: Pattern::written(&format!("{prefix}*")),
                        }],
                        None => Vec::new(),
                    };
                    let bucket = match bucket {
                        Some(b) => Pattern::global_arn("s3", pieces(&b)),
                        None => Pattern::Any,
                    };
                    self.allow(&["s3:ListBucket"], vec![bucket], conditions);
                }
                _ => self.note(
                    &format!("{pointer}/ItemReader"),
                    format!(
                        "the ItemReader's permissions are not written by this tool: add them by hand ({})",
                        docs::DISTRIBUTED_MAP
                    ),
                ),
            }
        }
        if let Some(writer) = &map.result_writer {
            let (_, value) = s3_call(writer, jsonata);
            let args = Args { value, jsonata };
            let objects = match (args.get("Bucket").text(), args.get("Prefix")) {
                (Some(b), Field::Absent) => Pattern::global_arn("s3", pieces(&format!("{b}/*"))),
                (Some(b), Field::Static(Value::String(p))) => {
                    let p = p.trim_end_matches('/');
                    Pattern::global_arn("s3", pieces(&format!("{b}/{p}/*")))
                }
                _ => Pattern::Any,
            };
            self.allow(
                &[
                    "s3:PutObject",
                    "s3:GetObject",
                    "s3:ListMultipartUploadParts",
                    "s3:AbortMultipartUpload",
                ],
                vec![objects],
                Vec::new(),
            );
        }
    }
}

/// The S3 action of an `ItemReader` or `ResultWriter` (`s3:getObject`, from
/// `arn:<partition>:states:::s3:getObject`) and its parameters.
fn s3_call(config: &Value, jsonata: bool) -> (&str, Option<&Value>) {
    let field = if jsonata { "Arguments" } else { "Parameters" };
    let resource = config.get("Resource").and_then(Value::as_str).unwrap_or("");
    let action = resource.rsplit(":::").next().unwrap_or("");
    (action, config.get(field))
}

fn distributed(map: &MapState) -> bool {
    map.item_processor
        .processor_config
        .as_ref()
        .and_then(|c| c.get("Mode"))
        .and_then(Value::as_str)
        == Some("DISTRIBUTED")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::deploy::pattern::PlainValues;

    /// The policy of a machine of the given states, written with region `r` and account
    /// `a` so that what the definition leaves open stands out from what it wrote.
    fn document_with(states: &str, options: &PolicyOptions) -> (Value, Policy) {
        let text = format!(r#"{{"StartAt": "First", "States": {states}}}"#);
        let machine = StateMachine::from_json_str(&text).unwrap();
        let policy = policy(&machine, options);
        let values = PlainValues::default()
            .region(Some("r".into()))
            .account(Some("a".into()))
            .state_machine_name(Some("Self".into()));
        (
            policy.document(&|p| Value::String(values.render(p))),
            policy,
        )
    }

    fn document(states: &str) -> Value {
        document_with(states, &PolicyOptions::default()).0
    }

    /// One Task state named First, with `fields` after its Type.
    fn task(fields: &str) -> String {
        format!(r#"{{"First": {{"Type": "Task", {fields}, "End": true}}}}"#)
    }

    fn statements(document: &Value) -> Vec<(Vec<String>, Value)> {
        document["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let actions = s["Action"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap().to_string())
                    .collect();
                (actions, s["Resource"].clone())
            })
            .collect()
    }

    #[test]
    fn lambda_functions_named_every_way() {
        // A function ARN in Resource is invoked as written, its qualifier included.
        let d = document(&task(
            r#""Resource": "arn:aws:lambda:eu-west-1:123456789012:function:validate:live""#,
        ));
        assert_eq!(
            statements(&d),
            vec![(
                vec!["lambda:InvokeFunction".to_string()],
                json!(["arn:aws:lambda:eu-west-1:123456789012:function:validate:live"])
            )]
        );
        // lambda:invoke: a name with a Qualifier, a partial ARN, a full ARN.
        for (parameters, resource) in [
            (
                r#"{"FunctionName": "price", "Qualifier": "prod"}"#,
                "arn:aws:lambda:r:a:function:price:prod",
            ),
            (
                r#"{"FunctionName": "price:7"}"#,
                "arn:aws:lambda:r:a:function:price:7",
            ),
            (
                r#"{"FunctionName": "111122223333:function:price"}"#,
                "arn:aws:lambda:r:111122223333:function:price",
            ),
            (
                r#"{"FunctionName": "arn:aws:lambda:us-east-2:111122223333:function:price"}"#,
                "arn:aws:lambda:us-east-2:111122223333:function:price",
            ),
            // A qualifier read at run time may be any version or alias.
            (
                r#"{"FunctionName": "price", "Qualifier.$": "$.alias"}"#,
                "arn:aws:lambda:r:a:function:price:*",
            ),
        ] {
            let d = document(&task(&format!(
                r#""Resource": "arn:aws:states:::lambda:invoke", "Parameters": {parameters}"#
            )));
            assert_eq!(
                d["Statement"][0]["Resource"],
                json!([resource]),
                "{parameters}"
            );
        }
        // A function read from the input is any function (AWS's dynamic policy).
        let d = document(&task(
            r#""Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName.$": "$.f"}"#,
        ));
        assert_eq!(d["Statement"][0]["Resource"], "*");
    }

    #[test]
    fn substitutions_for_functions_are_the_workflows_functions() {
        let states = r#"{
            "First": {"Type": "Task", "Resource": "${Charge}", "Next": "Ask"},
            "Ask": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                    "Parameters": {"FunctionName": "${Approve}", "Payload": {"t.$": "$$.Task.Token"}}, "Next": "Again"},
            "Again": {"Type": "Task", "Resource": "${Charge}", "End": true}}"#;
        let (d, policy) = document_with(states, &PolicyOptions::default());
        assert_eq!(policy.functions, vec!["Charge", "Approve"]);
        // One statement; without a value, a substitution is any function in the account.
        assert_eq!(
            statements(&d),
            vec![(
                vec!["lambda:InvokeFunction".to_string()],
                json!(["arn:aws:lambda:r:a:function:*"])
            )]
        );
        assert_eq!(policy.statements[0].resources.len(), 2);
        assert!(policy.uses.iter().all(|u| u.what == FUNCTION_ARN));
    }

    #[test]
    fn a_substituted_function_keeps_its_qualifier_and_local_callbacks_are_noted() {
        let (_, policy) = document_with(
            &task(
                r#""Resource": "arn:aws:states:::lambda:invoke", "Parameters": {"FunctionName": "${Charge}", "Qualifier": "live"}"#,
            ),
            &PolicyOptions::default(),
        );
        assert_eq!(
            policy.statements[0].resources,
            vec![Pattern::Substituted {
                name: "Charge".into(),
                suffix: ":live".into(),
                fallback: arn_pieces("lambda", "function:*"),
            }]
        );
        let (_, policy) = document_with(
            &task(r#""Resource": "${Approve}.waitForTaskToken""#),
            &PolicyOptions::default(),
        );
        assert_eq!(policy.functions, ["Approve"]);
        assert!(
            policy.notes[0]
                .message
                .contains("arn:aws:states:::lambda:invoke.waitForTaskToken"),
            "{:?}",
            policy.notes
        );
    }

    #[test]
    fn dynamodb_grants_the_action_called_on_its_table() {
        let d = document(&task(
            r#""Resource": "arn:aws:states:::dynamodb:updateItem", "Parameters": {"TableName": "Orders", "Key": {}}"#,
        ));
        assert_eq!(
            statements(&d),
            vec![(
                vec!["dynamodb:UpdateItem".to_string()],
                json!(["arn:aws:dynamodb:r:a:table/Orders"])
            )]
        );
        let (d, policy) = document_with(
            &task(
                r#""Resource": "arn:aws:states:::dynamodb:getItem", "Parameters": {"TableName": "${Table}", "Key": {}}"#,
            ),
            &PolicyOptions::default(),
        );
        assert_eq!(
            d["Statement"][0]["Resource"],
            json!(["arn:aws:dynamodb:r:a:table/*"])
        );
        assert_eq!(policy.uses[0].what, "the name of a DynamoDB table");
        let d = document(&task(
            r#""Resource": "arn:aws:states:::dynamodb:deleteItem", "Parameters": {"TableName.$": "$.t", "Key": {}}"#,
        ));
        assert_eq!(d["Statement"][0]["Resource"], "*");
    }

    #[test]
    fn sns_publishes_to_its_topic_or_anywhere() {
        let topic = "arn:aws:sns:eu-west-1:123456789012:orders";
        let d = document(&task(&format!(
            r#""Resource": "arn:aws:states:::sns:publish", "Parameters": {{"TopicArn": "{topic}", "Message": "m"}}"#
        )));
        assert_eq!(d["Statement"][0]["Resource"], json!([topic]));
        // AWS's policy for a TargetArn or a PhoneNumber is on `*`.
        for parameters in [
            r#"{"PhoneNumber": "+15555550100", "Message": "m"}"#,
            r#"{"TargetArn": "arn:aws:sns:eu-west-1:123456789012:endpoint/x", "Message": "m"}"#,
            r#"{"TopicArn.$": "$.topic", "Message": "m"}"#,
        ] {
            let d = document(&task(&format!(
                r#""Resource": "arn:aws:states:::sns:publish", "Parameters": {parameters}"#
            )));
            assert_eq!(d["Statement"][0]["Resource"], "*", "{parameters}");
        }
    }

    #[test]
    fn sqs_queue_urls_become_queue_arns() {
        for (url, arn) in [
            (
                "https://sqs.eu-west-1.amazonaws.com/123456789012/packing",
                "arn:aws:sqs:eu-west-1:123456789012:packing",
            ),
            (
                "https://eu-west-1.queue.amazonaws.com/123456789012/packing",
                "arn:aws:sqs:eu-west-1:123456789012:packing",
            ),
            (
                "https://queue.amazonaws.com/123456789012/packing",
                "arn:aws:sqs:us-east-1:123456789012:packing",
            ),
        ] {
            let d = document(&task(&format!(
                r#""Resource": "arn:aws:states:::sqs:sendMessage", "Parameters": {{"QueueUrl": "{url}", "MessageBody": "m"}}"#
            )));
            assert_eq!(d["Statement"][0]["Resource"], json!([arn]), "{url}");
            assert_eq!(d["Statement"][0]["Action"], json!(["sqs:SendMessage"]));
        }
        // A substituted URL: the account and name are its fields, unknown here.
        let (d, policy) = document_with(
            &task(
                r#""Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "Parameters": {"QueueUrl": "${Queue}", "MessageBody": {"t.$": "$$.Task.Token"}}"#,
            ),
            &PolicyOptions::default(),
        );
        assert_eq!(d["Statement"][0]["Resource"], json!(["arn:aws:sqs:r:*:*"]));
        assert!(
            matches!(&policy.statements[0].resources[0], Pattern::Pieces(p)
            if p.contains(&Piece::SubstitutionField { name: "Queue".into(), separator: '/', index: 4 }))
        );
        let (d, policy) = document_with(
            &task(
                r#""Resource": "arn:aws:states:::sqs:sendMessage", "Parameters": {"QueueUrl": "not a url", "MessageBody": "m"}"#,
            ),
            &PolicyOptions::default(),
        );
        assert_eq!(d["Statement"][0]["Resource"], "*");
        assert_eq!(policy.notes[0].pointer, "/States/First/Resource");
    }

    #[test]
    fn eventbridge_puts_on_the_buses_of_its_entries() {
        let d = document(&task(
            r#""Resource": "arn:aws:states:::events:putEvents", "Parameters": {"Entries": [
                {"Detail": {}, "DetailType": "t", "Source": "s"},
                {"Detail": {}, "DetailType": "t", "Source": "s", "EventBusName": "partners"},
                {"Detail": {}, "DetailType": "t", "Source": "s", "EventBusName": "arn:aws:events:eu-west-1:123456789012:event-bus/audit"}]}"#,
        ));
        assert_eq!(
            d["Statement"][0]["Resource"],
            json!([
                "arn:aws:events:r:a:event-bus/default",
                "arn:aws:events:r:a:event-bus/partners",
                "arn:aws:events:eu-west-1:123456789012:event-bus/audit"
            ])
        );
        // Dynamic entries: AWS's documented `arn:aws:events:*:*:event-bus/*`.
        let d = document(&task(
            r#""Resource": "arn:aws:states:::events:putEvents", "Parameters": {"Entries.$": "$.entries"}"#,
        ));
        assert_eq!(
            d["Statement"][0]["Resource"],
            json!(["arn:aws:events:*:*:event-bus/*"])
        );
    }

    #[test]
    fn child_executions_with_and_without_sync() {
        let child = "arn:aws:states:eu-west-1:123456789012:stateMachine:Child";
        let start = |pattern: &str| {
            document(&task(&format!(
                r#""Resource": "arn:aws:states:::states:startExecution{pattern}", "Parameters": {{"StateMachineArn": "{child}", "Input.$": "$"}}"#
            )))
        };
        // Fire and forget, and a callback: StartExecution alone.
        for pattern in ["", ".waitForTaskToken"] {
            assert_eq!(
                statements(&start(pattern)),
                vec![(vec!["states:StartExecution".to_string()], json!([child]))],
                "{pattern}"
            );
        }
        // `.sync` and `.sync:2`: the child's executions and the managed rule too.
        for pattern in [".sync", ".sync:2"] {
            assert_eq!(
                statements(&start(pattern)),
                vec![
                    (vec!["states:StartExecution".to_string()], json!([child])),
                    (
                        vec![
                            "states:DescribeExecution".to_string(),
                            "states:StopExecution".to_string()
                        ],
                        json!(["arn:aws:states:eu-west-1:123456789012:execution:Child:*"])
                    ),
                    (
                        vec![
                            "events:PutTargets".to_string(),
                            "events:PutRule".to_string(),
                            "events:DescribeRule".to_string()
                        ],
                        json!([
                            "arn:aws:events:r:a:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule"
                        ])
                    ),
                ],
                "{pattern}"
            );
        }
        // A substituted child: its name is field 6 of its ARN, filled in by the stack.
        let (_, policy) = document_with(
            &task(
                r#""Resource": "arn:aws:states:::states:startExecution.sync:2", "Parameters": {"StateMachineArn": "${Child}", "Input.$": "$"}"#,
            ),
            &PolicyOptions::default(),
        );
        assert!(
            matches!(&policy.statements[0].resources[0], Pattern::Substituted { name, .. } if name == "Child")
        );
        assert!(
            matches!(&policy.statements[1].resources[0], Pattern::Pieces(p)
            if p.contains(&Piece::SubstitutionField { name: "Child".into(), separator: ':', index: 6 }))
        );
    }

    #[test]
    fn ecs_runs_the_task_definition_it_names() {
        for (definition, arn) in [
            // A family alone runs its latest revision: any revision of the family.
            ("render", "arn:aws:ecs:r:a:task-definition/render:*"),
            ("render:4", "arn:aws:ecs:r:a:task-definition/render:4"),
            (
                "arn:aws:ecs:eu-west-1:123456789012:task-definition/render",
                "arn:aws:ecs:eu-west-1:123456789012:task-definition/render:*",
            ),
            (
                "arn:aws:ecs:eu-west-1:123456789012:task-definition/render:4",
                "arn:aws:ecs:eu-west-1:123456789012:task-definition/render:4",
            ),
        ] {
            let (d, policy) = document_with(
                &task(&format!(
                    r#""Resource": "arn:aws:states:::ecs:runTask", "Parameters": {{"TaskDefinition": "{definition}"}}"#
                )),
                &PolicyOptions::default(),
            );
            assert_eq!(
                statements(&d),
                vec![(vec!["ecs:RunTask".to_string()], json!([arn]))],
                "{definition}"
            );
            assert!(policy.notes[0].message.contains("iam:PassRole"));
        }
        let d = document(&task(
            r#""Resource": "arn:aws:states:::ecs:runTask.sync", "Parameters": {"TaskDefinition": "render"}"#,
        ));
        let s = statements(&d);
        assert_eq!(
            s[1],
            (
                vec!["ecs:StopTask".to_string(), "ecs:DescribeTasks".to_string()],
                json!("*")
            )
        );
        assert_eq!(
            s[2].1,
            json!(["arn:aws:events:r:a:rule/StepFunctionsGetEventsForECSTaskRule"])
        );
        // Dynamic: AWS puts the three actions on `*` together.
        let d = document(&task(
            r#""Resource": "arn:aws:states:::ecs:runTask.sync", "Parameters": {"TaskDefinition.$": "$.td"}"#,
        ));
        assert_eq!(statements(&d)[0].0.len(), 3);
        assert_eq!(statements(&d)[0].1, "*");
    }

    #[test]
    fn batch_and_glue_are_on_any_resource_as_aws_documents() {
        let d = document(&task(
            r#""Resource": "arn:aws:states:::batch:submitJob.sync", "Parameters": {"JobName": "j", "JobQueue": "q", "JobDefinition": "d"}"#,
        ));
        let s = statements(&d);
        assert_eq!(
            s[0],
            (
                vec![
                    "batch:SubmitJob".into(),
                    "batch:DescribeJobs".into(),
                    "batch:TerminateJob".into()
                ],
                json!("*")
            )
        );
        assert_eq!(
            s[1].1,
            json!(["arn:aws:events:r:a:rule/StepFunctionsGetEventsForBatchJobsRule"])
        );
        let d = document(&task(
            r#""Resource": "arn:aws:states:::glue:startJobRun", "Parameters": {"JobName": "j"}"#,
        ));
        assert_eq!(
            statements(&d),
            vec![(vec!["glue:StartJobRun".to_string()], json!("*"))]
        );
        let d = document(&task(
            r#""Resource": "arn:aws:states:::glue:startJobRun.sync", "Parameters": {"JobName": "j"}"#,
        ));
        assert_eq!(statements(&d)[0].0.len(), 4);
    }

    #[test]
    fn http_tasks_invoke_their_endpoint_through_their_connection() {
        let d = document(&task(
            r#""Resource": "arn:aws:states:::http:invoke", "Parameters": {
                "ApiEndpoint": "https://api.example.com/orders", "Method": "POST",
                "Authentication": {"ConnectionArn": "arn:aws:events:eu-west-1:123456789012:connection/example/0b7c"}}"#,
        ));
        let s = &d["Statement"];
        assert_eq!(s[0]["Action"], json!(["states:InvokeHTTPEndpoint"]));
        assert_eq!(
            s[0]["Resource"],
            json!(["arn:aws:states:r:a:stateMachine:Self"])
        );
        assert_eq!(
            s[0]["Condition"],
            json!({"StringEquals": {"states:HTTPMethod": "POST"},
                   "StringLike": {"states:HTTPEndpoint": "https://api.example.com/orders"}})
        );
        assert_eq!(
            s[1]["Resource"],
            json!(["arn:aws:events:eu-west-1:123456789012:connection/example/0b7c"])
        );
        assert_eq!(
            s[2]["Resource"],
            json!([
                "arn:aws:secretsmanager:eu-west-1:123456789012:secret:events!connection/example/*"
            ])
        );
        // A method and an endpoint read at run time set no condition.
        let d = document(&task(
            r#""Resource": "arn:aws:states:::http:invoke", "Parameters": {
                "ApiEndpoint.$": "$.url", "Method.$": "$.method",
                "Authentication": {"ConnectionArn.$": "$.connection"}}"#,
        ));
        assert!(d["Statement"][0].get("Condition").is_none());
        assert_eq!(
            d["Statement"][1]["Resource"],
            json!(["arn:aws:events:r:a:connection/*"])
        );
    }

    #[test]
    fn a_machine_without_permissions_to_grant_denies_everything() {
        // AWS: "For a state machine that has only Activity tasks, or no tasks at all, use an
        // IAM policy that denies access to all actions and resources".
        for states in [
            task(r#""Resource": "arn:aws:states:eu-west-1:123456789012:activity:pack""#),
            r#"{"First": {"Type": "Pass", "End": true}}"#.to_string(),
        ] {
            assert_eq!(
                document(&states),
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "*", "Resource": "*"}]})
            );
        }
    }

    #[test]
    fn distributed_maps_start_their_own_children_and_read_and_write_s3() {
        let states = r#"{"First": {"Type": "Map",
            "ItemReader": {"Resource": "arn:aws:states:::s3:listObjectsV2", "Parameters": {"Bucket": "in", "Prefix": "orders/"}},
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "Ship", "States": {"Ship": {"Type": "Task", "Resource": "${Ship}", "End": true}}},
            "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "out", "Prefix": "results/"}},
            "End": true}}"#;
        let d = document(states);
        let s = &d["Statement"];
        assert_eq!(s[0]["Action"], json!(["states:StartExecution"]));
        assert_eq!(
            s[0]["Resource"],
            json!(["arn:aws:states:r:a:stateMachine:Self"])
        );
        assert_eq!(
            s[1]["Resource"],
            json!(["arn:aws:states:r:a:execution:Self/*"])
        );
        assert_eq!(s[2]["Action"], json!(["s3:ListBucket"]));
        assert_eq!(s[2]["Resource"], json!(["arn:aws:s3:::in"]));
        assert_eq!(
            s[2]["Condition"],
            json!({"StringLike": {"s3:prefix": "orders/*"}})
        );
        assert_eq!(s[3]["Resource"], json!(["arn:aws:s3:::out/results/*"]));
        assert_eq!(s[4]["Action"], json!(["lambda:InvokeFunction"]));
        // An inline Map needs nothing of its own.
        let inline = states.replace(r#""Mode": "DISTRIBUTED", "ExecutionType": "STANDARD""#, r#""Mode": "INLINE""#)
            .replace(r#""ItemReader": {"Resource": "arn:aws:states:::s3:listObjectsV2", "Parameters": {"Bucket": "in", "Prefix": "orders/"}},"#, "")
            .replace(r#""ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "out", "Prefix": "results/"}},"#, "");
        assert_eq!(statements(&document(&inline)).len(), 1);
    }

    #[test]
    fn jsonata_arguments_read_at_run_time_are_dynamic() {
        let d = document(&task(
            r#""QueryLanguage": "JSONata", "Resource": "arn:aws:states:::dynamodb:getItem",
               "Arguments": {"TableName": "{% $states.input.table %}", "Key": {}}"#,
        ));
        assert_eq!(d["Statement"][0]["Resource"], "*");
        let d = document(&task(
            r#""QueryLanguage": "JSONata", "Resource": "arn:aws:states:::dynamodb:getItem",
               "Arguments": {"TableName": "Orders", "Key": "{% $states.input.key %}"}"#,
        ));
        assert_eq!(
            d["Statement"][0]["Resource"],
            json!(["arn:aws:dynamodb:r:a:table/Orders"])
        );
    }

    #[test]
    fn logging_and_tracing_add_their_statements() {
        let (d, _) = document_with(
            &task(r#""Resource": "${Charge}""#),
            &PolicyOptions::default().logging(true).tracing(true),
        );
        let s = statements(&d);
        assert_eq!(s.len(), 3);
        assert_eq!(s[1].0[0], "logs:CreateLogDelivery");
        assert_eq!(s[1].1, "*");
        assert_eq!(s[2].0[0], "xray:PutTraceSegments");
    }

    #[test]
    fn integrations_without_a_documented_policy_are_noted() {
        let (_, policy) = document_with(
            &task(
                r#""Resource": "arn:aws:states:::aws-sdk:s3:getObject", "Parameters": {"Bucket": "b", "Key": "k"}"#,
            ),
            &PolicyOptions::default(),
        );
        assert!(policy.statements.is_empty());
        assert_eq!(policy.notes.len(), 1);
        assert!(
            policy.notes[0].message.contains("aws-sdk:s3:getObject"),
            "{:?}",
            policy.notes
        );
    }
}
