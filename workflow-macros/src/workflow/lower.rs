//! From the syntax tree to the `workflow-core` model, recording which tokens produced which
//! JSON pointer.

use std::collections::HashSet;

use serde_json::{Map, Number, Value};
use syn::Ident;
use workflow_core::diagnostic::{codes, push_pointer};
use workflow_core::model::{
    Branch, Catcher, Choice, ChoiceRule, Expr, Fail, Parallel, Pass, PathField, Retrier, State,
    StateKind, StateMachine, States, Task, Wait,
};
use workflow_core::plan::MachineType;

use super::ast::*;

/// The result of lowering.
pub struct Lowered {
    pub machine: StateMachine,
    pub machine_type: MachineType,
    /// JSON pointers and the tokens that produced them.
    pub spans: Vec<(String, Range)>,
    /// JSON pointers of template entries and the keys that produced them.
    pub keys: Vec<(String, Range)>,
    /// Mistakes found while lowering (before the validator runs).
    pub errors: Vec<syn::Error>,
    /// JSON pointers of what those mistakes left incomplete: the states (and the scopes
    /// without states) the macro could not read in full.
    pub refused: Vec<String>,
}

impl Lowered {
    /// The tokens behind a pointer: the longest recorded prefix.
    pub fn range(&self, pointer: &str) -> Option<Range> {
        let mut p = pointer;
        loop {
            if let Some((_, r)) = self.spans.iter().rev().find(|(q, _)| q == p) {
                return Some(*r);
            }
            match p.rfind('/') {
                Some(i) => p = &p[..i],
                None => return None,
            }
        }
    }

    /// True when a pointer is in a state (or scope) the macro could not read in full: what
    /// the validator says of it may only repeat that mistake.
    pub fn is_refused(&self, pointer: &str) -> bool {
        self.refused.iter().any(|r| {
            pointer == r
                || pointer
                    .strip_prefix(r.as_str())
                    .is_some_and(|rest| rest.starts_with('/'))
        })
    }

    /// The names of the states the macro could not read in full, and of the Parallel and Map
    /// states around them: rustc does not check the data flow through them (what it would
    /// find there may only repeat the mistake).
    pub fn refused_states(&self) -> HashSet<String> {
        self.refused
            .iter()
            .flat_map(|pointer| super::words::state_names(pointer))
            .collect()
    }

    /// The key of the template entry at a pointer.
    pub fn key_range(&self, pointer: &str) -> Option<Range> {
        self.keys
            .iter()
            .rev()
            .find(|(q, _)| q == pointer)
            .map(|(_, r)| *r)
    }
}

/// `validate_order` becomes `ValidateOrder`: the name of a task in ASL.
pub fn pascal_case(name: &str) -> String {
    name.split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}

/// The ASL name of the `#[task]` function at `path`: `orders::validate_order` (or
/// `r#validate_order`) is `ValidateOrder`.
pub fn task_name(path: &syn::Path) -> String {
    path.segments
        .last()
        .map(|s| pascal_case(&unraw(&s.ident)))
        .unwrap_or_default()
}

/// `-n`, for a negative literal (`None` if that is not a JSON number).
fn negate(n: &Number) -> Option<Value> {
    match n.as_i64() {
        Some(i) => Some(Value::from(-i)),
        None => Number::from_f64(-n.as_f64()?).map(Value::Number),
    }
}

/// The fields of a state, in the DSL's words (ASL's are their PascalCase).
pub const STATE_FIELDS: &[&str] = &[
    "next",
    "end",
    "comment",
    "input_path",
    "output_path",
    "parameters",
    "result_selector",
    "result_path",
    "retry",
    "catch",
    "assign",
    "result",
    "timeout_seconds",
    "timeout_seconds_path",
    "heartbeat_seconds",
    "heartbeat_seconds_path",
    "callback",
    "seconds",
    "timestamp",
    "seconds_path",
    "timestamp_path",
    "error",
    "cause",
    "error_path",
    "cause_path",
    "items_path",
    "item_selector",
    "max_concurrency",
    "max_concurrency_path",
    "tolerated_failure_count",
    "tolerated_failure_count_path",
    "tolerated_failure_percentage",
    "tolerated_failure_percentage_path",
    "mode",
    "execution_type",
    "label",
];

/// The fields of a retrier.
pub const RETRIER_FIELDS: &[&str] = &[
    "interval_seconds",
    "max_attempts",
    "backoff_rate",
    "max_delay_seconds",
    "jitter_strategy",
    "comment",
];

