//! Best-practice rules over a state machine: valid definitions that will probably hurt in
//! production (no Retry, no timeout, unbounded Map, hard-coded ARNs, ...).
//!
//! The rules are pure functions of the model and the [`CompileOptions`] (the machine type):
//! every front end (the CLI, an editor, the `workflow!` macro) can run them and render the
//! findings its own way. Each finding names its rule (a stable id), a severity, a message and
//! the JSON pointer of the offending value.
//!
//! ```
//! use workflow_core::lint::{lint, rules};
//! use workflow_core::model::StateMachine;
//! use workflow_core::plan::CompileOptions;
//!
//! let machine = StateMachine::from_json_str(r#"{"StartAt": "Charge", "States": {
//!     "Charge": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": true}}}"#).unwrap();
//! let findings = lint(&machine, &CompileOptions::default());
//! assert!(findings.iter().any(|f| f.rule.id == rules::TASK_NO_RETRY.id));
//! assert_eq!(findings[0].pointer, "/States/Charge");
//! ```

use std::collections::HashMap;
use std::fmt;

use serde_json::Value;

use crate::diagnostic::push_pointer;
use crate::error::names;
use crate::model::{Branch, Expr, QueryLanguage, State, StateKind, StateMachine, States};
use crate::plan::{CompileOptions, Integration, MachineType, ResourceKind, classify_resource};

/// How much a finding matters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LintSeverity {
    /// The machine will not work as written (for example on EXPRESS).
    Error,
    /// Probably a problem in production.
    Warning,
    /// A matter of style or cost.
    Info,
}

impl LintSeverity {
    /// `error`, `warning` or `info`.
    pub fn as_str(self) -> &'static str {
        match self {
            LintSeverity::Error => "error",
            LintSeverity::Warning => "warning",
            LintSeverity::Info => "info",
        }
    }
}

impl fmt::Display for LintSeverity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A best-practice rule.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Rule {
    /// Stable id, used to silence the rule (`--allow task-no-retry`).
    pub id: &'static str,
    /// How much its findings matter.
    pub severity: LintSeverity,
    /// Why the rule exists, in one line.
    pub explanation: &'static str,
}

/// The rules, one constant each.
pub mod rules {
    use super::{LintSeverity::*, Rule};

    /// A Task without Retry.
    pub const TASK_NO_RETRY: Rule = Rule {
        id: "task-no-retry",
        severity: Warning,
        explanation: "transient errors (throttling, Lambda.ServiceException, timeouts) fail the execution unless the Task retries them with back-off",
    };
    /// A Task without TimeoutSeconds.
    pub const TASK_NO_TIMEOUT: Rule = Rule {
        id: "task-no-timeout",
        severity: Warning,
        explanation: "without TimeoutSeconds a Task whose worker never answers waits as long as the execution may run (a year on STANDARD)",
    };
    /// A callback Task (or activity) without HeartbeatSeconds.
    pub const CALLBACK_NO_HEARTBEAT: Rule = Rule {
        id: "callback-no-heartbeat",
        severity: Warning,
        explanation: "a worker that dies holding a task token is only noticed at the timeout; HeartbeatSeconds notices it within seconds",
    };
    /// A Task without Catch.
    pub const TASK_NO_CATCH: Rule = Rule {
        id: "task-no-catch",
        severity: Warning,
        explanation: "an error no Catch handles fails the whole execution; catch it to clean up, compensate or report",
    };
    /// A Catch whose last catcher is not `States.ALL`.
    pub const CATCH_NOT_EXHAUSTIVE: Rule = Rule {
        id: "catch-not-exhaustive",
        severity: Info,
        explanation: "errors the catchers do not name still fail the execution; end the list with a States.ALL catcher",
    };
    /// A Map without MaxConcurrency.
    pub const MAP_NO_MAX_CONCURRENCY: Rule = Rule {
        id: "map-no-max-concurrency",
        severity: Warning,
        explanation: "an unbounded Map starts as many iterations at once as AWS allows and can throttle the services it calls",
    };
    /// An account id or a region written into a resource ARN.
    pub const HARDCODED_ARN: Rule = Rule {
        id: "hardcoded-arn",
        severity: Warning,
        explanation: "account ids and regions written into ARNs tie the definition to one environment; use definition substitutions such as ${ChargeFunctionArn}",
    };
    /// A state named like `Step1`, `Task2`, `State3`.
    pub const GENERIC_STATE_NAME: Rule = Rule {
        id: "generic-state-name",
        severity: Info,
        explanation: "state names appear in the console, the history and every alarm: name what the state does",
    };
    /// A state machine that is one Task.
    pub const SINGLE_TASK: Rule = Rule {
        id: "single-task-machine",
        severity: Info,
        explanation: "a state machine around a single Task adds cost and latency to one call; call the service directly unless Retry or Catch earn their keep",
    };
    /// An EXPRESS machine that waits, or may wait, longer than five minutes.
    pub const EXPRESS_OVER_FIVE_MINUTES: Rule = Rule {
        id: "express-over-five-minutes",
        severity: Error,
        explanation: "EXPRESS executions stop after 5 minutes: longer Waits, timeouts and heartbeats can never complete",
    };
    /// An EXPRESS machine that uses `.sync`, `.waitForTaskToken` or an activity.
    pub const EXPRESS_INTEGRATION: Rule = Rule {
        id: "express-unsupported-integration",
        severity: Error,
        explanation: "EXPRESS workflows do not support the .sync and .waitForTaskToken integration patterns, nor activities",
    };
    /// A Retry whose back-off grows past an hour without MaxDelaySeconds.
    pub const RETRY_UNBOUNDED_BACKOFF: Rule = Rule {
        id: "retry-unbounded-backoff",
        severity: Warning,
        explanation: "exponential back-off grows fast: without MaxDelaySeconds one retry can wait for hours",
    };
    /// A worst-case history longer than the 25,000 events AWS keeps.
    pub const HISTORY_LIMIT: Rule = Rule {
        id: "history-limit",
        severity: Warning,
        explanation: "a STANDARD execution fails when its history passes 25,000 events; iterate long lists with a Distributed Map or a child execution",
    };

