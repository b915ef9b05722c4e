//! Validation and compilation in one walk over the model.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use super::resource::{Integration, classify_resource};
use super::*;
use crate::diagnostic::{Diagnostic, Severity, codes, push_pointer};
use crate::error::names;
use crate::model::{
    self, Branch, Expr, PathField, QueryLanguage, State, StateKind, StateMachine, States,
};
use crate::template::compile_dynamic;

mod jsonata;
mod map_fields;
mod nesting;
mod variables;

use jsonata::{Site, is_jsonata};
pub(crate) use nesting::dismantle;

/// Checks a definition and returns every problem found (errors and warnings), each with its
/// JSON pointer. An empty list means the definition is valid. Features the local runtime does
/// not run yet are not problems of the definition and are not reported here.
pub fn validate(machine: &StateMachine, options: &CompileOptions) -> Vec<Diagnostic> {
    compile(machine, options).diagnostics
}

/// What one walk over a definition gives: the plan (when the definition has no errors), the
/// problems of the definition, and what the runtime cannot run yet.
pub(crate) struct Compiled {
    pub(crate) plan: Option<Plan>,
    pub(crate) diagnostics: Vec<Diagnostic>,
    /// Errors, but not of the definition: features the runtime does not run yet.
    pub(crate) unsupported: Vec<Diagnostic>,
}

impl Compiled {
    /// The plan for running: fails with the errors, including what the runtime cannot run yet.
    pub(crate) fn into_plan(self) -> Result<Plan, Diagnostics> {
        let Compiled {
            plan,
            diagnostics,
            unsupported,
        } = self;
        let (mut errors, warnings): (Vec<_>, Vec<_>) = diagnostics
            .into_iter()
            .partition(|d| d.severity == Severity::Error);
        errors.extend(unsupported);
        match plan {
            Some(mut plan) if errors.is_empty() => {
                plan.warnings = warnings;
                Ok(plan)
            }
            _ => Err(Diagnostics(errors)),
        }
    }
}

/// Validates and compiles in one walk.
pub(crate) fn compile(machine: &StateMachine, options: &CompileOptions) -> Compiled {
    // Nothing below may recurse into a definition nested deeper than the bounds.
    let too_deep = nesting::check(machine);
    if !too_deep.is_empty() {
        return Compiled {
            plan: None,
            diagnostics: too_deep,
            unsupported: Vec::new(),
        };
    }
    let mut c = Compiler {
        machine,
        options,
        diags: Vec::new(),
        unsupported: Vec::new(),
        scopes: Vec::new(),
        scope_of: HashMap::new(),
        has_terminal: has_terminal(&machine.states),
        labels: HashMap::new(),
        variable_scopes: Vec::new(),
        suggestions: crate::suggest::Budget::default(),
        errors_counted: (0, 0),
    };
    c.collect_names(&machine.states, "");
    if let Some(t) = machine.timeout_seconds
        && !(1..=99_999_999).contains(&t)
    {
        c.error(
            codes::OUT_OF_RANGE,
            "/TimeoutSeconds",
            format!("'TimeoutSeconds' must be between 1 and 99999999, not {t}"),
        );
    }
    if let Some(v) = &machine.version
        && v != "1.0"
    {
        // The only version there is; whether AWS refuses another one is not known.
        c.warning(
            codes::INVALID_VALUE,
            "/Version",
            format!("'Version' should be \"1.0\", the only version of the Amazon States Language, not \"{v}\""),
        );
    }
    c.scope(&machine.start_at, &machine.states, "", "/StartAt");
    let Compiler {
        diags,
        unsupported,
        scopes,
        ..
    } = c;
    let has_errors = diags.iter().any(|d| d.severity == Severity::Error);
    let plan = if has_errors || scopes.iter().any(Option::is_none) {
        None
    } else {
        Some(Plan {
            scopes: scopes.into_iter().flatten().collect(),
            timeout_seconds: machine.timeout_seconds.and_then(|t| u64::try_from(t).ok()),
            machine_type: options.machine_type,
            warnings: Vec::new(),
        })
    };
    Compiled {
        plan,
        diagnostics: diags,
        unsupported,
    }
}

struct Compiler<'m> {
    machine: &'m StateMachine,
    options: &'m CompileOptions,
    diags: Vec<Diagnostic>,
    unsupported: Vec<Diagnostic>,
    scopes: Vec<Option<Scope>>,
    /// Every state name in the machine, with the pointer of its scope's `States` and of the
    /// state itself (the first one, when duplicated).
    scope_of: HashMap<&'m str, (String, String)>,
    /// Whether any state anywhere in the machine is terminal.
    has_terminal: bool,
    /// Map labels seen so far, with the pointer of the first use.
    labels: HashMap<&'m str, String>,
    /// The variables assigned in each scope around the one being compiled, with the pointer
    /// of their first assignment.
    variable_scopes: Vec<HashMap<String, String>>,
    /// "Did you mean" for unknown targets, within a budget for the whole machine.
    suggestions: crate::suggest::Budget,
    /// The errors among the first `errors_counted.0` diagnostics: counted as they come, not
    /// again for each state.
    errors_counted: (usize, usize),
}

/// True when some state, at any depth, is a Succeed or Fail state or has `"End": true`.
fn has_terminal(states: &States) -> bool {
    states.values().any(|s| {
        s.is_terminal()
            || match &s.kind {
                StateKind::Parallel(p) => p.branches.iter().any(|b| has_terminal(&b.states)),
                StateKind::Map(m) => has_terminal(&m.item_processor.states),
                _ => false,
            }
    })
}

/// The message for a field of the other query language than the one in effect.
fn wrong_language(lang: QueryLanguage, field: &str) -> String {
    let other = match lang {
        QueryLanguage::JsonPath => QueryLanguage::Jsonata,
        QueryLanguage::Jsonata => QueryLanguage::JsonPath,
    };
    format!(
        "The QueryLanguage is set to '{}', but field '{field}' is only supported for the '{}' QueryLanguage",
        lang.as_str(),
        other.as_str()
    )
}

/// Which fields a state may carry, by type and query language.
fn allowed(field: &str, kind: &StateKind, lang: QueryLanguage) -> Result<(), String> {
    use QueryLanguage::*;
    let type_name = kind.type_name();
    let jsonpath_only = [
        "InputPath",
        "OutputPath",
        "Parameters",
        "ResultSelector",
        "ResultPath",
    ];
    let jsonata_only = ["Arguments", "Output"];
    if (lang == Jsonata && jsonpath_only.contains(&field))
        || (lang == JsonPath && jsonata_only.contains(&field))
    {
        return Err(wrong_language(lang, field));
    }
    let ok = match field {
        "InputPath" | "OutputPath" => !matches!(kind, StateKind::Fail(_)),
        "Parameters" => matches!(
            kind,
            StateKind::Pass(_) | StateKind::Task(_) | StateKind::Parallel(_) | StateKind::Map(_)
        ),
        "ResultSelector" | "Retry" | "Catch" => matches!(
            kind,
            StateKind::Task(_) | StateKind::Parallel(_) | StateKind::Map(_)
        ),
        "ResultPath" => matches!(
            kind,
            StateKind::Pass(_) | StateKind::Task(_) | StateKind::Parallel(_) | StateKind::Map(_)
        ),
        "Assign" => !matches!(kind, StateKind::Succeed | StateKind::Fail(_)),
        "Output" => !matches!(kind, StateKind::Fail(_)),
        "Arguments" => matches!(kind, StateKind::Task(_) | StateKind::Parallel(_)),
        "Next" | "End" => !matches!(
            kind,
            StateKind::Choice(_) | StateKind::Succeed | StateKind::Fail(_)
        ),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "Field '{field}' is not supported by {type_name} states"
        ))
    }
}

