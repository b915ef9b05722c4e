//! An AWS SAM template that deploys a state machine: the machine
//! (`AWS::Serverless::StateMachine`) with its definition and a `DefinitionSubstitutions` entry
//! for every `${Name}` in it, one Lambda function per task of the workflow (a Rust binary on
//! `provided.al2023`, handler `bootstrap`), a CloudWatch Logs log group and the logging and
//! tracing settings, and the execution role with the least-privilege [`policy`](super::policy).
//!
//! The template is JSON: SAM and cfn-lint read JSON templates as they read YAML ones (JSON is
//! YAML too), the definition is embedded exactly as exported, with no second encoding that
//! could change a string or a number, and no YAML library is needed.
//!
//! What AWS documents, and where:
//! * `AWS::Serverless::StateMachine` (`Definition`, `DefinitionSubstitutions`, `Role`,
//!   `Logging`, `Tracing`, `Type`):
//!   <https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-statemachine.html>;
//! * a Rust function is a `provided.al2023` function whose handler is `bootstrap`, the binary
//!   `cargo lambda build` writes to `target/lambda/<binary>/bootstrap`:
//!   <https://docs.aws.amazon.com/lambda/latest/dg/lambda-rust.html>;
//! * log levels `ALL`, `ERROR`, `FATAL`, `OFF`, and log groups named `/aws/vendedlogs/...` to
//!   keep CloudWatch Logs' resource policy small:
//!   <https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html>.
//!
//! ```
//! use workflow_core::deploy::template::{TemplateOptions, template};
//! use workflow_core::model::StateMachine;
//!
//! let machine = StateMachine::from_json_str(r#"{"StartAt": "Charge", "States": {
//!     "Charge": {"Type": "Task", "Resource": "${ChargePayment}", "End": true}}}"#).unwrap();
//! let t = template(&machine, &TemplateOptions::new("Payment"));
//! let resources = &t.document["Resources"];
//! assert_eq!(resources["ChargePaymentFunction"]["Properties"]["Environment"]["Variables"]["WORKFLOW_TASK"], "ChargePayment");
//! assert_eq!(
//!     resources["StateMachine"]["Properties"]["DefinitionSubstitutions"]["ChargePayment"],
//!     serde_json::json!({"Fn::GetAtt": ["ChargePaymentFunction", "Arn"]})
//! );
//! ```

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use super::pattern::CfnValues;
use super::policy::{Policy, PolicyOptions, policy};
use super::substitutions;
use crate::lint::{Finding, deployment_findings};
use crate::model::StateMachine;
use crate::plan::MachineType;

/// The environment variable that tells a function which task it serves, so that one binary
/// can serve every task of a workflow.
pub const TASK_VARIABLE: &str = "WORKFLOW_TASK";

/// How much a state machine logs to CloudWatch Logs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum LogLevel {
    /// Every event.
    All,
    /// Errors: failed tasks, states and executions (the default here).
    #[default]
    Error,
    /// Only the execution's own failure, time-out or abort.
    Fatal,
    /// Nothing: the template has no log group.
    Off,
}

impl LogLevel {
    /// `ALL`, `ERROR`, `FATAL` or `OFF`.
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::All => "ALL",
            LogLevel::Error => "ERROR",
            LogLevel::Fatal => "FATAL",
            LogLevel::Off => "OFF",
        }
    }
}

/// The instruction set the functions are built for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Architecture {
    /// `x86_64`, what `cargo lambda build` builds by default.
    #[default]
    X86_64,
    /// `arm64` (Graviton), `cargo lambda build --arm64`.
    Arm64,
}

impl Architecture {
    /// `x86_64` or `arm64`.
    pub fn as_str(self) -> &'static str {
        match self {
            Architecture::X86_64 => "x86_64",
            Architecture::Arm64 => "arm64",
        }
    }
}

/// What the template holds besides the definition.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TemplateOptions {
    /// The state machine's name (the default of the template's `StateMachineName`).
    pub name: String,
    /// STANDARD or EXPRESS.
    pub machine_type: MachineType,
    /// The log level (the default of the template's `LogLevel`); `Off` leaves logging out.
    pub log_level: LogLevel,
    /// Whether the logs carry execution data (inputs and outputs): off by default, since
    /// they may hold personal data.
    pub include_execution_data: bool,
    /// How long CloudWatch Logs keeps the machine's log events.
    pub log_retention_days: u32,
    /// X-Ray tracing of the state machine and its functions.
    pub tracing: bool,
    /// Where the functions' code is: the directory that holds the `bootstrap` binary
    /// (`cargo lambda build` writes `target/lambda/<binary>/bootstrap`).
    pub code_uri: String,
    /// The functions' architecture.
    pub architecture: Architecture,
    /// The functions' memory, in MB.
    pub memory_size: u32,
    /// The functions' time-out, in seconds.
    pub function_timeout_seconds: u32,
}