    /// Three or more Pass states in a row, each reached only from the one before.
    pub const PASS_CHAIN: Rule = Rule {
        id: "pass-chain",
        severity: Info,
        explanation: "every state is a billed state transition on STANDARD and adds to the history; a chain of Pass states can usually be one Pass state (or an Assign on a neighbour)",
    };
    /// A Task followed by a Task that reads nothing the first writes.
    pub const INDEPENDENT_TASKS: Rule = Rule {
        id: "independent-tasks",
        severity: Info,
        explanation: "a Task that reads nothing the Task before it writes need not wait for it: a Parallel state runs both at once, unless the first must succeed before the second starts",
    };
    /// An EXPRESS machine deployed without logging.
    pub const EXPRESS_NO_LOGGING: Rule = Rule {
        id: "express-no-logging",
        severity: Warning,
        explanation: "Step Functions keeps no execution history for EXPRESS workflows: without CloudWatch Logs a failed execution leaves no trace",
    };

    /// Every rule.
    pub const ALL: &[&Rule] = &[
        &TASK_NO_RETRY,
        &TASK_NO_TIMEOUT,
        &CALLBACK_NO_HEARTBEAT,
        &TASK_NO_CATCH,
        &CATCH_NOT_EXHAUSTIVE,
        &MAP_NO_MAX_CONCURRENCY,
        &HARDCODED_ARN,
        &GENERIC_STATE_NAME,
        &SINGLE_TASK,
        &EXPRESS_OVER_FIVE_MINUTES,
        &EXPRESS_INTEGRATION,
        &RETRY_UNBOUNDED_BACKOFF,
        &HISTORY_LIMIT,
        &PASS_CHAIN,
        &INDEPENDENT_TASKS,
        &EXPRESS_NO_LOGGING,
    ];
}

/// The rule with this id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    rules::ALL.iter().copied().find(|r| r.id == id)
}

/// One rule broken at one place.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The rule.
    pub rule: &'static Rule,
    /// What is wrong here.
    pub message: String,
    /// JSON pointer to the offending value.
    pub pointer: String,
}

impl Finding {
    /// The rule's severity.
    pub fn severity(&self) -> LintSeverity {
        self.rule.severity
    }
}

/// The events AWS keeps in one execution's history.
pub const HISTORY_EVENT_LIMIT: u64 = 25_000;
/// The longest an EXPRESS execution runs, in seconds.
pub const EXPRESS_LIMIT_SECONDS: i64 = 300;
/// The longest single retry delay the back-off rule accepts without MaxDelaySeconds.
pub const BACKOFF_LIMIT_SECONDS: f64 = 3600.0;

/// Runs every rule over `machine` and returns the findings in definition order (none for a
/// machine whose scopes nest deeper than the validator allows).
pub fn lint(machine: &StateMachine, options: &CompileOptions) -> Vec<Finding> {
    // The rules recurse into nested scopes; the validator refuses a machine nested this deep.
    if crate::nesting::scopes_too_deep(machine) {
        return Vec::new();
    }
    let mut l = Linter {
        machine,
        options,
        findings: Vec::new(),
    };
    if let Some(t) = machine.timeout_seconds
        && options.machine_type == MachineType::Express
        && t > EXPRESS_LIMIT_SECONDS
    {
        l.push(
            &rules::EXPRESS_OVER_FIVE_MINUTES,
            "/TimeoutSeconds",
            format!("the execution TimeoutSeconds is {t} s, beyond EXPRESS's 300"),
        );
    }
    if machine.states.len() == 1
        && let Some((name, state)) = machine.states.first()
        && matches!(state.kind, StateKind::Task(_))
    {
        l.push(
            &rules::SINGLE_TASK,
            &push_pointer("/States", name),
            format!("the state machine is the single Task '{name}'"),
        );
    }
    l.states(&machine.start_at, &machine.states, "");
    l.findings
}

/// The findings of a deployment rather than of a definition: an EXPRESS machine whose
/// logging is `None` (not configured) or `OFF` ([`rules::EXPRESS_NO_LOGGING`]). `pointer`
/// locates the machine's settings in the deployment's document (a template).
pub fn deployment_findings(
    machine_type: MachineType,
    log_level: Option<&str>,
    pointer: &str,
) -> Vec<Finding> {
    let logs = log_level.is_some_and(|level| level != "OFF");
    if machine_type != MachineType::Express || logs {
        return Vec::new();
    }
    let how = match log_level {
        Some(level) => format!("logs at level {level}"),
        None => "has no logging configuration".to_string(),
    };
    vec![Finding {
        rule: &rules::EXPRESS_NO_LOGGING,
        message: format!("the EXPRESS state machine {how}: its executions leave no history"),
        pointer: pointer.to_string(),
    }]
}