/// The fields of a catcher (besides its errors and its target).
pub const CATCHER_FIELDS: &[&str] = &["result_path", "assign", "comment"];

pub const SETTINGS: &[&str] = &["timeout_seconds", "comment", "machine_type", "version"];

struct Lowerer {
    spans: Vec<(String, Range)>,
    keys: Vec<(String, Range)>,
    errors: Vec<syn::Error>,
    refused: Vec<String>,
    /// The pointers of the states being lowered, the innermost last.
    within: Vec<String>,
}

pub fn lower(def: &WorkflowDef) -> Lowered {
    let mut l = Lowerer {
        spans: Vec::new(),
        keys: Vec::new(),
        errors: Vec::new(),
        refused: Vec::new(),
        within: Vec::new(),
    };
    let mut machine = StateMachine {
        comment: doc_comment(&def.header.attrs),
        ..StateMachine::default()
    };
    let mut machine_type = MachineType::Standard;
    for setting in &def.settings {
        let key = setting.key.to_string();
        let pointer = match key.as_str() {
            "timeout_seconds" => {
                machine.timeout_seconds = l.int(&setting.value);
                "/TimeoutSeconds"
            }
            "comment" => {
                machine.comment = l.string(&setting.value);
                "/Comment"
            }
            "version" => {
                machine.version = l.string(&setting.value);
                "/Version"
            }
            "machine_type" => {
                match &setting.value {
                    Lit::Ident(i) if i == "EXPRESS" => machine_type = MachineType::Express,
                    Lit::Ident(i) if i == "STANDARD" => machine_type = MachineType::Standard,
                    other => l.error(other.span(), "machine_type is STANDARD or EXPRESS"),
                }
                ""
            }
            _ => {
                l.unknown(&setting.key, SETTINGS, "a workflow setting");
                ""
            }
        };
        if !pointer.is_empty() {
            l.spans
                .push((pointer.to_string(), Range::one(setting.value.span())));
        }
    }
    l.spans
        .push((String::new(), Range::one(def.header.name.span())));
    let (start_at, states) = l.body(&def.body, "");
    machine.start_at = start_at;
    machine.states = states;
    Lowered {
        machine,
        machine_type,
        spans: l.spans,
        keys: l.keys,
        errors: l.errors,
        refused: l.refused,
    }
}

fn number(lit: &Lit) -> Option<Number> {
    match lit {
        Lit::Int(i) => i.base10_parse::<i64>().ok().map(Number::from),
        Lit::Float(f) => f.base10_parse::<f64>().ok().and_then(Number::from_f64),
        _ => None,
    }
}

impl Lowerer {
    fn error(&mut self, span: proc_macro2::Span, message: impl std::fmt::Display) {
        self.reject(syn::Error::new(span, message));
    }

    /// A mistake in the state being lowered (if any): the state is refused.
    fn reject(&mut self, error: syn::Error) {
        self.errors.push(error);
        if let Some(state) = self.within.last() {
            self.refused.push(state.clone());
        }
    }

    fn unknown(&mut self, key: &Ident, allowed: &[&str], what: &str) {
        let name = key.to_string();
        let hint = workflow_core::suggest::closest(&name, allowed.iter().copied())
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
        self.error(key.span(), format!("`{name}` is not {what}{hint}"));
    }

    fn record(&mut self, pointer: &str, range: Range) {
        self.spans.push((pointer.to_string(), range));
    }

    fn int(&mut self, lit: &Lit) -> Option<i64> {
        match lit {
            Lit::Int(i) => match i.base10_parse::<i64>() {
                Ok(n) => Some(n),
                Err(e) => {
                    self.reject(e);
                    None
                }
            },
            other => {
                self.error(other.span(), "expected an integer");
                None
            }
        }
    }

    fn string(&mut self, lit: &Lit) -> Option<String> {
        match lit {
            Lit::Str(s) => Some(s.value()),
            other => {
                self.error(other.span(), "expected a string literal");
                None
            }
        }
    }