/// Variable names: a Unicode identifier of at most 80 characters; `states` is reserved.
fn check_variable_name(name: &str) -> Result<(), String> {
    let mut chars = name.chars();
    let valid_start = chars.next().is_some_and(|c| c.is_alphabetic() || c == '_');
    if !valid_start || !chars.all(|c| c.is_alphanumeric() || c == '_') {
        return Err(format!(
            "'{name}' is not a valid variable name: it must start with a letter or '_' and contain only letters, digits and '_'"
        ));
    }
    if name.chars().count() > 80 {
        return Err(format!(
            "The variable name '{name}' is longer than 80 characters"
        ));
    }
    if name == "states" {
        return Err("'states' is a reserved variable name".to_string());
    }
    Ok(())
}

impl<'m> Compiler<'m> {
    /// How many errors were found so far (diagnostics are only ever added).
    fn error_count(&mut self) -> usize {
        let (seen, errors) = self.errors_counted;
        let new = self.diags[seen..]
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count();
        self.errors_counted = (self.diags.len(), errors + new);
        errors + new
    }

    fn error(&mut self, code: &'static str, pointer: &str, message: impl Into<String>) {
        self.diags.push(Diagnostic::error(code, pointer, message));
    }

    fn warning(&mut self, code: &'static str, pointer: &str, message: impl Into<String>) {
        self.diags.push(Diagnostic::warning(code, pointer, message));
    }

    fn unsupported(&mut self, pointer: &str, message: impl Into<String>) {
        self.unsupported
            .push(Diagnostic::error(codes::UNSUPPORTED, pointer, message));
    }

    fn language(&self, state: &State) -> QueryLanguage {
        self.machine.effective_language(state)
    }

    /// Records every state name; reports duplicates anywhere in the machine.
    fn collect_names(&mut self, states: &'m States, scope_pointer: &str) {
        let states_pointer = push_pointer(scope_pointer, "States");
        for (name, state) in states {
            let pointer = push_pointer(&states_pointer, name);
            if let Some((_, first)) = self.scope_of.get(name.as_str()) {
                let first = first.clone();
                self.error(
                    codes::DUPLICATE_STATE_NAME,
                    &pointer,
                    format!("Duplicate State name: {name} (first defined at {first}); state names must be unique in the whole state machine"),
                );
            } else {
                self.scope_of
                    .insert(name.as_str(), (states_pointer.clone(), pointer.clone()));
            }
            match &state.kind {
                StateKind::Parallel(p) => {
                    for (i, b) in p.branches.iter().enumerate() {
                        let bp = push_pointer(&push_pointer(&pointer, "Branches"), &i.to_string());
                        self.collect_names(&b.states, &bp);
                    }
                }
                StateKind::Map(m) => {
                    let field = m.processor_field();
                    self.collect_names(&m.item_processor.states, &push_pointer(&pointer, field));
                }
                _ => {}
            }
        }
    }

    /// Resolves a transition target within a scope, reporting it when it is unknown.
    fn target(
        &mut self,
        target: &str,
        names: &HashMap<&str, StateId>,
        states_pointer: &str,
        pointer: &str,
    ) -> Option<StateId> {
        if let Some(id) = names.get(target) {
            return Some(*id);
        }
        if let Some((other_scope, _)) = self.scope_of.get(target)
            && other_scope != states_pointer
        {
            let message = format!(
                "Missing 'Next' target: {target} (the state exists, but in another scope at {other_scope}; transitions cannot go into or out of a Parallel branch or Map processor)"
            );
            self.error(codes::CROSS_SCOPE_TRANSITION, pointer, message);
            return None;
        }
        let hint = self.suggestions.hint(target, names.keys().copied());
        self.error(
            codes::UNKNOWN_TARGET,
            pointer,
            format!("Missing 'Next' target: {target}{hint}"),
        );
        None
    }

    /// Compiles one scope (the top level, a branch or a processor); returns its id.
    fn scope(
        &mut self,
        start_at: &str,
        states: &'m States,
        scope_pointer: &str,
        start_pointer: &str,
    ) -> ScopeId {
        let id = self.scopes.len();
        self.scopes.push(None);
        let states_pointer = push_pointer(scope_pointer, "States");
        let names: HashMap<&str, StateId> = states
            .keys()
            .enumerate()
            .map(|(i, n)| (n.as_str(), i))
            .collect();
        let start = if states.is_empty() {
            self.error(
                codes::MISSING_FIELD,
                &states_pointer,
                "'States' must contain at least one state",
            );
            None
        } else {
            match names.get(start_at) {
                Some(i) => Some(*i),
                None if start_at.is_empty() => {
                    self.error(
                        codes::UNKNOWN_START_AT,
                        start_pointer,
                        "Missing 'Next' target: 'StartAt' is empty; it must name the first state to run",
                    );
                    None
                }
                None => {
                    let hint = self.suggestions.hint(start_at, names.keys().copied());
                    self.error(
                        codes::UNKNOWN_START_AT,
                        start_pointer,
                        format!("Missing 'Next' target: {start_at}{hint}"),
                    );
                    None
                }
            }
        };
        let mut compiled = Vec::with_capacity(states.len());
        let mut ok = true;
        self.enter_variable_scope(states, &states_pointer);
        for (name, state) in states {
            let pointer = push_pointer(&states_pointer, name);
            match self.state(name, state, &pointer, &names, &states_pointer) {
                Some(s) => compiled.push(s),
                None => ok = false,
            }
        }
        self.leave_variable_scope();
        self.graph_checks(states, &names, start, &states_pointer);
        if ok && let Some(start) = start {
            self.scopes[id] = Some(Scope {
                start,
                states: compiled,
            });
        }
        id
    }