/// The deployment findings of the state machines of a CloudFormation or SAM template
/// (`AWS::StepFunctions::StateMachine`, `AWS::Serverless::StateMachine`): their type and log
/// level as written, or as the default of the parameter they refer to. A level the template
/// leaves to something else (a condition, an import) counts as logging.
pub fn template_findings(template: &Value) -> Vec<Finding> {
    let mut findings = Vec::new();
    let Some(resources) = template.get("Resources").and_then(Value::as_object) else {
        return findings;
    };
    let resolve = |value: &Value| -> Option<String> {
        match value {
            Value::String(s) => Some(s.clone()),
            Value::Object(map) => {
                let parameter = map.get("Ref")?.as_str()?;
                let default = template.pointer(&format!(
                    "/Parameters/{}/Default",
                    parameter.replace('~', "~0").replace('/', "~1")
                ))?;
                default.as_str().map(str::to_string)
            }
            _ => None,
        }
    };
    for (id, resource) in resources {
        let (type_field, logging_field) = match resource.get("Type").and_then(Value::as_str) {
            Some("AWS::Serverless::StateMachine") => ("Type", "Logging"),
            Some("AWS::StepFunctions::StateMachine") => {
                ("StateMachineType", "LoggingConfiguration")
            }
            _ => continue,
        };
        let properties = resource.get("Properties");
        let field = |name: &str| properties.and_then(|p| p.get(name));
        let machine_type = match field(type_field).and_then(resolve).as_deref() {
            Some("EXPRESS") => MachineType::Express,
            _ => MachineType::Standard,
        };
        let level = match field(logging_field) {
            None => None,
            Some(logging) => match logging.get("Level") {
                // Without a Level, Step Functions does not log (its default is OFF).
                None => Some("OFF".to_string()),
                Some(level) => Some(resolve(level).unwrap_or_else(|| "ERROR".to_string())),
            },
        };
        let pointer = push_pointer("/Resources", id) + "/Properties";
        findings.extend(deployment_findings(
            machine_type,
            level.as_deref(),
            &pointer,
        ));
    }
    findings
}

/// The fewest Pass states in a row that [`rules::PASS_CHAIN`] reports.
pub const PASS_CHAIN_MIN: usize = 3;

struct Linter<'o> {
    machine: &'o StateMachine,
    options: &'o CompileOptions,
    findings: Vec<Finding>,
}