    fn body(&mut self, body: &Body, scope_pointer: &str) -> (String, States) {
        let states_pointer = push_pointer(scope_pointer, "States");
        let mut states = States::new();
        let start_at = body
            .states
            .first()
            .map(|s| s.name.to_string())
            .unwrap_or_default();
        if body.states.is_empty() {
            self.error(
                body.brace,
                format!(
                    "a workflow, branch or item processor needs at least one state (the first one is where it starts) [{}]",
                    codes::MISSING_FIELD
                ),
            );
            self.refused.push(scope_pointer.to_string());
        }
        if let Some(first) = body.states.first() {
            self.record(
                &push_pointer(scope_pointer, "StartAt"),
                Range::one(first.name.span()),
            );
        }
        for s in &body.states {
            let pointer = push_pointer(&states_pointer, &s.name.to_string());
            self.record(&pointer, Range::one(s.name.span()));
            self.within.push(pointer.clone());
            let state = self.state(s, &pointer);
            self.within.pop();
            if states.contains_key(&s.name.to_string()) {
                self.error(
                    s.name.span(),
                    format!(
                        "Duplicate State name: {} (state names must be unique in the whole workflow) [{}]",
                        s.name,
                        codes::DUPLICATE_STATE_NAME
                    ),
                );
                // The first of the two is lost.
                self.refused.push(pointer);
            }
            states.insert(s.name.to_string(), state);
        }
        (start_at, states)
    }

    fn state(&mut self, s: &StateDef, pointer: &str) -> State {
        let kind = match &s.kind {
            KindDef::Task(target) => {
                let resource = match target {
                    TaskTarget::Function(path) => {
                        // The function's task name is only known to its #[task]: it replaces
                        // this placeholder in the exported ASL (see `tasks`).
                        let name = super::tasks::placeholder(path);
                        let callback = s.fields.iter().any(|f| f.key == "callback");
                        if callback {
                            format!("${{{name}}}.waitForTaskToken")
                        } else {
                            format!("${{{name}}}")
                        }
                    }
                    TaskTarget::Resource(lit) => lit.value(),
                };
                let range = match target {
                    TaskTarget::Function(path) => {
                        Range::path(path).unwrap_or(Range::one(s.name.span()))
                    }
                    TaskTarget::Resource(lit) => Range::one(lit.span()),
                };
                self.record(&push_pointer(pointer, "Resource"), range);
                StateKind::Task(Box::new(Task {
                    resource,
                    ..Task::default()
                }))
            }
            KindDef::Pass => StateKind::Pass(Pass::default()),
            KindDef::Choice(_) => StateKind::Choice(Choice::default()),
            KindDef::Wait => StateKind::Wait(Wait::default()),
            KindDef::Succeed => StateKind::Succeed,
            KindDef::Fail => StateKind::Fail(Fail::default()),
            KindDef::Parallel(_) => StateKind::Parallel(Parallel::default()),
            KindDef::Map(_) => StateKind::Map(Box::default()),
        };
        let mut state = State::new(kind);
        state.comment = s.doc.clone();
        for field in &s.fields {
            self.field(&mut state, s, field, pointer);
        }
        match (&s.kind, &mut state.kind) {
            (KindDef::Choice(arms), StateKind::Choice(choice)) => {
                self.choice(arms, choice, pointer);
            }
            (KindDef::Parallel(branches), StateKind::Parallel(parallel)) => {
                if branches.is_empty() {
                    self.error(
                        s.name.span(),
                        format!(
                            "a `parallel` state needs at least one `branch {{ ... }}` [{}]",
                            codes::INVALID_PROCESSOR
                        ),
                    );
                }
                for (i, b) in branches.iter().enumerate() {
                    let bp = push_pointer(&push_pointer(pointer, "Branches"), &i.to_string());
                    self.record(&bp, Range::one(b.brace));
                    let (start_at, states) = self.body(b, &bp);
                    parallel.branches.push(Branch {
                        start_at,
                        states,
                        ..Branch::default()
                    });
                }
            }
            (KindDef::Map(processor), StateKind::Map(map)) => {
                let pp = push_pointer(pointer, "ItemProcessor");
                match processor {
                    Some(b) => {
                        self.record(&pp, Range::one(b.brace));
                        let (start_at, states) = self.body(b, &pp);
                        map.item_processor.start_at = start_at;
                        map.item_processor.states = states;
                    }
                    None => self.error(
                        s.name.span(),
                        "a `map` state needs an `item_processor { ... }` with the states run for each item",
                    ),
                }
            }
            _ => {}
        }
        state
    }

    fn path_field(&mut self, value: &FieldValue, pointer: &str, key: &Ident) -> Option<PathField> {
        match value {
            FieldValue::Path(p) => {
                self.record(pointer, p.range);
                Some(PathField::Path(p.asl()))
            }
            FieldValue::Null(n) => {
                self.record(pointer, Range::one(n.span()));
                Some(PathField::Null)
            }
            _ => {
                self.error(
                    key.span(),
                    format!("`{key}` takes a path ($.field) or null"),
                );
                None
            }
        }
    }