impl TemplateOptions {
    /// The defaults for a machine of this name: STANDARD, logging at `ERROR` without
    /// execution data, kept 30 days, no tracing, x86_64 functions of 128 MB and 30 s, code in
    /// `target/lambda/tasks`.
    pub fn new(name: impl Into<String>) -> TemplateOptions {
        TemplateOptions {
            name: name.into(),
            machine_type: MachineType::Standard,
            log_level: LogLevel::Error,
            include_execution_data: false,
            log_retention_days: 30,
            tracing: false,
            code_uri: "target/lambda/tasks".to_string(),
            architecture: Architecture::X86_64,
            memory_size: 128,
            function_timeout_seconds: 30,
        }
    }

    /// STANDARD or EXPRESS.
    pub fn machine_type(mut self, machine_type: MachineType) -> TemplateOptions {
        self.machine_type = machine_type;
        self
    }

    /// The log level.
    pub fn log_level(mut self, level: LogLevel) -> TemplateOptions {
        self.log_level = level;
        self
    }

    /// Whether the logs carry execution data.
    pub fn include_execution_data(mut self, on: bool) -> TemplateOptions {
        self.include_execution_data = on;
        self
    }

    /// How long the logs are kept, in days.
    pub fn log_retention_days(mut self, days: u32) -> TemplateOptions {
        self.log_retention_days = days;
        self
    }

    /// X-Ray tracing.
    pub fn tracing(mut self, on: bool) -> TemplateOptions {
        self.tracing = on;
        self
    }

    /// Where the functions' code is.
    pub fn code_uri(mut self, uri: impl Into<String>) -> TemplateOptions {
        self.code_uri = uri.into();
        self
    }

    /// The functions' architecture.
    pub fn architecture(mut self, architecture: Architecture) -> TemplateOptions {
        self.architecture = architecture;
        self
    }

    /// The functions' memory, in MB.
    pub fn memory_size(mut self, mb: u32) -> TemplateOptions {
        self.memory_size = mb;
        self
    }

    /// The functions' time-out, in seconds.
    pub fn function_timeout_seconds(mut self, seconds: u32) -> TemplateOptions {
        self.function_timeout_seconds = seconds;
        self
    }
}

/// A template, with the policy its role has and what the lint rules say of it.
#[derive(Clone, Debug)]
pub struct Template {
    /// The template.
    pub document: Value,
    /// The role's policy (its notes say what it leaves to the user).
    pub policy: Policy,
    /// Deployment findings (an EXPRESS machine without logging).
    pub findings: Vec<Finding>,
}

/// The template's fixed logical ids and parameters.
const STATE_MACHINE: &str = "StateMachine";
const ROLE: &str = "StateMachineRole";
const LOG_GROUP: &str = "StateMachineLogGroup";
const NAME_PARAMETER: &str = "StateMachineName";
const LEVEL_PARAMETER: &str = "LogLevel";

/// `charge-card` → `ChargeCard`: letters and digits only, as logical ids must be.
fn pascal(name: &str) -> String {
    let id = crate::lint::pascal(name);
    if id.is_empty() {
        "Value".to_string()
    } else {
        id
    }
}

/// A logical id not taken yet: `base`, else `base2`, `base3`, ...
fn unique(base: String, taken: &mut BTreeSet<String>) -> String {
    let mut id = base.clone();
    let mut n = 2;
    while taken.contains(&id) {
        id = format!("{base}{n}");
        n += 1;
    }
    taken.insert(id.clone());
    id
}

/// How each substitution is filled in: by a function of the template or by a parameter.
struct Substitution {
    name: String,
    /// The logical id of the function or of the parameter.
    id: String,
    function: bool,
}