impl Linter<'_> {
    fn push(&mut self, rule: &'static Rule, pointer: &str, message: String) {
        self.findings.push(Finding {
            rule,
            message,
            pointer: pointer.to_string(),
        });
    }

    fn express(&self) -> bool {
        self.options.machine_type == MachineType::Express
    }

    fn states(&mut self, start_at: &str, states: &States, prefix: &str) {
        let states_pointer = format!("{prefix}/States");
        for (name, state) in states {
            let pointer = push_pointer(&states_pointer, name);
            self.state(name, state, &pointer);
        }
        let incoming = incoming(start_at, states);
        self.pass_chains(states, &incoming, &states_pointer);
        self.independent_tasks(states, &incoming, &states_pointer);
    }

    /// [`rules::PASS_CHAIN`]: a chain starts at a Pass state that does not continue another
    /// one's, and goes on through Pass states reached only from the one before.
    fn pass_chains(
        &mut self,
        states: &States,
        incoming: &HashMap<&str, usize>,
        states_pointer: &str,
    ) {
        let is_pass =
            |name: &str| matches!(states.get(name).map(|s| &s.kind), Some(StateKind::Pass(_)));
        let continues = |name: &str| {
            incoming.get(name) == Some(&1)
                && states.values().any(|s| {
                    matches!(s.kind, StateKind::Pass(_)) && s.next.as_deref() == Some(name)
                })
        };
        for (name, state) in states {
            if !matches!(state.kind, StateKind::Pass(_)) || continues(name) {
                continue;
            }
            let mut chain = vec![name.as_str()];
            let mut current = state;
            while let Some(next) = current.next.as_deref()
                && is_pass(next)
                && incoming.get(next) == Some(&1)
                && !chain.contains(&next)
                && let Some(state) = states.get(next)
            {
                chain.push(next);
                current = state;
            }
            if chain.len() >= PASS_CHAIN_MIN {
                self.push(
                    &rules::PASS_CHAIN,
                    &push_pointer(states_pointer, name),
                    format!(
                        "{} Pass states in a row ('{}') take {} state transitions where one Pass state would do",
                        chain.len(),
                        chain.join("' -> '"),
                        chain.len()
                    ),
                );
            }
        }
    }

    /// [`rules::INDEPENDENT_TASKS`]: a JSONPath Task whose `Next` is a Task reached from it
    /// alone, when nothing the second reads (its InputPath, the paths of its Parameters,
    /// variables) lies under what the first writes (its ResultPath, its Assign).
    fn independent_tasks(
        &mut self,
        states: &States,
        incoming: &HashMap<&str, usize>,
        states_pointer: &str,
    ) {
        for (name, first) in states {
            let (StateKind::Task(_), Some(next)) = (&first.kind, first.next.as_deref()) else {
                continue;
            };
            let Some(second) = states.get(next) else {
                continue;
            };
            let jsonpath =
                |s: &State| self.machine.effective_language(s) == QueryLanguage::JsonPath;
            if !matches!(second.kind, StateKind::Task(_))
                || incoming.get(next) != Some(&1)
                || !jsonpath(first)
                || !jsonpath(second)
            {
                continue;
            }
            let (Some(writes), Some(reads)) = (data_flow::writes(first), data_flow::reads(second))
            else {
                continue;
            };
            if writes
                .iter()
                .any(|w| reads.iter().any(|r| data_flow::overlap(&w.0, r)))
            {
                continue;
            }
            let written: Vec<&str> = writes.iter().map(|w| w.1.as_str()).collect();
            let written = if written.is_empty() {
                "nothing".to_string()
            } else {
                written.join(", ")
            };
            self.push(
                &rules::INDEPENDENT_TASKS,
                &push_pointer(states_pointer, name),
                format!(
                    "'{next}' reads nothing that '{name}' writes ({written}): a Parallel state could run them at once, unless '{name}' must succeed before '{next}' starts"
                ),
            );
        }
    }

    fn state(&mut self, name: &str, state: &State, pointer: &str) {
        if generic_name(name) {
            self.push(
                &rules::GENERIC_STATE_NAME,
                pointer,
                format!("'{name}' says what type the state is, not what it does"),
            );
        }
        if let Some(retriers) = &state.retry {
            for (i, r) in retriers.iter().enumerate() {
                self.retrier(r, &format!("{pointer}/Retry/{i}"));
            }
        }
        if let Some(catchers) = &state.catch
            && let Some(last) = catchers.last()
            && !last.error_equals.iter().any(|e| e == names::ALL)
        {
            self.push(
                &rules::CATCH_NOT_EXHAUSTIVE,
                &format!("{pointer}/Catch"),
                format!(
                    "the last catcher of '{name}' handles {}, not States.ALL",
                    last.error_equals.join(", ")
                ),
            );
        }
        match &state.kind {
            StateKind::Task(task) => self.task(name, state, task, pointer),
            StateKind::Wait(wait) => {
                if self.express()
                    && let Some(Expr::Literal(s)) = wait.seconds
                    && s > EXPRESS_LIMIT_SECONDS
                {
                    self.push(
                        &rules::EXPRESS_OVER_FIVE_MINUTES,
                        &format!("{pointer}/Seconds"),
                        format!("'{name}' waits {s} s, beyond EXPRESS's 300"),
                    );
                }
            }
            StateKind::Parallel(p) => {
                for (i, b) in p.branches.iter().enumerate() {
                    self.states(&b.start_at, &b.states, &format!("{pointer}/Branches/{i}"));
                }
            }
            StateKind::Map(m) => {
                let unbounded = match &m.max_concurrency {
                    None => m.max_concurrency_path.is_none(),
                    Some(Expr::Literal(0)) => true,
                    Some(_) => false,
                };
                if unbounded {
                    self.push(
                        &rules::MAP_NO_MAX_CONCURRENCY,
                        pointer,
                        format!("Map '{name}' has no MaxConcurrency"),
                    );
                }
                self.history(name, m, pointer);
                let field = m.processor_field();
                self.states(
                    &m.item_processor.start_at,
                    &m.item_processor.states,
                    &format!("{pointer}/{field}"),
                );
            }
            _ => {}
        }
    }

    fn task(&mut self, name: &str, state: &State, task: &crate::model::Task, pointer: &str) {
        if state.retry.as_ref().is_none_or(Vec::is_empty) {
            self.push(
                &rules::TASK_NO_RETRY,
                pointer,
                format!("Task '{name}' has no Retry"),
            );
        }
        if task.timeout_seconds.is_none() && task.timeout_seconds_path.is_none() {
            self.push(
                &rules::TASK_NO_TIMEOUT,
                pointer,
                format!("Task '{name}' has no TimeoutSeconds"),
            );
        }
        if state.catch.as_ref().is_none_or(Vec::is_empty) {
            self.push(
                &rules::TASK_NO_CATCH,
                pointer,
                format!("Task '{name}' has no Catch"),
            );
        }
        let kind = classify_resource(&task.resource).ok();
        let waits_for_worker = matches!(kind, Some(ResourceKind::Activity { .. }))
            || kind
                .as_ref()
                .is_some_and(|k| k.integration() == Integration::Callback);
        if waits_for_worker
            && task.heartbeat_seconds.is_none()
            && task.heartbeat_seconds_path.is_none()
        {
            self.push(
                &rules::CALLBACK_NO_HEARTBEAT,
                pointer,
                format!("Task '{name}' waits for a worker but has no HeartbeatSeconds"),
            );
        }
        if self.express() {
            let pattern = match &kind {
                Some(ResourceKind::Activity { .. }) => Some("an activity"),
                Some(k) if k.integration() == Integration::Sync => Some("the .sync pattern"),
                Some(k) if k.integration() == Integration::Callback => {
                    Some("the .waitForTaskToken pattern")
                }
                _ => None,
            };
            if let Some(pattern) = pattern {
                self.push(
                    &rules::EXPRESS_INTEGRATION,
                    &format!("{pointer}/Resource"),
                    format!("Task '{name}' uses {pattern}, which EXPRESS does not support"),
                );
            }
            for (field, value) in [
                ("TimeoutSeconds", &task.timeout_seconds),
                ("HeartbeatSeconds", &task.heartbeat_seconds),
            ] {
                if let Some(Expr::Literal(s)) = value
                    && *s > EXPRESS_LIMIT_SECONDS
                {
                    self.push(
                        &rules::EXPRESS_OVER_FIVE_MINUTES,
                        &format!("{pointer}/{field}"),
                        format!("'{name}' has {field} {s} s, beyond EXPRESS's 300"),
                    );
                }
            }
        }
        self.hardcoded(name, &task.resource, &format!("{pointer}/Resource"));
        if let Some(Value::Object(params)) = &state.parameters {
            for (key, value) in params {
                if let Value::String(s) = value
                    && !key.ends_with(".$")
                    && s.starts_with("arn:")
                {
                    self.hardcoded(
                        name,
                        s,
                        &push_pointer(&format!("{pointer}/Parameters"), key),
                    );
                }
            }
        }
    }

    fn hardcoded(&mut self, name: &str, arn: &str, pointer: &str) {
        let parts: Vec<&str> = arn.split(':').collect();
        if parts.len() < 5 || parts[0] != "arn" {
            return;
        }
        let region = parts[3];
        let account = parts[4];
        let mut what = Vec::new();
        if is_account_id(account) {
            what.push(format!("account {account}"));
        }
        if is_region(region) {
            what.push(format!("region {region}"));
        }
        if !what.is_empty() {
            self.push(
                &rules::HARDCODED_ARN,
                pointer,
                format!(
                    "'{name}' names {} in {arn}: use a substitution such as ${{{}Arn}}",
                    what.join(" and "),
                    pascal(name)
                ),
            );
        }
    }

    fn retrier(&mut self, r: &crate::model::Retrier, pointer: &str) {
        if r.max_delay_seconds.is_some() {
            return;
        }
        let interval = r.interval_seconds.unwrap_or(1) as f64;
        let attempts = r.max_attempts.unwrap_or(3);
        let rate = r
            .backoff_rate
            .as_ref()
            .and_then(|n| n.as_f64())
            .unwrap_or(2.0);
        if attempts < 1 {
            return;
        }
        // The delay before retry k (k = 1..=MaxAttempts) is IntervalSeconds * BackoffRate^(k-1).
        let last = interval * rate.powf((attempts - 1) as f64);
        if last > BACKOFF_LIMIT_SECONDS {
            self.push(
                &rules::RETRY_UNBOUNDED_BACKOFF,
                pointer,
                format!(
                    "the last of {attempts} retries waits {} without MaxDelaySeconds",
                    human_seconds(last)
                ),
            );
        }
    }

    fn history(&mut self, name: &str, m: &crate::model::MapState, pointer: &str) {
        if self.options.machine_type != MachineType::Standard || distributed(&m.item_processor) {
            return;
        }
        let per_item = 2 + events(&m.item_processor.start_at, &m.item_processor.states);
        let known = match &m.items {
            Some(Value::Array(items)) => Some(items.len() as u64),
            _ => None,
        };
        let limit_items = HISTORY_EVENT_LIMIT / per_item.max(1);
        match known {
            Some(n) if n * per_item > HISTORY_EVENT_LIMIT => self.push(
                &rules::HISTORY_LIMIT,
                pointer,
                format!(
                    "inline Map '{name}' iterates over {n} items of at least {per_item} events each: more than 25,000 events"
                ),
            ),
            Some(_) => {}
            None => self.push(
                &rules::HISTORY_LIMIT,
                pointer,
                format!(
                    "inline Map '{name}' iterates over a list of any length, at least {per_item} events per item: more than {limit_items} items pass 25,000 events"
                ),
            ),
        }
    }
}