    /// Reachability and terminal-state checks on one scope.
    fn graph_checks(
        &mut self,
        states: &States,
        names: &HashMap<&str, StateId>,
        start: Option<StateId>,
        states_pointer: &str,
    ) {
        if states.is_empty() {
            return;
        }
        let edges: Vec<Vec<StateId>> = states
            .values()
            .map(|s| {
                s.transitions()
                    .into_iter()
                    .filter_map(|t| names.get(t).copied())
                    .collect()
            })
            .collect();
        let terminal: Vec<bool> = states.values().map(|s| s.is_terminal()).collect();
        let no_terminal = !terminal.iter().any(|t| *t);
        if no_terminal {
            let message = "Workflow has no terminal state: add a Succeed or Fail state, or \"End\": true on a state";
            if self.has_terminal {
                // AWS checks the machine as a whole; a scope of its own that can never end is
                // surely a mistake, but not one AWS is known to refuse.
                self.warning(
                    codes::NO_TERMINAL_STATE,
                    states_pointer,
                    format!("{message} (this scope can never finish)"),
                );
            } else {
                self.error(codes::NO_TERMINAL_STATE, states_pointer, message);
                // AWS reports only this when there is no terminal state at all.
                return;
            }
        }
        let Some(start) = start else { return };
        let mut reached = vec![false; states.len()];
        let mut stack = vec![start];
        while let Some(s) = stack.pop() {
            if std::mem::replace(&mut reached[s], true) {
                continue;
            }
            stack.extend(edges[s].iter().copied());
        }
        for (i, name) in states.keys().enumerate() {
            if !reached[i] {
                self.error(
                    codes::UNREACHABLE_STATE,
                    &push_pointer(states_pointer, name),
                    format!("State \"{name}\" is not reachable. No transition ('StartAt', 'Next', 'Default', a Choice rule or a Catch) leads to it: add one, or remove the state"),
                );
            }
        }
        // States from which no terminal state can be reached loop forever: valid ASL (an
        // execution timeout or a stop ends them), but rarely intended.
        // Walk the edges backwards from the terminal states: linear in states and edges.
        let mut incoming: Vec<Vec<StateId>> = vec![Vec::new(); states.len()];
        for (from, targets) in edges.iter().enumerate() {
            for to in targets {
                incoming[*to].push(from);
            }
        }
        let mut can_finish = terminal.clone();
        let mut stack: Vec<StateId> = (0..states.len()).filter(|s| terminal[*s]).collect();
        while let Some(s) = stack.pop() {
            for from in &incoming[s] {
                if !can_finish[*from] {
                    can_finish[*from] = true;
                    stack.push(*from);
                }
            }
        }
        for (i, name) in states.keys().enumerate() {
            if reached[i] && !can_finish[i] && !no_terminal {
                self.warning(
                    codes::CYCLE_WITHOUT_EXIT,
                    &push_pointer(states_pointer, name),
                    format!(
                        "State \"{name}\" can never reach a terminal state: executions that enter it run until they time out or are stopped"
                    ),
                );
            }
        }
    }

    fn path(&mut self, text: &str, pointer: &str, reference: bool) -> Option<Path> {
        match Path::parse(text) {
            Ok(p) => {
                if reference && !p.is_reference() {
                    self.error(
                        codes::NOT_A_REFERENCE_PATH,
                        pointer,
                        format!("Value is not a Reference Path: '{text}' may only use '.name', \"['name']\" and '[index]' steps"),
                    );
                    None
                } else {
                    Some(p)
                }
            }
            Err(e) => {
                self.error(
                    codes::INVALID_PATH,
                    pointer,
                    format!(
                        "Value must be a valid JSONPath: {}{}",
                        e.message,
                        crate::template::path_hint(text)
                            .map(|p| format!(" (did you mean '{p}'?)"))
                            .unwrap_or_default()
                    ),
                );
                None
            }
        }
    }

    fn filter(&mut self, field: &Option<PathField>, pointer: &str) -> Filter {
        match field {
            None => Filter::All,
            Some(PathField::Null) => Filter::Empty,
            Some(PathField::Path(text)) => match self.path(text, pointer, false) {
                Some(p) if p.is_input_root() => Filter::All,
                Some(p) => Filter::Path(p),
                None => Filter::All,
            },
        }
    }

    fn result_path(&mut self, field: &Option<PathField>, pointer: &str) -> ResultPath {
        match field {
            None => ResultPath::Replace,
            Some(PathField::Null) => ResultPath::Discard,
            Some(PathField::Path(text)) => match self.path(text, pointer, true) {
                Some(p) if p.root() != &crate::path::Root::Input => {
                    self.error(
                        codes::NOT_A_REFERENCE_PATH,
                        pointer,
                        format!("ResultPath '{text}' must start with '$.': it cannot write to the context object or a variable"),
                    );
                    ResultPath::Replace
                }
                Some(p) if p.is_input_root() => ResultPath::Replace,
                Some(p) => ResultPath::Path(p),
                None => ResultPath::Replace,
            },
        }
    }

    fn template(&mut self, value: &Option<Value>, pointer: &str) -> Option<Template> {
        let value = value.as_ref()?;
        Template::compile(value, pointer, &mut self.diags)
    }

    /// An `Assign` block (JSONPath): a template whose top-level keys name variables.
    fn assign(
        &mut self,
        value: &Option<Value>,
        pointer: &str,
        lang: QueryLanguage,
        site: Site,
    ) -> Option<Template> {
        let value = value.as_ref()?;
        let Value::Object(map) = value else {
            self.error(
                codes::WRONG_TYPE,
                pointer,
                "'Assign' must be a JSON object whose keys are variable names",
            );
            return None;
        };
        for key in map.keys() {
            let name = key.strip_suffix(".$").unwrap_or(key);
            if let Err(message) = check_variable_name(name) {
                // The specification's rule; which parts of it AWS enforces when a definition
                // is created is not known.
                self.warning(
                    codes::INVALID_VARIABLE_NAME,
                    &push_pointer(pointer, key),
                    message,
                );
            }
        }
        if lang == QueryLanguage::Jsonata {
            self.jsonata_value(value, pointer, site);
            return None;
        }
        Template::compile(value, pointer, &mut self.diags)
    }

    /// The `ErrorEquals` of a retrier or catcher (`what`).
    fn error_equals(&mut self, names: &[String], pointer: &str, last: bool, what: &str) {
        let ep = push_pointer(pointer, "ErrorEquals");
        if names.is_empty() {
            self.error(
                codes::EMPTY_ERROR_EQUALS,
                &ep,
                "'ErrorEquals' must list at least one error name (\"States.ALL\" matches every error)",
            );
        }
        for (i, name) in names.iter().enumerate() {
            let p = push_pointer(&ep, &i.to_string());
            if name == crate::error::names::ALL && (names.len() > 1 || !last) {
                self.error(
                    codes::STATES_ALL_NOT_LAST,
                    &p,
                    "States.ALL must appear alone and at end of list",
                );
            } else if crate::error::Handling::of(name) == crate::error::Handling::Never {
                self.warning(
                    codes::UNCATCHABLE_ERROR,
                    &p,
                    format!("'{name}' never matches: AWS never retries or catches a States.Runtime error, which always fails the execution, so this {what} does not apply to it"),
                );
            } else if let Some((_, failure)) = crate::error::names::RESERVED
                .iter()
                .find(|(reserved, _)| reserved == name)
            {
                self.warning(
                    codes::RESERVED_ERROR_NAME,
                    &p,
                    format!("'{name}' is reserved for future use: AWS reports {failure} as States.Runtime, which no retrier or catcher handles, so this {what} applies only to an error that a task or a Fail state reports under this name"),
                );
            } else if name.starts_with("States.") && !KNOWN_ERRORS.contains(&name.as_str()) {
                let hint = crate::suggest::hint(name, KNOWN_ERRORS.iter().copied());
                self.warning(
                    codes::UNKNOWN_ERROR_NAME,
                    &p,
                    format!("'{name}' is not a predefined error name, and custom error names must not start with 'States.'{hint}"),
                );
            }
        }
    }