    fn path_string(&mut self, value: &FieldValue, pointer: &str, key: &Ident) -> Option<String> {
        match value {
            FieldValue::Path(p) => {
                self.record(pointer, p.range);
                Some(p.asl())
            }
            FieldValue::Dynamic(d) => {
                self.record(pointer, d.range());
                Some(d.asl())
            }
            _ => {
                self.error(key.span(), format!("`{key}` takes a path ($.field)"));
                None
            }
        }
    }

    fn lit_int(&mut self, value: &FieldValue, pointer: &str, key: &Ident) -> Option<i64> {
        match value {
            FieldValue::Lit(lit) => {
                self.record(pointer, Range::one(lit.span()));
                self.int(lit)
            }
            _ => {
                self.error(key.span(), format!("`{key}` takes an integer"));
                None
            }
        }
    }

    fn lit_str(&mut self, value: &FieldValue, pointer: &str, key: &Ident) -> Option<String> {
        match value {
            FieldValue::Lit(lit) => {
                self.record(pointer, Range::one(lit.span()));
                self.string(lit)
            }
            _ => {
                self.error(key.span(), format!("`{key}` takes a string literal"));
                None
            }
        }
    }

    fn template_value(
        &mut self,
        value: &FieldValue,
        pointer: &str,
        key: &Ident,
        literal_only: bool,
    ) -> Option<Value> {
        match value {
            FieldValue::Template(t) => Some(self.template(t, pointer, literal_only)),
            FieldValue::Lit(lit) => {
                self.record(pointer, Range::one(lit.span()));
                Some(self.literal(lit))
            }
            FieldValue::Null(n) => {
                self.record(pointer, Range::one(n.span()));
                Some(Value::Null)
            }
            _ => {
                self.error(
                    key.span(),
                    format!("`{key}` takes an object: {{ key: value, ... }} or a struct literal"),
                );
                None
            }
        }
    }

    fn literal(&mut self, lit: &Lit) -> Value {
        match lit {
            Lit::Int(_) | Lit::Float(_) => match number(lit) {
                Some(n) => Value::Number(n),
                None => {
                    self.error(lit.span(), "this number cannot be written in JSON");
                    Value::Null
                }
            },
            Lit::Str(s) => Value::String(s.value()),
            Lit::Bool(b) => Value::Bool(b.value),
            Lit::Ident(i) => {
                self.error(
                    i.span(),
                    format!("`{i}` is not a value: write a string (\"{i}\"), a number, true, false, null, a path ($.field) or an intrinsic call"),
                );
                Value::Null
            }
        }
    }

    /// A template's JSON: `.$` keys for paths and intrinsic calls.
    fn template(&mut self, t: &Template, pointer: &str, literal_only: bool) -> Value {
        let Template::Object { entries, brace, .. } = t;
        self.record(pointer, Range::one(*brace));
        let mut map = Map::new();
        for (key, value) in entries {
            let k = key_text(key);
            let (json_key, json) = match value {
                TemplateValue::Dynamic(d) => {
                    if literal_only {
                        self.error(
                            d.range().start,
                            "a `pass` state's `result` is a literal: use `parameters` to build a value from paths",
                        );
                    }
                    let json_key = format!("{k}.$");
                    let p = push_pointer(pointer, &json_key);
                    self.record(&p, d.range());
                    self.keys.push((p, Range::one(key.span())));
                    (json_key, Value::String(d.asl()))
                }
                other => {
                    let p = push_pointer(pointer, &k);
                    self.keys.push((p.clone(), Range::one(key.span())));
                    (k.clone(), self.template_entry(other, &p, literal_only))
                }
            };
            if map.contains_key(&json_key) {
                self.error(
                    key.span(),
                    format!("the key `{k}` is given twice [{}]", codes::DUPLICATE_KEY),
                );
            }
            map.insert(json_key, json);
        }
        Value::Object(map)
    }