/// How many transitions lead into each state of a scope (`StartAt` counts as one).
fn incoming<'s>(start_at: &'s str, states: &'s States) -> HashMap<&'s str, usize> {
    let mut count = HashMap::new();
    *count.entry(start_at).or_insert(0) += 1;
    for state in states.values() {
        for target in state.transitions() {
            *count.entry(target).or_insert(0) += 1;
        }
    }
    count
}

/// What a JSONPath state writes and reads, for [`rules::INDEPENDENT_TASKS`].
mod data_flow {
    use serde_json::Value;

    use crate::intrinsics::{IntrinsicCall, is_intrinsic_call};
    use crate::model::{PathField, State};
    use crate::path::{Path, Root, Segment};

    /// One step of a place in the document; `Any` for a step that may be anything
    /// (wildcards, filters, slices, negative indices), which ends the place.
    #[derive(Debug, PartialEq)]
    pub(super) enum Step {
        Name(String),
        Index(i64),
        Any,
    }

    /// A place in the state's document, or a variable.
    #[derive(Debug, PartialEq)]
    pub(super) enum Place {
        Document(Vec<Step>),
        Variable(String),
    }

    fn steps(path: &Path) -> Vec<Step> {
        let mut out = Vec::new();
        for segment in path.segments() {
            match segment {
                Segment::Name(n) => out.push(Step::Name(n.to_string())),
                Segment::Index(i) if *i >= 0 => out.push(Step::Index(*i)),
                _ => {
                    out.push(Step::Any);
                    break;
                }
            }
        }
        out
    }

    /// Where a path reads, seen from the state's input: `prefix` is where its InputPath put
    /// the document the path is evaluated against. `None` for the context object.
    fn place(path: &Path, prefix: &[Step]) -> Option<Place> {
        match path.root() {
            Root::Context => None,
            Root::Variable(v) => Some(Place::Variable(v.to_string())),
            Root::Input => {
                let mut all: Vec<Step> = prefix
                    .iter()
                    .map(|s| match s {
                        Step::Name(n) => Step::Name(n.clone()),
                        Step::Index(i) => Step::Index(*i),
                        Step::Any => Step::Any,
                    })
                    .collect();
                if all.last() != Some(&Step::Any) {
                    all.extend(steps(path));
                }
                Some(Place::Document(all))
            }
        }
    }

    /// What a state writes into the document the next state receives, each with its text;
    /// `None` when that is the whole document or cannot be told (no ResultPath, an
    /// OutputPath).
    pub(super) fn writes(state: &State) -> Option<Vec<(Place, String)>> {
        if matches!(&state.output_path, Some(PathField::Null))
            || matches!(&state.output_path, Some(PathField::Path(p)) if p != "$")
        {
            return None;
        }
        let mut out = Vec::new();
        match &state.result_path {
            None => return None,
            Some(PathField::Null) => {}
            Some(PathField::Path(text)) => {
                let path = Path::parse(text).ok()?;
                if path.root() != &Root::Input || path.segments().is_empty() {
                    return None;
                }
                out.push((Place::Document(steps(&path)), text.clone()));
            }
        }
        if let Some(assign) = &state.assign {
            let Value::Object(map) = assign else {
                return None;
            };
            for key in map.keys() {
                let name = key.strip_suffix(".$").unwrap_or(key);
                out.push((Place::Variable(name.to_string()), format!("${name}")));
            }
        }
        Some(out)
    }