    fn retriers(&mut self, retriers: &[model::Retrier], pointer: &str) -> Vec<Retrier> {
        let rp = push_pointer(pointer, "Retry");
        let mut out = Vec::with_capacity(retriers.len());
        for (i, r) in retriers.iter().enumerate() {
            let p = push_pointer(&rp, &i.to_string());
            self.error_equals(&r.error_equals, &p, i + 1 == retriers.len(), "retrier");
            let interval = r.interval_seconds.unwrap_or(1);
            if !(1..=99_999_999).contains(&interval) {
                self.error(
                    codes::OUT_OF_RANGE,
                    &push_pointer(&p, "IntervalSeconds"),
                    format!("'IntervalSeconds' must be between 1 and 99999999, not {interval}"),
                );
            }
            let attempts = r.max_attempts.unwrap_or(3);
            if !(0..=99_999_999).contains(&attempts) {
                self.error(
                    codes::OUT_OF_RANGE,
                    &push_pointer(&p, "MaxAttempts"),
                    format!("'MaxAttempts' must be between 0 and 99999999, not {attempts}"),
                );
            }
            let rate = r
                .backoff_rate
                .as_ref()
                .and_then(|n| n.as_f64())
                .unwrap_or(2.0);
            if rate < 1.0 || !rate.is_finite() {
                self.error(
                    codes::OUT_OF_RANGE,
                    &push_pointer(&p, "BackoffRate"),
                    format!("'BackoffRate' must be at least 1.0, not {rate}"),
                );
            }
            if let Some(max) = r.max_delay_seconds
                && !(1..=31_622_400).contains(&max)
            {
                self.error(
                    codes::OUT_OF_RANGE,
                    &push_pointer(&p, "MaxDelaySeconds"),
                    format!("'MaxDelaySeconds' must be between 1 and 31622400, not {max}"),
                );
            }
            let full_jitter = match r.jitter_strategy.as_deref() {
                None | Some("NONE") => false,
                Some("FULL") => true,
                Some(other) => {
                    self.error(
                        codes::INVALID_VALUE,
                        &push_pointer(&p, "JitterStrategy"),
                        format!("'JitterStrategy' must be \"FULL\" or \"NONE\", not \"{other}\""),
                    );
                    false
                }
            };
            out.push(Retrier {
                matcher: ErrorMatcher::new(&r.error_equals),
                interval_seconds: interval as f64,
                max_attempts: attempts.clamp(0, u32::MAX as i64) as u32,
                backoff_rate: rate,
                max_delay_seconds: r.max_delay_seconds.map(|m| m as f64),
                full_jitter,
            });
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    fn catchers(
        &mut self,
        catchers: &[model::Catcher],
        pointer: &str,
        names: &HashMap<&str, StateId>,
        states_pointer: &str,
        lang: QueryLanguage,
    ) -> Option<Vec<Catcher>> {
        let cp = push_pointer(pointer, "Catch");
        let mut out = Vec::with_capacity(catchers.len());
        let mut ok = true;
        for (i, c) in catchers.iter().enumerate() {
            let p = push_pointer(&cp, &i.to_string());
            self.error_equals(&c.error_equals, &p, i + 1 == catchers.len(), "catcher");
            let next = if c.next.is_empty() {
                None
            } else {
                self.target(&c.next, names, states_pointer, &push_pointer(&p, "Next"))
            };
            if lang == QueryLanguage::Jsonata && c.result_path.is_some() {
                self.error(
                    codes::UNKNOWN_FIELD,
                    &push_pointer(&p, "ResultPath"),
                    wrong_language(lang, "ResultPath"),
                );
            }
            if lang == QueryLanguage::JsonPath && c.output.is_some() {
                self.error(
                    codes::UNKNOWN_FIELD,
                    &push_pointer(&p, "Output"),
                    wrong_language(lang, "Output"),
                );
            }
            let result_path = self.result_path(&c.result_path, &push_pointer(&p, "ResultPath"));
            let assign = self.assign(
                &c.assign,
                &push_pointer(&p, "Assign"),
                lang,
                Site::ErrorOutput,
            );
            if lang == QueryLanguage::Jsonata
                && let Some(output) = &c.output
            {
                self.jsonata_value(output, &push_pointer(&p, "Output"), Site::ErrorOutput);
            }
            match next {
                Some(next) => out.push(Catcher {
                    matcher: ErrorMatcher::new(&c.error_equals),
                    next,
                    result_path,
                    assign,
                }),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// A string where a number goes: a JSONata expression in a JSONata state, an error
    /// anywhere else.
    fn expression_for_number(
        &mut self,
        text: &str,
        pointer: &str,
        field: &str,
        what: &str,
        jsonpath: bool,
    ) {
        if !jsonpath && is_jsonata(text) {
            self.jsonata_string(text, pointer, Site::Plain);
            return;
        }
        let hint = if is_jsonata(text) {
            " (a JSONata expression is only evaluated in a state whose QueryLanguage is JSONata)"
        } else if jsonpath {
            ""
        } else {
            " or a JSONata expression (\"{% ... %}\")"
        };
        self.error(
            codes::WRONG_TYPE,
            pointer,
            format!("'{field}' must be {what}{hint}, not the string \"{text}\""),
        );
    }

    fn seconds(
        &mut self,
        literal: &Option<Expr<i64>>,
        path: &Option<String>,
        pointer: &str,
        field: &str,
        jsonpath: bool,
    ) -> Option<Seconds> {
        match (literal, path) {
            (Some(_), Some(_)) => {
                self.error(
                    codes::INVALID_VALUE,
                    pointer,
                    format!("'{field}' and '{field}Path' cannot both be set"),
                );
                None
            }
            (Some(Expr::Literal(n)), None) => {
                if !(1..=99_999_999).contains(n) {
                    self.error(
                        codes::OUT_OF_RANGE,
                        &push_pointer(pointer, field),
                        format!("'{field}' must be between 1 and 99999999, not {n}"),
                    );
                }
                Some(Seconds::Literal((*n).max(1) as u64))
            }
            (Some(Expr::Jsonata(s)), None) => {
                self.expression_for_number(
                    s,
                    &push_pointer(pointer, field),
                    field,
                    "a positive integer",
                    jsonpath,
                );
                None
            }
            (None, Some(p)) => self
                .path(p, &push_pointer(pointer, &format!("{field}Path")), true)
                .map(Seconds::Path),
            (None, None) => None,
        }
    }

    fn check_fields(&mut self, state: &State, pointer: &str, lang: QueryLanguage) {
        let present: [(&str, bool); 12] = [
            ("InputPath", state.input_path.is_some()),
            ("OutputPath", state.output_path.is_some()),
            ("Parameters", state.parameters.is_some()),
            ("ResultSelector", state.result_selector.is_some()),
            ("ResultPath", state.result_path.is_some()),
            ("Retry", state.retry.is_some()),
            ("Catch", state.catch.is_some()),
            ("Assign", state.assign.is_some()),
            ("Arguments", state.arguments.is_some()),
            ("Output", state.output.is_some()),
            ("Next", state.next.is_some()),
            ("End", state.end.is_some()),
        ];
        for (field, is_present) in present {
            if !is_present {
                continue;
            }
            if field == "Arguments"
                && lang == QueryLanguage::Jsonata
                && matches!(state.kind, StateKind::Pass(_) | StateKind::Map(_))
            {
                // The specification gives 'Arguments' to Task and Parallel states only; whether
                // AWS refuses it elsewhere is not known.
                let instead = if matches!(state.kind, StateKind::Pass(_)) {
                    "'Output'"
                } else {
                    "'ItemSelector' (for each item) or 'Items'"
                };
                self.warning(
                    codes::UNKNOWN_FIELD,
                    &push_pointer(pointer, field),
                    format!("Field 'Arguments' is not supported by {} states: the Amazon States Language gives it to Task and Parallel states only, and it is ignored here. Use {instead}", state.kind.type_name()),
                );
            } else if let Err(message) = allowed(field, &state.kind, lang) {
                self.error(codes::UNKNOWN_FIELD, &push_pointer(pointer, field), message);
            }
        }
        // Fields of one state type that only one query language has.
        let specific: Vec<&str> = match &state.kind {
            StateKind::Pass(p) if p.result.is_some() => vec!["Result"],
            StateKind::Task(t) => {
                let mut v = Vec::new();
                if t.timeout_seconds_path.is_some() {
                    v.push("TimeoutSecondsPath");
                }
                if t.heartbeat_seconds_path.is_some() {
                    v.push("HeartbeatSecondsPath");
                }
                v
            }
            StateKind::Wait(w) => {
                let mut v = Vec::new();
                if w.seconds_path.is_some() {
                    v.push("SecondsPath");
                }
                if w.timestamp_path.is_some() {
                    v.push("TimestampPath");
                }
                v
            }
            StateKind::Fail(f) => {
                let mut v = Vec::new();
                if f.error_path.is_some() {
                    v.push("ErrorPath");
                }
                if f.cause_path.is_some() {
                    v.push("CausePath");
                }
                v
            }
            StateKind::Map(m) => {
                let mut v = Vec::new();
                if m.items_path.is_some() {
                    v.push("ItemsPath");
                }
                if m.max_concurrency_path.is_some() {
                    v.push("MaxConcurrencyPath");
                }
                if m.tolerated_failure_count_path.is_some() {
                    v.push("ToleratedFailureCountPath");
                }
                if m.tolerated_failure_percentage_path.is_some() {
                    v.push("ToleratedFailurePercentagePath");
                }
                v
            }
            _ => Vec::new(),
        };
        if lang == QueryLanguage::Jsonata {
            for field in specific {
                self.error(
                    codes::UNKNOWN_FIELD,
                    &push_pointer(pointer, field),
                    wrong_language(lang, field),
                );
            }
        }
        if let StateKind::Map(m) = &state.kind
            && lang == QueryLanguage::JsonPath
            && m.items.is_some()
        {
            self.error(
                codes::UNKNOWN_FIELD,
                &push_pointer(pointer, "Items"),
                wrong_language(lang, "Items"),
            );
        }
    }

    fn state(
        &mut self,
        name: &str,
        state: &'m State,
        pointer: &str,
        names: &HashMap<&str, StateId>,
        states_pointer: &str,
    ) -> Option<CompiledState> {
        let before = self.error_count();
        if name.is_empty() {
            self.error(
                codes::INVALID_STATE_NAME,
                pointer,
                "Invalid State name: a state name must not be empty (1 to 80 characters)",
            );
        } else if name.chars().count() > 80 {
            self.error(
                codes::INVALID_STATE_NAME,
                pointer,
                format!("Invalid State name: State '{name}' exceeds the 80-character limit allowed by the service ({} characters)", name.chars().count()),
            );
        }
        let lang = self.language(state);
        if self.machine.query_language == Some(QueryLanguage::Jsonata)
            && state.query_language == Some(QueryLanguage::JsonPath)
        {
            self.error(
                codes::QUERY_LANGUAGE_DOWNGRADE,
                pointer,
                "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
            );
        }
        if lang == QueryLanguage::Jsonata {
            self.unsupported(
                pointer,
                "JSONata states are not supported by this version of the runtime yet",
            );
        }
        self.check_fields(state, pointer, lang);

        // Transitions.
        let needs_transition = !matches!(
            state.kind,
            StateKind::Choice(_) | StateKind::Succeed | StateKind::Fail(_)
        );
        let ends = state.end == Some(true);
        let mut next = None;
        if needs_transition {
            match (&state.next, ends) {
                (Some(_), true) => self.error(
                    codes::NEXT_AND_END,
                    pointer,
                    "A state cannot have both 'Next' and \"End\": true: keep 'Next' to go on to another state, or \"End\": true to stop here",
                ),
                (None, false) => self.error(
                    codes::MISSING_TRANSITION,
                    pointer,
                    format!("State \"{name}\" needs 'Next' or \"End\": true"),
                ),
                _ => {}
            }
            if let Some(target) = &state.next {
                next = self.target(
                    target,
                    names,
                    states_pointer,
                    &push_pointer(pointer, "Next"),
                );
            }
        }

        let jsonpath = lang == QueryLanguage::JsonPath;
        let input_path = self.filter(&state.input_path, &push_pointer(pointer, "InputPath"));
        let output_path = self.filter(&state.output_path, &push_pointer(pointer, "OutputPath"));
        let result_path =
            self.result_path(&state.result_path, &push_pointer(pointer, "ResultPath"));
        let parameters = if jsonpath {
            self.template(&state.parameters, &push_pointer(pointer, "Parameters"))
        } else {
            None
        };
        let result_selector = if jsonpath {
            self.template(
                &state.result_selector,
                &push_pointer(pointer, "ResultSelector"),
            )
        } else {
            None
        };
        let has_result = matches!(
            state.kind,
            StateKind::Task(_) | StateKind::Parallel(_) | StateKind::Map(_)
        );
        let result_site = if has_result {
            Site::Result
        } else {
            Site::Plain
        };
        let assign = self.assign(
            &state.assign,
            &push_pointer(pointer, "Assign"),
            lang,
            result_site,
        );
        if lang == QueryLanguage::Jsonata {
            for (field, value, site) in [
                ("Arguments", &state.arguments, Site::Plain),
                ("Output", &state.output, result_site),
            ] {
                if let Some(v) = value {
                    self.jsonata_value(v, &push_pointer(pointer, field), site);
                }
            }
        }
        let retry = self.retriers(state.retry.as_deref().unwrap_or_default(), pointer);
        let catch = self.catchers(
            state.catch.as_deref().unwrap_or_default(),
            pointer,
            names,
            states_pointer,
            lang,
        );

        let kind = self.kind(state, pointer, names, states_pointer, lang);
        if self.error_count() > before {
            return None;
        }
        Some(CompiledState {
            name: Arc::from(name),
            input_path,
            parameters,
            result_selector,
            result_path,
            output_path,
            assign,
            retry,
            catch: catch?,
            next,
            kind: kind?,
        })
    }

    fn kind(
        &mut self,
        state: &'m State,
        pointer: &str,
        names: &HashMap<&str, StateId>,
        states_pointer: &str,
        lang: QueryLanguage,
    ) -> Option<Kind> {
        let jsonpath = lang == QueryLanguage::JsonPath;
        Some(match &state.kind {
            StateKind::Pass(p) => Kind::Pass {
                result: p.result.clone(),
            },
            StateKind::Succeed => Kind::Succeed,
            StateKind::Task(t) => self.task(t, pointer, jsonpath)?,
            StateKind::Choice(c) => {
                let cp = push_pointer(pointer, "Choices");
                if c.choices.is_empty() {
                    self.error(
                        codes::EMPTY_CHOICES,
                        &cp,
                        "'Choices' must contain at least one rule",
                    );
                }
                let mut rules = Vec::with_capacity(c.choices.len());
                for (i, rule) in c.choices.iter().enumerate() {
                    let rp = push_pointer(&cp, &i.to_string());
                    let target = match &rule.next {
                        Some(n) => {
                            self.target(n, names, states_pointer, &push_pointer(&rp, "Next"))
                        }
                        // Condition::compile reports a missing Next.
                        None => None,
                    };
                    let assign = self.assign(
                        &rule.assign,
                        &push_pointer(&rp, "Assign"),
                        lang,
                        Site::Plain,
                    );
                    // The whole rule as written: the condition checks the keys around it.
                    let mut rule_object = rule.condition.clone();
                    if let Some(next) = &rule.next {
                        rule_object.insert("Next".into(), Value::String(next.clone()));
                    }
                    if let Some(assign) = &rule.assign {
                        rule_object.insert("Assign".into(), assign.clone());
                    }
                    if let Some(comment) = &rule.comment {
                        rule_object.insert("Comment".into(), Value::String(comment.clone()));
                    }
                    let rule_value = Value::Object(rule_object);
                    if !jsonpath {
                        self.jsonata_rule(rule, &rp);
                        continue;
                    }
                    if crate::choice::is_jsonata_rule(&rule_value) {
                        self.error(
                            codes::UNKNOWN_FIELD,
                            &push_pointer(&rp, "Condition"),
                            wrong_language(QueryLanguage::JsonPath, "Condition"),
                        );
                        continue;
                    }
                    if rule.output.is_some() {
                        self.error(
                            codes::UNKNOWN_FIELD,
                            &push_pointer(&rp, "Output"),
                            wrong_language(QueryLanguage::JsonPath, "Output"),
                        );
                    }
                    match crate::choice::Condition::compile(&rule_value, &rp, true) {
                        Ok(condition) => {
                            if let Some(next) = target {
                                rules.push(ChoiceRule {
                                    condition,
                                    next,
                                    assign,
                                });
                            }
                        }
                        Err(diags) => self.diags.extend(diags),
                    }
                }
                let default = match &c.default {
                    Some(d) => Some(self.target(
                        d,
                        names,
                        states_pointer,
                        &push_pointer(pointer, "Default"),
                    )?),
                    None => None,
                };
                Kind::Choice { rules, default }
            }
            StateKind::Wait(w) => {
                let count = [
                    w.seconds.is_some(),
                    w.timestamp.is_some(),
                    w.seconds_path.is_some(),
                    w.timestamp_path.is_some(),
                ]
                .iter()
                .filter(|b| **b)
                .count();
                if count != 1 {
                    self.error(
                        codes::WAIT_DURATION,
                        pointer,
                        format!("A Wait state needs exactly one of 'Seconds', 'Timestamp', 'SecondsPath' and 'TimestampPath'; found {count}"),
                    );
                    return None;
                }
                if let Some(s) = &w.seconds {
                    match s {
                        Expr::Literal(n) => {
                            if !(0..=99_999_999).contains(n) {
                                self.error(
                                    codes::OUT_OF_RANGE,
                                    &push_pointer(pointer, "Seconds"),
                                    format!("'Seconds' must be between 0 and 99999999, not {n}"),
                                );
                            }
                            Kind::Wait(WaitSpec::Seconds((*n).max(0) as u64))
                        }
                        Expr::Jsonata(text) => {
                            self.expression_for_number(
                                text,
                                &push_pointer(pointer, "Seconds"),
                                "Seconds",
                                "a non-negative integer",
                                jsonpath,
                            );
                            return None;
                        }
                    }
                } else if let Some(ts) = &w.timestamp {
                    if !jsonpath && is_jsonata(ts) {
                        self.jsonata_string(ts, &push_pointer(pointer, "Timestamp"), Site::Plain);
                        return None;
                    }
                    match crate::timestamp::parse_timestamp(ts) {
                        Some(t) => Kind::Wait(WaitSpec::Timestamp(t.timestamp_millis())),
                        None => {
                            self.error(
                                codes::INVALID_TIMESTAMP,
                                &push_pointer(pointer, "Timestamp"),
                                "String does not match RFC3339 timestamp",
                            );
                            return None;
                        }
                    }
                } else if let Some(p) = &w.seconds_path {
                    Kind::Wait(WaitSpec::SecondsPath(self.path(
                        p,
                        &push_pointer(pointer, "SecondsPath"),
                        true,
                    )?))
                } else {
                    let p = w.timestamp_path.as_deref().unwrap_or_default();
                    Kind::Wait(WaitSpec::TimestampPath(self.path(
                        p,
                        &push_pointer(pointer, "TimestampPath"),
                        true,
                    )?))
                }
            }
            StateKind::Fail(f) => {
                if !jsonpath {
                    for (field, text) in [("Error", &f.error), ("Cause", &f.cause)] {
                        if let Some(text) = text {
                            self.jsonata_string(text, &push_pointer(pointer, field), Site::Plain);
                        }
                    }
                }
                let error = self.fail_text(&f.error, &f.error_path, pointer, "Error");
                let cause = self.fail_text(&f.cause, &f.cause_path, pointer, "Cause");
                let (error, cause) = (error?, cause?);
                Kind::Fail { error, cause }
            }
            StateKind::Parallel(p) => {
                let bp = push_pointer(pointer, "Branches");
                if p.branches.is_empty() {
                    // Whether AWS refuses this is not known; it does nothing useful.
                    self.warning(
                        codes::INVALID_PROCESSOR,
                        &bp,
                        "'Branches' is empty: a Parallel state runs its branches and outputs their results, so this one only outputs []",
                    );
                }
                let mut branches = Vec::with_capacity(p.branches.len());
                for (i, branch) in p.branches.iter().enumerate() {
                    let scope_pointer = push_pointer(&bp, &i.to_string());
                    if branch.processor_config.is_some() {
                        self.error(
                            codes::UNKNOWN_FIELD,
                            &push_pointer(&scope_pointer, "ProcessorConfig"),
                            "Field 'ProcessorConfig' is not supported in a Parallel branch",
                        );
                    }
                    branches.push(self.branch(branch, &scope_pointer));
                }
                Kind::Parallel { branches }
            }
            StateKind::Map(m) => self.map(state, m, pointer, jsonpath)?,
        })
    }

    fn branch(&mut self, branch: &'m Branch, scope_pointer: &str) -> ScopeId {
        let start_pointer = push_pointer(scope_pointer, "StartAt");
        self.scope(
            &branch.start_at,
            &branch.states,
            scope_pointer,
            &start_pointer,
        )
    }

    fn fail_text(
        &mut self,
        literal: &Option<String>,
        path: &Option<String>,
        pointer: &str,
        field: &str,
    ) -> Option<FailText> {
        match (literal, path) {
            (Some(_), Some(_)) => {
                self.error(
                    codes::INVALID_VALUE,
                    pointer,
                    format!("A Fail state cannot have both '{field}' and '{field}Path'"),
                );
                None
            }
            (Some(text), None) => Some(FailText::Literal(text.clone())),
            (None, Some(text)) => {
                let fp = push_pointer(pointer, &format!("{field}Path"));
                let field_name = format!("{field}Path");
                let dynamic = compile_dynamic(text, &field_name, &fp, &mut self.diags)?;
                if let crate::template::Dynamic::Path(p) = &dynamic
                    && !p.is_reference()
                {
                    self.error(
                        codes::NOT_A_REFERENCE_PATH,
                        &fp,
                        format!("Value is not a Reference Path: '{text}'"),
                    );
                    return None;
                }
                if let crate::template::Dynamic::Intrinsic(call) = &dynamic
                    && !call.function().allowed_in_fail_state()
                {
                    let function = call.function();
                    // AWS documents the functions that give a string for these fields; whether
                    // it refuses the others when the definition is created is not known.
                    self.warning(
                        codes::INVALID_DYNAMIC_VALUE,
                        &fp,
                        format!("{} does not give a string: '{field_name}' takes a reference path or one of States.Format, States.JsonToString, States.ArrayGetItem, States.Base64Encode, States.Base64Decode, States.Hash and States.UUID", function),
                    );
                }
                Some(FailText::Dynamic(dynamic))
            }
            (None, None) => Some(FailText::None),
        }
    }

    fn task(&mut self, t: &model::Task, pointer: &str, jsonpath: bool) -> Option<Kind> {
        let rp = push_pointer(pointer, "Resource");
        let resource_kind = match classify_resource(&t.resource) {
            Ok(k) => Some(k),
            Err(message) => {
                if !t.resource.is_empty() {
                    self.error(
                        codes::INVALID_RESOURCE,
                        &rp,
                        format!("{message}{}", resource_hint(&t.resource)),
                    );
                }
                None
            }
        };
        if self.options.machine_type == MachineType::Express
            && let Some(resource_kind) = &resource_kind
        {
            match resource_kind.integration() {
                Integration::Sync => self.error(
                    codes::EXPRESS_UNSUPPORTED_INTEGRATION,
                    &rp,
                    "Express state machine does not support '.sync' service integration: waiting for a job to finish needs a STANDARD state machine; without '.sync' the task starts the job and goes on",
                ),
                Integration::Callback => self.error(
                    codes::EXPRESS_UNSUPPORTED_INTEGRATION,
                    &rp,
                    "Express state machine does not support '.waitForTaskToken' service integration : waiting for a task token needs a STANDARD state machine",
                ),
                Integration::RequestResponse => {}
            }
        }
        let timeout = self.seconds(
            &t.timeout_seconds,
            &t.timeout_seconds_path,
            pointer,
            "TimeoutSeconds",
            jsonpath,
        );
        let heartbeat = self.seconds(
            &t.heartbeat_seconds,
            &t.heartbeat_seconds_path,
            pointer,
            "HeartbeatSeconds",
            jsonpath,
        );
        if let (Some(Seconds::Literal(h)), Some(Seconds::Literal(to))) = (&heartbeat, &timeout)
            && h >= to
        {
            self.error(
                codes::HEARTBEAT_NOT_BELOW_TIMEOUT,
                &push_pointer(pointer, "HeartbeatSeconds"),
                format!("'HeartbeatSeconds' ({h}) must be smaller than 'TimeoutSeconds' ({to})"),
            );
        }
        let credentials = match &t.credentials {
            None => None,
            Some(creds) => {
                let cp = push_pointer(pointer, "Credentials");
                let has_role = creds
                    .as_object()
                    .is_some_and(|m| m.contains_key("RoleArn") || m.contains_key("RoleArn.$"));
                if !has_role {
                    self.error(
                        codes::MISSING_FIELD,
                        &cp,
                        "The field 'RoleArn' is required but was missing",
                    );
                    None
                } else if jsonpath {
                    Template::compile(creds, &cp, &mut self.diags)
                } else {
                    self.jsonata_value(creds, &cp, Site::Plain);
                    None
                }
            }
        };
        Some(Kind::Task(Box::new(TaskSpec {
            resource: Arc::from(t.resource.as_str()),
            resource_kind: resource_kind?,
            timeout,
            heartbeat,
            credentials,
        })))
    }

    fn map(
        &mut self,
        state: &'m State,
        m: &'m model::MapState,
        pointer: &str,
        jsonpath: bool,
    ) -> Option<Kind> {
        let field = m.processor_field();
        let scope_pointer = push_pointer(pointer, field);
        let mut distributed = false;
        let mut child_type = MachineType::Standard;
        if let Some(config) = &m.item_processor.processor_config {
            let cp = push_pointer(&scope_pointer, "ProcessorConfig");
            match config {
                Value::Object(map) => {
                    if map.get("Mode").and_then(Value::as_str) == Some("DISTRIBUTED")
                        && !map.contains_key("ExecutionType")
                    {
                        self.error(
                            codes::INVALID_PROCESSOR,
                            &cp,
                            "These fields are required: [ExecutionType]: a DISTRIBUTED Map runs each item as a child execution, whose type (\"STANDARD\" or \"EXPRESS\") 'ExecutionType' gives",
                        );
                    }
                    for (k, v) in map {
                        match (k.as_str(), v.as_str()) {
                            ("Mode", Some("INLINE")) => {}
                            ("Mode", Some("DISTRIBUTED")) => distributed = true,
                            ("ExecutionType", Some("STANDARD")) => {}
                            ("ExecutionType", Some("EXPRESS")) => child_type = MachineType::Express,
                            ("Mode" | "ExecutionType", _) => self.error(
                                codes::INVALID_VALUE,
                                &push_pointer(&cp, k),
                                if k == "Mode" {
                                    format!("'Mode' must be \"INLINE\" or \"DISTRIBUTED\", not {v}")
                                } else {
                                    format!("'ExecutionType' must be \"STANDARD\" or \"EXPRESS\", not {v}")
                                },
                            ),
                            _ => self.error(
                                codes::UNKNOWN_FIELD,
                                &push_pointer(&cp, k),
                                format!("Field '{k}' is not supported in 'ProcessorConfig'"),
                            ),
                        }
                    }
                }
                _ => self.error(
                    codes::WRONG_TYPE,
                    &cp,
                    "'ProcessorConfig' must be an object",
                ),
            }
        }
        let processor = self.branch(&m.item_processor, &scope_pointer);
        if m.item_selector.is_some() && state.parameters.is_some() {
            // Whether AWS refuses both is not known; 'ItemSelector' is the one used.
            self.warning(
                codes::INVALID_VALUE,
                &push_pointer(pointer, "Parameters"),
                "A Map state has both 'ItemSelector' and 'Parameters', its deprecated name: only 'ItemSelector' is used. Remove 'Parameters'",
            );
        }
        if !jsonpath {
            for (field, value) in [("ItemSelector", &m.item_selector), ("Items", &m.items)] {
                if let Some(v) = value {
                    self.jsonata_value(v, &push_pointer(pointer, field), Site::Plain);
                }
            }
            if let Some(Value::String(s)) = &m.items
                && !is_jsonata(s)
            {
                self.error(
                    codes::WRONG_TYPE,
                    &push_pointer(pointer, "Items"),
                    "'Items' must be an array or a JSONata expression (\"{% ... %}\") that gives one",
                );
            }
        }
        if let Some(label) = &m.label {
            self.label(label, &push_pointer(pointer, "Label"));
        }
        if let Some(reader) = &m.item_reader {
            self.item_reader(reader, &push_pointer(pointer, "ItemReader"), jsonpath);
        }
        if let Some(batcher) = &m.item_batcher {
            self.item_batcher(batcher, &push_pointer(pointer, "ItemBatcher"), jsonpath);
        }
        if let Some(writer) = &m.result_writer {
            self.result_writer(writer, &push_pointer(pointer, "ResultWriter"), jsonpath);
        }
        let item_selector = if jsonpath {
            let (value, field) = match (&m.item_selector, &state.parameters) {
                (Some(v), _) => (Some(v.clone()), "ItemSelector"),
                (None, p) => (p.clone(), "Parameters"),
            };
            self.template(&value, &push_pointer(pointer, field))
        } else {
            None
        };
        let items_path = match &m.items_path {
            Some(p) => Some(self.path(p, &push_pointer(pointer, "ItemsPath"), true)?),
            None => None,
        };
        let max_concurrency = self.count(
            &m.max_concurrency,
            &m.max_concurrency_path,
            pointer,
            "MaxConcurrency",
            jsonpath,
        );
        let tolerated_count = self.count(
            &m.tolerated_failure_count,
            &m.tolerated_failure_count_path,
            pointer,
            "ToleratedFailureCount",
            jsonpath,
        );
        let tolerated_percentage = match (
            &m.tolerated_failure_percentage,
            &m.tolerated_failure_percentage_path,
        ) {
            (Some(_), Some(_)) => {
                self.error(
                    codes::INVALID_VALUE,
                    pointer,
                    "'ToleratedFailurePercentage' and 'ToleratedFailurePercentagePath' cannot both be set",
                );
                None
            }
            (Some(Expr::Literal(n)), None) => {
                let v = n.as_f64().unwrap_or(-1.0);
                if !(0.0..=100.0).contains(&v) {
                    self.error(
                        codes::OUT_OF_RANGE,
                        &push_pointer(pointer, "ToleratedFailurePercentage"),
                        format!("'ToleratedFailurePercentage' must be between 0 and 100, not {n}"),
                    );
                }
                Some(Percentage::Literal(v))
            }
            (Some(Expr::Jsonata(s)), None) => {
                self.expression_for_number(
                    s,
                    &push_pointer(pointer, "ToleratedFailurePercentage"),
                    "ToleratedFailurePercentage",
                    "a number between 0 and 100",
                    jsonpath,
                );
                None
            }
            (None, Some(p)) => self
                .path(
                    p,
                    &push_pointer(pointer, "ToleratedFailurePercentagePath"),
                    true,
                )
                .map(Percentage::Path),
            (None, None) => None,
        };
        for (field, present) in [
            ("ItemReader", m.item_reader.is_some()),
            ("ResultWriter", m.result_writer.is_some()),
        ] {
            if present {
                self.unsupported(
                    &push_pointer(pointer, field),
                    format!("'{field}' (reading or writing items in Amazon S3) is not supported by the local runtime"),
                );
            }
        }
        if m.item_batcher.is_some() {
            self.unsupported(
                &push_pointer(pointer, "ItemBatcher"),
                "'ItemBatcher' is not supported by the local runtime yet",
            );
        }
        Some(Kind::Map(Box::new(MapSpec {
            processor,
            items_path,
            item_selector,
            max_concurrency,
            tolerated_count,
            tolerated_percentage,
            distributed,
            child_type,
        })))
    }

    fn count(
        &mut self,
        literal: &Option<Expr<i64>>,
        path: &Option<String>,
        pointer: &str,
        field: &str,
        jsonpath: bool,
    ) -> Option<Count> {
        match (literal, path) {
            (Some(_), Some(_)) => {
                self.error(
                    codes::INVALID_VALUE,
                    pointer,
                    format!("'{field}' and '{field}Path' cannot both be set"),
                );
                None
            }
            (Some(Expr::Literal(n)), None) => {
                if *n < 0 {
                    self.error(
                        codes::OUT_OF_RANGE,
                        &push_pointer(pointer, field),
                        format!("'{field}' must not be negative, not {n}"),
                    );
                }
                Some(Count::Literal((*n).max(0) as u64))
            }
            (Some(Expr::Jsonata(s)), None) => {
                self.expression_for_number(
                    s,
                    &push_pointer(pointer, field),
                    field,
                    "a non-negative integer",
                    jsonpath,
                );
                None
            }
            (None, Some(p)) => self
                .path(p, &push_pointer(pointer, &format!("{field}Path")), true)
                .map(Count::Path),
            (None, None) => None,
        }
    }
}

/// What to use instead of an optimized integration action AWS does not recognise: the AWS
/// SDK integration reaches every API action (`dynamodb:query` is only there).
fn resource_hint(resource: &str) -> String {
    let Some(rest) = resource.strip_prefix("arn:aws:states:::") else {
        return String::new();
    };
    let base = rest
        .strip_suffix(".waitForTaskToken")
        .or_else(|| rest.strip_suffix(".sync:2"))
        .or_else(|| rest.strip_suffix(".sync"))
        .unwrap_or(rest);
    match base.split_once(':') {
        Some((service, action))
            if service != "aws-sdk"
                && !action.is_empty()
                && base == rest
                && classify_resource(&format!("arn:aws:states:::aws-sdk:{base}")).is_ok() =>
        {
            format!(
                " To call this API action, use the AWS SDK integration: arn:aws:states:::aws-sdk:{base}"
            )
        }
        _ if base != rest && classify_resource(&format!("arn:aws:states:::{base}")).is_ok() => {
            format!(
                " The action is recognized, but not with '{}': this integration does not support that pattern",
                &rest[base.len()..]
            )
        }
        _ => String::new(),
    }
}

/// Predefined error names (a `States.` name outside this list is a warning).
const KNOWN_ERRORS: &[&str] = &[
    names::ALL,
    names::TIMEOUT,
    names::HEARTBEAT_TIMEOUT,
    names::TASK_FAILED,
    names::PERMISSIONS,
    names::DATA_LIMIT_EXCEEDED,
    names::RESULT_PATH_MATCH_FAILURE,
    names::PARAMETER_PATH_FAILURE,
    names::BRANCH_FAILED,
    names::NO_CHOICE_MATCHED,
    names::INTRINSIC_FAILURE,
    names::EXCEED_TOLERATED_FAILURE_THRESHOLD,
    names::QUERY_EVALUATION_ERROR,
    names::RUNTIME,
    names::ITEM_READER_FAILED,
    names::RESULT_WRITER_FAILED,
    "States.Http.Socket",
];