/// The SAM template of a state machine.
pub fn template(machine: &StateMachine, options: &TemplateOptions) -> Template {
    let logging = options.log_level != LogLevel::Off;
    let policy = policy(
        machine,
        &PolicyOptions::default()
            .logging(logging)
            .tracing(options.tracing),
    );
    let definition = machine.to_json();

    let mut taken: BTreeSet<String> = [
        STATE_MACHINE,
        ROLE,
        LOG_GROUP,
        NAME_PARAMETER,
        LEVEL_PARAMETER,
    ]
    .into_iter()
    .map(String::from)
    .collect();
    let substitutions: Vec<Substitution> = substitutions(&definition)
        .into_iter()
        .map(|name| {
            let function = policy.functions.contains(&name);
            let base = if function {
                format!("{}Function", pascal(&name))
            } else {
                pascal(&name)
            };
            Substitution {
                id: unique(base, &mut taken),
                name,
                function,
            }
        })
        .collect();
    let fill = |name: &str| -> (String, Value) {
        match substitutions.iter().find(|s| s.name == name) {
            Some(s) if s.function => (
                format!("{}.Arn", s.id),
                json!({"Fn::GetAtt": [s.id, "Arn"]}),
            ),
            Some(s) => (s.id.clone(), json!({"Ref": s.id})),
            // Every substitution of the definition is listed; a name from elsewhere is
            // written as its own parameter's name.
            None => (pascal(name), json!({"Ref": pascal(name)})),
        }
    };
    let cfn = CfnValues {
        state_machine_name: NAME_PARAMETER,
        substitution: &fill,
    };
    let role_policy = policy.document(&|p| cfn.render(p));

    let mut parameters = Map::new();
    parameters.insert(
        NAME_PARAMETER.into(),
        json!({"Type": "String", "Default": options.name,
               "Description": "The state machine's name (unique in the account and region)."}),
    );
    if logging {
        parameters.insert(
            LEVEL_PARAMETER.into(),
            json!({"Type": "String", "Default": options.log_level.as_str(),
                   "AllowedValues": ["ALL", "ERROR", "FATAL", "OFF"],
                   "Description": "What the state machine logs to CloudWatch Logs."}),
        );
    }
    for s in substitutions.iter().filter(|s| !s.function) {
        let what = policy
            .uses
            .iter()
            .find(|u| u.name == s.name)
            .map(|u| format!(": {}", u.what))
            .unwrap_or_default();
        parameters.insert(
            s.id.clone(),
            json!({"Type": "String",
                   // `${...}` outside Fn::Sub reads as a reference to CloudFormation.
                   "Description": format!("The value of the definition's placeholder {}{what}.", s.name)}),
        );
    }

    let mut resources = Map::new();
    for s in substitutions.iter().filter(|s| s.function) {
        resources.insert(
            s.id.clone(),
            json!({"Type": "AWS::Serverless::Function", "Properties": {
                "Description": format!("The task {} of {}.", s.name, options.name),
                "Environment": {"Variables": {TASK_VARIABLE: s.name}},
            }}),
        );
    }
    if logging {
        resources.insert(
            LOG_GROUP.into(),
            json!({"Type": "AWS::Logs::LogGroup", "Properties": {
                "LogGroupName": {"Fn::Sub": format!("/aws/vendedlogs/states/${{{NAME_PARAMETER}}}")},
                "RetentionInDays": options.log_retention_days,
            }}),
        );
    }
    resources.insert(
        ROLE.into(),
        json!({"Type": "AWS::IAM::Role", "Properties": {
            "Description": format!("The execution role of the state machine {}: what its tasks call, nothing more.", options.name),
            // Step Functions assumes the role for this account's state machines only.
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow",
                "Principal": {"Service": "states.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}},
            }]},
            "Policies": [{"PolicyName": "StateMachine", "PolicyDocument": role_policy}],
        }}),
    );
    let mut machine_properties = Map::new();
    machine_properties.insert("Name".into(), json!({"Ref": NAME_PARAMETER}));
    machine_properties.insert("Type".into(), json!(options.machine_type.as_str()));
    machine_properties.insert("Definition".into(), definition);
    if !substitutions.is_empty() {
        let entries: Map<String, Value> = substitutions
            .iter()
            .map(|s| (s.name.clone(), fill(&s.name).1))
            .collect();
        machine_properties.insert("DefinitionSubstitutions".into(), Value::Object(entries));
    }
    machine_properties.insert("Role".into(), json!({"Fn::GetAtt": [ROLE, "Arn"]}));
    if logging {
        machine_properties.insert(
            "Logging".into(),
            json!({
                "Level": {"Ref": LEVEL_PARAMETER},
                "IncludeExecutionData": options.include_execution_data,
                "Destinations": [{"CloudWatchLogsLogGroup": {"LogGroupArn": {"Fn::GetAtt": [LOG_GROUP, "Arn"]}}}],
            }),
        );
    }
    machine_properties.insert("Tracing".into(), json!({"Enabled": options.tracing}));
    resources.insert(
        STATE_MACHINE.into(),
        json!({"Type": "AWS::Serverless::StateMachine", "Properties": machine_properties}),
    );

    let mut document = Map::new();
    document.insert("AWSTemplateFormatVersion".into(), json!("2010-09-09"));
    document.insert("Transform".into(), json!("AWS::Serverless-2016-10-31"));
    document.insert(
        "Description".into(),
        json!(format!(
            "The state machine {}, its tasks as Lambda functions and the role it runs as.",
            options.name
        )),
    );
    document.insert("Parameters".into(), Value::Object(parameters));
    if substitutions.iter().any(|s| s.function) {
        let mut function = json!({
            "Runtime": "provided.al2023",
            "Handler": "bootstrap",
            "CodeUri": options.code_uri,
            "Architectures": [options.architecture.as_str()],
            "MemorySize": options.memory_size,
            "Timeout": options.function_timeout_seconds,
        });
        if options.tracing {
            function["Tracing"] = json!("Active");
        }
        document.insert("Globals".into(), json!({ "Function": function }));
    }
    document.insert("Resources".into(), Value::Object(resources));
    document.insert(
        "Outputs".into(),
        json!({
            "StateMachineArn": {"Description": "The state machine's ARN.", "Value": {"Ref": STATE_MACHINE}},
            "StateMachineRoleArn": {"Description": "The ARN of its execution role.", "Value": {"Fn::GetAtt": [ROLE, "Arn"]}},
        }),
    );

    let findings = deployment_findings(
        options.machine_type,
        logging.then_some(options.log_level.as_str()),
        &format!("/Resources/{STATE_MACHINE}/Properties"),
    );
    Template {
        document: Value::Object(document),
        policy,
        findings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn machine(states: &str) -> StateMachine {
        StateMachine::from_json_str(&format!(r#"{{"StartAt": "First", "States": {states}}}"#))
            .unwrap()
    }

    const ORDER: &str = r#"{
        "First": {"Type": "Task", "Resource": "${ValidateOrder}", "Next": "Save"},
        "Save": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:putItem",
                 "Parameters": {"TableName": "${orders-table}", "Item": {}}, "Next": "Ask"},
        "Ask": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {"FunctionName": "${RequestApproval}", "Payload": {"t.$": "$$.Task.Token"}}, "End": true}}"#;

    #[test]
    fn every_substitution_is_filled_in_by_a_function_or_a_parameter() {
        let t = template(&machine(ORDER), &TemplateOptions::new("Order"));
        let d = &t.document;
        let properties = &d["Resources"]["StateMachine"]["Properties"];
        assert_eq!(
            properties["DefinitionSubstitutions"],
            json!({
                "ValidateOrder": {"Fn::GetAtt": ["ValidateOrderFunction", "Arn"]},
                "orders-table": {"Ref": "OrdersTable"},
                "RequestApproval": {"Fn::GetAtt": ["RequestApprovalFunction", "Arn"]},
            })
        );
        // The definition is embedded as exported, placeholders and all.
        assert_eq!(properties["Definition"], machine(ORDER).to_json());
        assert_eq!(
            d["Parameters"]["OrdersTable"]["Description"],
            "The value of the definition's placeholder orders-table: the name of a DynamoDB table."
        );
        // One function per task of the workflow, none for the table.
        let functions: Vec<&String> = d["Resources"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(_, r)| r["Type"] == "AWS::Serverless::Function")
            .map(|(id, _)| id)
            .collect();
        assert_eq!(
            functions,
            ["ValidateOrderFunction", "RequestApprovalFunction"]
        );
        let globals = &d["Globals"]["Function"];
        assert_eq!(globals["Runtime"], "provided.al2023");
        assert_eq!(globals["Handler"], "bootstrap");
        assert_eq!(
            d["Resources"]["RequestApprovalFunction"]["Properties"]["Environment"]["Variables"]
                [TASK_VARIABLE],
            "RequestApproval"
        );
    }

    #[test]
    fn the_role_has_the_policy_with_stack_values() {
        let t = template(&machine(ORDER), &TemplateOptions::new("Order"));
        let role = &t.document["Resources"]["StateMachineRole"]["Properties"];
        assert_eq!(
            role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"],
            "states.amazonaws.com"
        );
        let statements = &role["Policies"][0]["PolicyDocument"]["Statement"];
        assert_eq!(
            statements[0]["Resource"],
            json!([{"Fn::GetAtt": ["ValidateOrderFunction", "Arn"]},
                   {"Fn::GetAtt": ["RequestApprovalFunction", "Arn"]}])
        );
        assert_eq!(
            statements[1]["Resource"],
            json!([{"Fn::Sub": "arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${OrdersTable}"}])
        );
        // Logging is on by default: the role may deliver logs.
        assert_eq!(statements[2]["Action"][0], "logs:CreateLogDelivery");
        assert_eq!(
            t.document["Resources"]["StateMachine"]["Properties"]["Role"],
            json!({"Fn::GetAtt": ["StateMachineRole", "Arn"]})
        );
    }

    #[test]
    fn logging_defaults_to_error_and_tracing_is_a_choice() {
        let m = machine(ORDER);
        let t = template(&m, &TemplateOptions::new("Order"));
        let properties = &t.document["Resources"]["StateMachine"]["Properties"];
        assert_eq!(properties["Logging"]["Level"], json!({"Ref": "LogLevel"}));
        assert_eq!(t.document["Parameters"]["LogLevel"]["Default"], "ERROR");
        assert_eq!(properties["Logging"]["IncludeExecutionData"], false);
        assert_eq!(properties["Tracing"], json!({"Enabled": false}));
        assert_eq!(
            t.document["Resources"]["StateMachineLogGroup"]["Properties"]["LogGroupName"],
            json!({"Fn::Sub": "/aws/vendedlogs/states/${StateMachineName}"})
        );
        let traced = template(
            &m,
            &TemplateOptions::new("Order")
                .log_level(LogLevel::All)
                .include_execution_data(true)
                .tracing(true)
                .architecture(Architecture::Arm64),
        );
        let properties = &traced.document["Resources"]["StateMachine"]["Properties"];
        assert_eq!(traced.document["Parameters"]["LogLevel"]["Default"], "ALL");
        assert_eq!(properties["Logging"]["IncludeExecutionData"], true);
        assert_eq!(properties["Tracing"], json!({"Enabled": true}));
        assert_eq!(traced.document["Globals"]["Function"]["Tracing"], "Active");
        assert_eq!(
            traced.document["Globals"]["Function"]["Architectures"],
            json!(["arm64"])
        );
        let statements = traced.policy.statements.len();
        assert_eq!(
            statements,
            t.policy.statements.len() + 1,
            "X-Ray's statement"
        );
    }

    #[test]
    fn an_express_machine_without_logging_is_a_finding() {
        let m = machine(r#"{"First": {"Type": "Task", "Resource": "${Charge}", "End": true}}"#);
        let express = TemplateOptions::new("Quick").machine_type(MachineType::Express);
        assert!(template(&m, &express).findings.is_empty());
        let silent = template(&m, &express.clone().log_level(LogLevel::Off));
        assert_eq!(silent.findings.len(), 1);
        assert_eq!(silent.findings[0].rule.id, "express-no-logging");
        let d = &silent.document;
        assert!(d["Resources"].get("StateMachineLogGroup").is_none());
        assert!(
            d["Resources"]["StateMachine"]["Properties"]
                .get("Logging")
                .is_none()
        );
        assert_eq!(
            d["Resources"]["StateMachine"]["Properties"]["Type"],
            "EXPRESS"
        );
        // STANDARD keeps its history in Step Functions: no finding.
        let standard = TemplateOptions::new("Quick").log_level(LogLevel::Off);
        assert!(template(&m, &standard).findings.is_empty());
    }

    #[test]
    fn logical_ids_are_alphanumeric_and_unique() {
        let m = machine(
            r#"{"First": {"Type": "Task", "Resource": "${charge-card}", "Next": "Second"},
                "Second": {"Type": "Task", "Resource": "${charge_card}", "Next": "Third"},
                "Third": {"Type": "Pass", "Parameters": {"a": "${StateMachineName}"}, "End": true}}"#,
        );
        let t = template(&m, &TemplateOptions::new("Ids"));
        let subs =
            &t.document["Resources"]["StateMachine"]["Properties"]["DefinitionSubstitutions"];
        assert_eq!(
            subs["charge-card"],
            json!({"Fn::GetAtt": ["ChargeCardFunction", "Arn"]})
        );
        assert_eq!(
            subs["charge_card"],
            json!({"Fn::GetAtt": ["ChargeCardFunction2", "Arn"]})
        );
        // The template's own parameter keeps its name; the definition's gets another.
        assert_eq!(
            subs["StateMachineName"],
            json!({"Ref": "StateMachineName2"})
        );
    }
}