    /// Where a state reads: its InputPath, or the paths of its Parameters seen through it.
    /// `None` when a path does not parse (the validator reports it).
    pub(super) fn reads(state: &State) -> Option<Vec<Place>> {
        let prefix: Option<Vec<Step>> = match &state.input_path {
            None => Some(Vec::new()),
            Some(PathField::Null) => None,
            Some(PathField::Path(text)) => {
                let path = Path::parse(text).ok()?;
                match path.root() {
                    Root::Input => Some(steps(&path)),
                    // A variable or the context object as the whole input.
                    _ => return Some(place(&path, &[]).into_iter().collect()),
                }
            }
        };
        let Some(parameters) = &state.parameters else {
            return Some(match prefix {
                Some(p) => vec![Place::Document(p)],
                None => Vec::new(),
            });
        };
        let prefix = prefix.unwrap_or_default();
        let mut out = Vec::new();
        // The paths of `.$` fields, nested templates included (a stack: no recursion).
        let mut stack = vec![parameters];
        while let Some(value) = stack.pop() {
            match value {
                Value::Object(map) => {
                    for (key, v) in map {
                        if let (true, Value::String(text)) = (key.ends_with(".$"), v) {
                            let paths: Vec<Path> = if is_intrinsic_call(text) {
                                let call = IntrinsicCall::parse(text).ok()?;
                                call.paths().into_iter().cloned().collect()
                            } else {
                                vec![Path::parse(text).ok()?]
                            };
                            out.extend(paths.iter().filter_map(|p| place(p, &prefix)));
                        } else {
                            stack.push(v);
                        }
                    }
                }
                Value::Array(items) => stack.extend(items),
                _ => {}
            }
        }
        Some(out)
    }

    /// True when a write at `a` can change what a read at `b` sees: one place holds the other.
    /// A name against an index counts as overlapping, to stay on the safe side.
    pub(super) fn overlap(a: &Place, b: &Place) -> bool {
        match (a, b) {
            (Place::Variable(x), Place::Variable(y)) => x == y,
            (Place::Document(x), Place::Document(y)) => {
                for (p, q) in x.iter().zip(y) {
                    match (p, q) {
                        (Step::Any, _) | (_, Step::Any) => return true,
                        (Step::Name(m), Step::Name(n)) if m != n => return false,
                        (Step::Index(i), Step::Index(j)) if i != j => return false,
                        _ => {}
                    }
                }
                true
            }
            _ => false,
        }
    }
}

/// The fewest history events one pass through a scope records.
fn events(start: &str, states: &States) -> u64 {
    crate::transitions::scope_bounds(start, states, &|s: &State| {
        let own = match &s.kind {
            StateKind::Task(_) => 5,
            StateKind::Parallel(p) => {
                4 + p
                    .branches
                    .iter()
                    .map(|b| events(&b.start_at, &b.states))
                    .sum::<u64>()
            }
            StateKind::Map(_) => 4,
            StateKind::Fail(_) => 1,
            _ => 2,
        };
        (own, Some(own))
    })
    .0
    .max(1)
}

fn distributed(processor: &Branch) -> bool {
    processor
        .processor_config
        .as_ref()
        .and_then(|c| c.get("Mode"))
        .and_then(Value::as_str)
        == Some("DISTRIBUTED")
}

/// `Step1`, `Task 2`, `State_3`, `Pass4`, `Lambda Invoke`: a type and a number.
fn generic_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    if lower == "lambda invoke" || lower.starts_with("lambda invoke (") {
        return true;
    }
    let digits = lower.trim_end_matches(|c: char| c.is_ascii_digit());
    if digits.len() == lower.len() {
        return false;
    }
    let word = digits.trim_end_matches([' ', '_', '-']);
    [
        "step", "task", "state", "pass", "choice", "wait", "map", "parallel", "succeed", "fail",
        "lambda",
    ]
    .contains(&word)
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// `us-east-1`, `eu-west-3`, `us-gov-west-1`, `ap-southeast-2`, ...
fn is_region(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[0].bytes().all(|b| b.is_ascii_lowercase())
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
}