    fn template_entry(
        &mut self,
        value: &TemplateValue,
        pointer: &str,
        literal_only: bool,
    ) -> Value {
        self.record(pointer, Range::one(value.span()));
        match value {
            TemplateValue::Lit(l) => self.literal(l),
            TemplateValue::Neg(l) => match self.literal(l) {
                Value::Number(n) => negate(&n).unwrap_or(Value::Null),
                _ => {
                    self.error(l.span(), "only numbers can be negative");
                    Value::Null
                }
            },
            TemplateValue::Null(_) => Value::Null,
            TemplateValue::Object(t) => self.template(t, pointer, literal_only),
            TemplateValue::Array(items, _) => Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        if let TemplateValue::Dynamic(d) = v {
                            self.error(
                                d.range().start,
                                "a path or intrinsic call cannot stand alone in an array: ASL evaluates only `key.$` fields of objects",
                            );
                        }
                        self.template_entry(v, &push_pointer(pointer, &i.to_string()), literal_only)
                    })
                    .collect(),
            ),
            TemplateValue::Dynamic(_) => Value::Null,
        }
    }

    fn int_expr(&mut self, value: &FieldValue, pointer: &str, key: &Ident) -> Option<Expr<i64>> {
        self.lit_int(value, pointer, key).map(Expr::Literal)
    }

    fn field(&mut self, state: &mut State, s: &StateDef, field: &Field, pointer: &str) {
        let key = field.key.to_string();
        let asl = pascal_case(&key);
        let fp = push_pointer(pointer, &asl);
        let v = &field.value;
        let k = &field.key;
        match key.as_str() {
            "next" => match v {
                FieldValue::Ident(target) => {
                    self.record(&fp, Range::one(target.span()));
                    state.next = Some(target.to_string());
                }
                _ => self.error(
                    k.span(),
                    "`next` takes the name of a state: next: ChargePayment",
                ),
            },
            "end" => match v {
                FieldValue::Flag => {
                    self.record(&fp, Range::one(k.span()));
                    state.end = Some(true);
                }
                FieldValue::Lit(Lit::Bool(b)) => {
                    self.record(&fp, Range::one(b.span));
                    state.end = Some(b.value);
                }
                _ => self.error(k.span(), "write `end` (or `end: true`)"),
            },
            "callback" => {
                if !matches!(s.kind, KindDef::Task(TaskTarget::Function(_))) {
                    self.error(
                        k.span(),
                        "`callback` marks a task that runs a #[task(callback)] function",
                    );
                }
            }
            "comment" => state.comment = self.lit_str(v, &fp, k),
            "input_path" => state.input_path = self.path_field(v, &fp, k),
            "output_path" => state.output_path = self.path_field(v, &fp, k),
            "result_path" => state.result_path = self.path_field(v, &fp, k),
            "parameters" => state.parameters = self.template_value(v, &fp, k, false),
            "result_selector" => state.result_selector = self.template_value(v, &fp, k, false),
            "assign" => state.assign = self.template_value(v, &fp, k, false),
            "retry" => match v {
                FieldValue::Retry(rs) => {
                    self.record(&fp, Range::one(k.span()));
                    state.retry = Some(
                        rs.iter()
                            .enumerate()
                            .map(|(i, r)| self.retrier(r, &push_pointer(&fp, &i.to_string())))
                            .collect(),
                    );
                }
                _ => self.error(
                    k.span(),
                    "`retry` takes a list: retry: [ErrorName => { max_attempts: 3 }]",
                ),
            },
            "catch" => match v {
                FieldValue::Catch(cs) => {
                    self.record(&fp, Range::one(k.span()));
                    state.catch = Some(
                        cs.iter()
                            .enumerate()
                            .map(|(i, c)| self.catcher(c, &push_pointer(&fp, &i.to_string())))
                            .collect(),
                    );
                }
                _ => self.error(
                    k.span(),
                    "`catch` takes a list: catch: [ErrorName => Target { result_path: $.error }]",
                ),
            },
            _ => self.kind_field(state, field, &fp, pointer),
        }
    }

    fn kind_field(&mut self, state: &mut State, field: &Field, fp: &str, pointer: &str) {
        let key = field.key.to_string();
        let v = &field.value;
        let k = &field.key;
        let type_name = state.type_name();
        match (&mut state.kind, key.as_str()) {
            (StateKind::Pass(p), "result") => p.result = self.template_value(v, fp, k, true),
            (StateKind::Task(t), "timeout_seconds") => t.timeout_seconds = self.int_expr(v, fp, k),
            (StateKind::Task(t), "heartbeat_seconds") => {
                t.heartbeat_seconds = self.int_expr(v, fp, k)
            }
            (StateKind::Task(t), "timeout_seconds_path") => {
                t.timeout_seconds_path = self.path_string(v, fp, k)
            }
            (StateKind::Task(t), "heartbeat_seconds_path") => {
                t.heartbeat_seconds_path = self.path_string(v, fp, k)
            }
            (StateKind::Wait(w), "seconds") => w.seconds = self.int_expr(v, fp, k),
            (StateKind::Wait(w), "timestamp") => w.timestamp = self.lit_str(v, fp, k),
            (StateKind::Wait(w), "seconds_path") => w.seconds_path = self.path_string(v, fp, k),
            (StateKind::Wait(w), "timestamp_path") => w.timestamp_path = self.path_string(v, fp, k),
            (StateKind::Fail(f), "error") => f.error = self.lit_str(v, fp, k),
            (StateKind::Fail(f), "cause") => f.cause = self.lit_str(v, fp, k),
            (StateKind::Fail(f), "error_path") => f.error_path = self.path_string(v, fp, k),
            (StateKind::Fail(f), "cause_path") => f.cause_path = self.path_string(v, fp, k),
            (StateKind::Map(m), "items_path") => m.items_path = self.path_string(v, fp, k),
            (StateKind::Map(m), "item_selector") => {
                m.item_selector = self.template_value(v, fp, k, false)
            }
            (StateKind::Map(m), "max_concurrency") => m.max_concurrency = self.int_expr(v, fp, k),
            (StateKind::Map(m), "max_concurrency_path") => {
                m.max_concurrency_path = self.path_string(v, fp, k)
            }
            (StateKind::Map(m), "tolerated_failure_count") => {
                m.tolerated_failure_count = self.int_expr(v, fp, k)
            }
            (StateKind::Map(m), "tolerated_failure_count_path") => {
                m.tolerated_failure_count_path = self.path_string(v, fp, k)
            }
            (StateKind::Map(m), "tolerated_failure_percentage") => match v {
                FieldValue::Lit(lit) => {
                    self.record(fp, Range::one(lit.span()));
                    m.tolerated_failure_percentage = number(lit).map(Expr::Literal);
                }
                _ => self.error(k.span(), "`tolerated_failure_percentage` takes a number"),
            },
            (StateKind::Map(m), "tolerated_failure_percentage_path") => {
                m.tolerated_failure_percentage_path = self.path_string(v, fp, k)
            }
            (StateKind::Map(m), "label") => m.label = self.lit_str(v, fp, k),
            (StateKind::Map(m), "mode" | "execution_type") => {
                let (value, value_span) = match v {
                    FieldValue::Ident(i) => (i.to_string(), i.span()),
                    _ => {
                        self.error(k.span(), format!("`{key}` takes INLINE or DISTRIBUTED (mode) / STANDARD or EXPRESS (execution_type)"));
                        return;
                    }
                };
                let config = m
                    .item_processor
                    .processor_config
                    .get_or_insert_with(|| Value::Object(Map::new()));
                if let Value::Object(c) = config {
                    c.insert(pascal_case(&key), Value::String(value));
                }
                let config_pointer =
                    push_pointer(&push_pointer(pointer, "ItemProcessor"), "ProcessorConfig");
                // A problem of the whole ProcessorConfig (DISTRIBUTED without an
                // ExecutionType) is on `mode: ...` or `execution_type: ...`.
                let range = Range {
                    start: k.span(),
                    end: value_span,
                };
                self.record(&config_pointer, range);
                self.record(
                    &push_pointer(&config_pointer, &pascal_case(&key)),
                    Range::one(value_span),
                );
            }
            _ => {
                if STATE_FIELDS.contains(&key.as_str()) {
                    self.error(
                        k.span(),
                        format!(
                            "Field `{key}` is not supported by `{}` states [{}]",
                            type_name.to_lowercase(),
                            codes::UNKNOWN_FIELD
                        ),
                    );
                } else {
                    self.unknown(k, STATE_FIELDS, "a field of a state");
                }
            }
        }
    }

    fn error_names(&mut self, errors: &[ErrorPattern], pointer: &str) -> Vec<String> {
        let ep = push_pointer(pointer, "ErrorEquals");
        errors
            .iter()
            .enumerate()
            .map(|(i, e)| {
                self.record(&push_pointer(&ep, &i.to_string()), e.range());
                e.asl()
            })
            .collect()
    }

    fn retrier(&mut self, r: &RetryDef, pointer: &str) -> Retrier {
        self.record(pointer, Range::one(r.arrow));
        let mut retrier = Retrier {
            error_equals: self.error_names(&r.errors, pointer),
            ..Retrier::default()
        };
        for f in &r.fields {
            let key = f.key.to_string();
            let fp = push_pointer(pointer, &pascal_case(&key));
            match key.as_str() {
                "interval_seconds" => {
                    retrier.interval_seconds = self.lit_int(&f.value, &fp, &f.key)
                }
                "max_attempts" => retrier.max_attempts = self.lit_int(&f.value, &fp, &f.key),
                "max_delay_seconds" => {
                    retrier.max_delay_seconds = self.lit_int(&f.value, &fp, &f.key)
                }
                "backoff_rate" => match &f.value {
                    FieldValue::Lit(lit) => {
                        self.record(&fp, Range::one(lit.span()));
                        retrier.backoff_rate = number(lit);
                    }
                    _ => self.error(f.key.span(), "`backoff_rate` takes a number"),
                },
                "jitter_strategy" => match &f.value {
                    FieldValue::Ident(i) => {
                        self.record(&fp, Range::one(i.span()));
                        retrier.jitter_strategy = Some(i.to_string());
                    }
                    _ => self.error(f.key.span(), "`jitter_strategy` takes FULL or NONE"),
                },
                "comment" => retrier.comment = self.lit_str(&f.value, &fp, &f.key),
                _ => self.unknown(&f.key, RETRIER_FIELDS, "a field of a retrier"),
            }
        }
        retrier
    }

    fn catcher(&mut self, c: &CatchDef, pointer: &str) -> Catcher {
        self.record(pointer, Range::one(c.target.span()));
        self.record(&push_pointer(pointer, "Next"), Range::one(c.target.span()));
        let mut catcher = Catcher {
            error_equals: self.error_names(&c.errors, pointer),
            next: c.target.to_string(),
            ..Catcher::default()
        };
        for f in &c.fields {
            let key = f.key.to_string();
            let fp = push_pointer(pointer, &pascal_case(&key));
            match key.as_str() {
                "result_path" => catcher.result_path = self.path_field(&f.value, &fp, &f.key),
                "assign" => catcher.assign = self.template_value(&f.value, &fp, &f.key, false),
                "comment" => catcher.comment = self.lit_str(&f.value, &fp, &f.key),
                _ => self.unknown(&f.key, CATCHER_FIELDS, "a field of a catcher"),
            }
        }
        catcher
    }

    fn choice(&mut self, arms: &[ChoiceArm], choice: &mut Choice, pointer: &str) {
        let cp = push_pointer(pointer, "Choices");
        let mut i = 0;
        for arm in arms {
            match arm {
                ChoiceArm::When {
                    when,
                    cond,
                    target,
                    assign,
                } => {
                    let rp = push_pointer(&cp, &i.to_string());
                    i += 1;
                    self.record(&rp, Range::one(when.span()));
                    self.record(&push_pointer(&rp, "Next"), Range::one(target.span()));
                    let rule = self.condition(cond, &rp);
                    let condition = match rule {
                        Value::Object(m) => m,
                        _ => Map::new(),
                    };
                    let assign = assign.as_ref().map(|(key, t)| {
                        self.record(&push_pointer(&rp, "Assign"), Range::one(key.span()));
                        self.template(t, &push_pointer(&rp, "Assign"), false)
                    });
                    choice.choices.push(ChoiceRule {
                        condition,
                        next: Some(target.to_string()),
                        assign,
                        ..ChoiceRule::default()
                    });
                }
                ChoiceArm::Default { default, target } => {
                    if choice.default.is_some() {
                        self.error(default.span(), "a `choice` state has one `default`");
                    }
                    self.record(&push_pointer(pointer, "Default"), Range::one(target.span()));
                    choice.default = Some(target.to_string());
                }
            }
        }
    }

    /// A condition as an ASL rule object.
    fn condition(&mut self, cond: &Cond, pointer: &str) -> Value {
        let mut m = Map::new();
        match cond {
            Cond::And(parts) | Cond::Or(parts) => {
                let key = if matches!(cond, Cond::And(_)) {
                    "And"
                } else {
                    "Or"
                };
                let kp = push_pointer(pointer, key);
                let rules = parts
                    .iter()
                    .enumerate()
                    .map(|(i, p)| self.condition(p, &push_pointer(&kp, &i.to_string())))
                    .collect();
                m.insert(key.into(), Value::Array(rules));
            }
            Cond::Not(inner) => {
                let rule = self.condition(inner, &push_pointer(pointer, "Not"));
                m.insert("Not".into(), rule);
            }
            Cond::Test { test, path } => {
                self.record(&push_pointer(pointer, "Variable"), path.range);
                m.insert("Variable".into(), Value::String(path.asl()));
                let op = pascal_case(&test.to_string());
                self.record(&push_pointer(pointer, &op), Range::one(test.span()));
                m.insert(op, Value::Bool(true));
            }
            Cond::Matches { path, pattern } => {
                self.record(&push_pointer(pointer, "Variable"), path.range);
                self.record(
                    &push_pointer(pointer, "StringMatches"),
                    Range::one(pattern.span()),
                );
                m.insert("Variable".into(), Value::String(path.asl()));
                m.insert("StringMatches".into(), Value::String(pattern.value()));
            }
            Cond::Compare {
                left,
                op,
                op_span,
                right,
            } => return self.comparison(left, *op, *op_span, right, pointer),
        }
        Value::Object(m)
    }

    fn comparison(
        &mut self,
        left: &Operand,
        op: CmpOp,
        op_span: proc_macro2::Span,
        right: &Operand,
        pointer: &str,
    ) -> Value {
        // The path goes on the left (Variable); a literal on the left swaps sides.
        let (path, path_ty, other, op) = match (left, right) {
            (Operand::Path(p, t), other) => (p, t.clone(), other, op),
            (other, Operand::Path(p, t)) => {
                let flipped = match op {
                    CmpOp::Lt => CmpOp::Gt,
                    CmpOp::Le => CmpOp::Ge,
                    CmpOp::Gt => CmpOp::Lt,
                    CmpOp::Ge => CmpOp::Le,
                    o => o,
                };
                (p, t.clone(), other, flipped)
            }
            _ => {
                self.error(op_span, "a comparison needs a path on one side ($.field)");
                return Value::Object(Map::new());
            }
        };
        if op == CmpOp::Ne {
            let mut inner = self.comparison(
                &Operand::Path(path.clone(), path_ty),
                CmpOp::Eq,
                op_span,
                other,
                &push_pointer(pointer, "Not"),
            );
            let mut m = Map::new();
            m.insert("Not".into(), std::mem::take(&mut inner));
            return Value::Object(m);
        }
        let family = match (other, &path_ty) {
            (_, Some(t)) => pascal_case(&t.to_string()),
            (Operand::Lit(Lit::Int(_) | Lit::Float(_)) | Operand::Neg(_), None) => "Numeric".into(),
            (Operand::Lit(Lit::Str(_)), None) => "String".into(),
            (Operand::Lit(Lit::Bool(_)), None) => "Boolean".into(),
            (Operand::Timestamp(_), None) => "Timestamp".into(),
            (Operand::Path(_, Some(t)), None) => pascal_case(&t.to_string()),
            (Operand::Path(_, None), None) => {
                self.error(op_span, "comparing two paths needs the type to compare as: numeric($.a) == $.b, or string(..), timestamp(..), boolean(..)");
                return Value::Object(Map::new());
            }
            (Operand::Lit(Lit::Ident(i)), None) => {
                self.error(
                    i.span(),
                    format!("`{i}` is not a value: compare with a number, a string, true or false"),
                );
                return Value::Object(Map::new());
            }
        };
        let name = match op {
            CmpOp::Eq => "Equals",
            CmpOp::Lt => "LessThan",
            CmpOp::Le => "LessThanEquals",
            CmpOp::Gt => "GreaterThan",
            CmpOp::Ge => "GreaterThanEquals",
            CmpOp::Ne => "Equals",
        };
        if family == "Boolean" && op != CmpOp::Eq {
            self.error(op_span, "booleans compare only with == and !=");
        }
        let mut m = Map::new();
        self.record(&push_pointer(pointer, "Variable"), path.range);
        m.insert("Variable".into(), Value::String(path.asl()));
        let (op_name, value, range) = match other {
            Operand::Path(p, _) => (
                format!("{family}{name}Path"),
                Value::String(p.asl()),
                p.range,
            ),
            Operand::Lit(l) => (
                format!("{family}{name}"),
                self.literal(l),
                Range::one(l.span()),
            ),
            Operand::Neg(l) => {
                let v = match self.literal(l) {
                    Value::Number(n) => negate(&n).unwrap_or(Value::Null),
                    _ => Value::Null,
                };
                (format!("{family}{name}"), v, Range::one(l.span()))
            }
            Operand::Timestamp(s) => (
                format!("{family}{name}"),
                Value::String(s.value()),
                Range::one(s.span()),
            ),
        };
        self.record(
            &push_pointer(pointer, &op_name),
            Range {
                start: op_span,
                end: range.end,
            },
        );
        m.insert(op_name, value);
        Value::Object(m)
    }
}