/// `charge-card` → `ChargeCard`: the words of a name, capitalized and joined (letters and
/// digits only).
pub(crate) fn pascal(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn human_seconds(s: f64) -> String {
    if s >= 86_400.0 {
        format!("{:.1} days", s / 86_400.0)
    } else if s >= 3600.0 {
        format!("{:.1} hours", s / 3600.0)
    } else {
        format!("{s:.0} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(text: &str, machine_type: MachineType) -> Vec<(&'static str, String)> {
        let machine = StateMachine::from_json_str(text).unwrap();
        lint(&machine, &CompileOptions { machine_type })
            .into_iter()
            .map(|f| (f.rule.id, f.pointer))
            .collect()
    }

    const GOOD_TASK: &str = r#""Type": "Task", "Resource": "${Charge}", "TimeoutSeconds": 30,
        "Retry": [{"ErrorEquals": ["States.ALL"], "MaxDelaySeconds": 60}],
        "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Failed"}]"#;

    #[test]
    fn a_careful_machine_has_no_findings() {
        let text = format!(
            r#"{{"StartAt": "ChargeCard", "States": {{
                "ChargeCard": {{{GOOD_TASK}, "Next": "Done"}},
                "Done": {{"Type": "Succeed"}}, "Failed": {{"Type": "Fail"}}}}}}"#
        );
        assert_eq!(ids(&text, MachineType::Standard), vec![]);
        assert_eq!(ids(&text, MachineType::Express), vec![]);
    }

    #[test]
    fn a_bare_task_breaks_the_task_rules() {
        let text = r#"{"StartAt": "Task1", "States": {"Task1": {"Type": "Task",
            "Resource": "arn:aws:lambda:eu-west-1:123456789012:function:charge", "End": true}}}"#;
        let found = ids(text, MachineType::Standard);
        let rules: Vec<&str> = found.iter().map(|(id, _)| *id).collect();
        assert_eq!(
            rules,
            vec![
                "single-task-machine",
                "generic-state-name",
                "task-no-retry",
                "task-no-timeout",
                "task-no-catch",
                "hardcoded-arn",
            ]
        );
        assert_eq!(found[5].1, "/States/Task1/Resource");
    }

    #[test]
    fn callbacks_need_heartbeats_and_express_refuses_them() {
        let text = format!(
            r#"{{"StartAt": "AskApproval", "States": {{
                "AskApproval": {{{}, "End": true}}, "Failed": {{"Type": "Fail"}}}}}}"#,
            GOOD_TASK.replace(
                "${Charge}",
                "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
            )
        );
        assert_eq!(
            ids(&text, MachineType::Standard),
            vec![("callback-no-heartbeat", "/States/AskApproval".to_string())]
        );
        let express = ids(&text, MachineType::Express);
        assert!(express.contains(&(
            "express-unsupported-integration",
            "/States/AskApproval/Resource".to_string()
        )));
    }

    #[test]
    fn express_waits_and_timeouts_over_five_minutes() {
        let text = r#"{"StartAt": "Cool", "TimeoutSeconds": 600, "States": {
            "Cool": {"Type": "Wait", "Seconds": 301, "Next": "Quick"},
            "Quick": {"Type": "Wait", "Seconds": 300, "End": true}}}"#;
        assert_eq!(
            ids(text, MachineType::Express),
            vec![
                ("express-over-five-minutes", "/TimeoutSeconds".to_string()),
                (
                    "express-over-five-minutes",
                    "/States/Cool/Seconds".to_string()
                ),
            ]
        );
        assert_eq!(ids(text, MachineType::Standard), vec![]);
    }

    #[test]
    fn backoff_past_an_hour() {
        // 1 * 2^(12-1) = 2048 s: under an hour. 1 * 2^12 = 4096 s: over.
        let retry = |attempts: u32, extra: &str| {
            format!(
                r#"{{"StartAt": "P", "States": {{"P": {{"Type": "Parallel", "Branches": [{{"StartAt": "X", "States": {{"X": {{"Type": "Pass", "End": true}}}}}}],
                "Retry": [{{"ErrorEquals": ["States.ALL"], "MaxAttempts": {attempts}{extra}}}], "End": true}}}}}}"#
            )
        };
        assert_eq!(ids(&retry(12, ""), MachineType::Standard), vec![]);
        assert_eq!(
            ids(&retry(13, ""), MachineType::Standard),
            vec![("retry-unbounded-backoff", "/States/P/Retry/0".to_string())]
        );
        assert_eq!(
            ids(
                &retry(13, r#", "MaxDelaySeconds": 600"#),
                MachineType::Standard
            ),
            vec![]
        );
    }

    #[test]
    fn maps_concurrency_and_history() {
        let text = r#"{"StartAt": "Items", "States": {"Items": {"Type": "Map", "ItemsPath": "$.items",
            "ItemProcessor": {"StartAt": "Transform", "States": {"Transform": {"Type": "Pass", "End": true}}},
            "End": true}}}"#;
        let found = ids(text, MachineType::Standard);
        assert_eq!(
            found,
            vec![
                ("map-no-max-concurrency", "/States/Items".to_string()),
                ("history-limit", "/States/Items".to_string()),
            ]
        );
        let distributed = text.replace(
            r#""ItemProcessor": {"#,
            r#""MaxConcurrency": 10, "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, "#,
        );
        assert_eq!(ids(&distributed, MachineType::Standard), vec![]);
        // A literal list of 3 items of 4 events each stays far below the limit.
        let small = text
            .replace(r#""ItemsPath": "$.items""#, r#""Items": [1, 2, 3]"#)
            .replace(
                r#""Type": "Map","#,
                r#""Type": "Map", "MaxConcurrency": 2,"#,
            );
        assert_eq!(ids(&small, MachineType::Standard), vec![]);
    }

    #[test]
    fn generic_names() {
        for name in [
            "Step1",
            "Task 2",
            "State_3",
            "pass4",
            "Lambda Invoke",
            "Map-10",
        ] {
            assert!(generic_name(name), "{name}");
        }
        for name in ["ChargeCard", "Step", "Task", "Done", "Steps1a", "Stepper2"] {
            assert!(!generic_name(name), "{name}");
        }
    }

    #[test]
    fn regions_and_accounts() {
        assert!(is_region("us-east-1"));
        assert!(is_region("us-gov-west-1"));
        assert!(is_region("ap-southeast-2"));
        assert!(!is_region(""));
        assert!(!is_region("${AWS::Region}"));
        assert!(is_account_id("123456789012"));
        assert!(!is_account_id("12345678901"));
    }

    #[test]
    fn catch_without_states_all() {
        let text = format!(
            r#"{{"StartAt": "ChargeCard", "States": {{
                "ChargeCard": {{{}, "End": true}}, "Failed": {{"Type": "Fail"}}}}}}"#,
            GOOD_TASK.replace(
                r#""Catch": [{"ErrorEquals": ["States.ALL"]"#,
                r#""Catch": [{"ErrorEquals": ["CardDeclined"]"#
            )
        );
        assert_eq!(
            ids(&text, MachineType::Standard),
            vec![(
                "catch-not-exhaustive",
                "/States/ChargeCard/Catch".to_string()
            )]
        );
    }

    #[test]
    fn chains_of_pass_states() {
        let chain = r#"{"StartAt": "Shape", "States": {
            "Shape": {"Type": "Pass", "Parameters": {"id.$": "$.id"}, "Next": "Stamp"},
            "Stamp": {"Type": "Pass", "Result": "now", "ResultPath": "$.at", "Next": "Tag"},
            "Tag": {"Type": "Pass", "Result": "web", "ResultPath": "$.channel", "Next": "Done"},
            "Done": {"Type": "Succeed"}}}"#;
        assert_eq!(
            ids(chain, MachineType::Standard),
            vec![("pass-chain", "/States/Shape".to_string())]
        );
        // Two in a row are no chain.
        let two = chain.replace(r#""Next": "Tag""#, r#""Next": "Done""#);
        assert_eq!(ids(&two, MachineType::Standard), vec![]);
        // A state entered from elsewhere too cannot be merged into the one before it: the
        // chains are Shape alone and Stamp -> Tag.
        let entered = chain.replace(
            r#""Done": {"Type": "Succeed"}"#,
            r#""Done": {"Type": "Choice", "Choices": [{"Variable": "$.again", "BooleanEquals": true, "Next": "Stamp"}], "Default": "End"},
               "End": {"Type": "Succeed"}"#,
        );
        assert_eq!(ids(&entered, MachineType::Standard), vec![]);
        // Inside a Parallel branch too.
        let nested = format!(
            r#"{{"StartAt": "P", "States": {{"P": {{"Type": "Parallel", "End": true, "Branches": [{chain}]}}}}}}"#
        );
        assert_eq!(
            ids(&nested, MachineType::Standard),
            vec![(
                "pass-chain",
                "/States/P/Branches/0/States/Shape".to_string()
            )]
        );
    }

    /// Two Tasks, Charge then Ship, with Charge's and Ship's fields.
    fn two_tasks(charge: &str, ship: &str) -> Vec<(&'static str, String)> {
        let text = format!(
            r#"{{"StartAt": "Charge", "States": {{
                "Charge": {{{GOOD_TASK}, "Next": "Ship"{charge}}},
                "Ship": {{{}, "End": true{ship}}},
                "Failed": {{"Type": "Fail"}}}}}}"#,
            GOOD_TASK.replace("${Charge}", "${Ship}")
        );
        ids(&text, MachineType::Standard)
            .into_iter()
            .filter(|(id, _)| *id == "independent-tasks")
            .collect()
    }

    #[test]
    fn tasks_that_could_run_in_parallel() {
        let found = vec![("independent-tasks", "/States/Charge".to_string())];
        // Ship reads the order; Charge writes the payment beside it.
        let reads_order = r#", "Parameters": {"id.$": "$.order.id", "items.$": "$.order.items"}"#;
        assert_eq!(
            two_tasks(r#", "ResultPath": "$.payment""#, reads_order),
            found
        );
        // ... and an intrinsic function of the order, and the context object.
        let intrinsic = r#", "Parameters": {"label.$": "States.Format('{}', $.order.id)", "token.$": "$$.Task.Token"}"#;
        assert_eq!(
            two_tasks(r#", "ResultPath": "$.payment""#, intrinsic),
            found
        );
        // Charge's result discarded: Ship cannot depend on it.
        assert_eq!(two_tasks(r#", "ResultPath": null"#, ""), found);
        // Ship's InputPath is beside what Charge writes.
        assert_eq!(
            two_tasks(
                r#", "ResultPath": "$.payment""#,
                r#", "InputPath": "$.order""#
            ),
            found
        );
    }

    #[test]
    fn tasks_that_depend_on_the_one_before() {
        let payment = r#", "ResultPath": "$.payment""#;
        for (charge, ship) in [
            // Charge's result replaces the whole document.
            ("", r#", "Parameters": {"id.$": "$.order.id"}"#),
            // Ship reads what Charge writes, or all of the document, or a part of it.
            (
                payment,
                r#", "Parameters": {"amount.$": "$.payment.amount"}"#,
            ),
            (payment, ""),
            (payment, r#", "InputPath": "$.payment""#),
            (payment, r#", "Parameters": {"all.$": "$"}"#),
            (
                payment,
                r#", "Parameters": {"n.$": "States.ArrayLength($.payment.items)"}"#,
            ),
            (
                payment,
                r#", "InputPath": "$", "Parameters": {"p.$": "$.payment.id"}"#,
            ),
            // A variable Charge assigns.
            (
                r#", "ResultPath": null, "Assign": {"paid.$": "$.amount"}"#,
                r#", "Parameters": {"paid.$": "$paid"}"#,
            ),
            // Charge reshapes what Ship receives.
            (
                r#", "ResultPath": "$.payment", "OutputPath": "$.order""#,
                r#", "Parameters": {"id.$": "$.id"}"#,
            ),
        ] {
            assert_eq!(two_tasks(charge, ship), vec![], "{charge} {ship}");
        }
    }

    #[test]
    fn express_machines_deployed_without_logging() {
        let found = |t: Value| -> Vec<String> {
            template_findings(&t)
                .into_iter()
                .map(|f| f.pointer)
                .collect()
        };
        let sam = |properties: Value| serde_json::json!({"Resources": {"Machine": {"Type": "AWS::Serverless::StateMachine", "Properties": properties}}});
        let express = serde_json::json!({"Type": "EXPRESS"});
        assert_eq!(
            found(sam(express.clone())),
            ["/Resources/Machine/Properties"]
        );
        assert_eq!(
            found(sam(
                serde_json::json!({"Type": "EXPRESS", "Logging": {"Level": "ERROR", "Destinations": []}})
            )),
            Vec::<String>::new()
        );
        assert_eq!(
            found(sam(
                serde_json::json!({"Type": "EXPRESS", "Logging": {"Level": "OFF"}})
            )),
            ["/Resources/Machine/Properties"]
        );
        // A level from a parameter: its default.
        let mut with_parameter =
            sam(serde_json::json!({"Type": "EXPRESS", "Logging": {"Level": {"Ref": "Level"}}}));
        with_parameter["Parameters"] =
            serde_json::json!({"Level": {"Type": "String", "Default": "OFF"}});
        assert_eq!(found(with_parameter), ["/Resources/Machine/Properties"]);
        // CloudFormation's own resource, and a STANDARD machine.
        let cfn = serde_json::json!({"Resources": {"M": {"Type": "AWS::StepFunctions::StateMachine",
            "Properties": {"StateMachineType": "EXPRESS"}}}});
        assert_eq!(found(cfn), ["/Resources/M/Properties"]);
        assert_eq!(found(sam(serde_json::json!({}))), Vec::<String>::new());
    }

    #[test]
    fn every_rule_has_a_unique_id() {
        let mut seen = std::collections::HashSet::new();
        for r in rules::ALL {
            assert!(seen.insert(r.id), "{}", r.id);
            assert_eq!(rule(r.id), Some(*r));
        }
    }
}
