//! The nesting bounds of a definition (see [`crate::nesting`]), checked before anything
//! walks the definition recursively.
//!
//! A definition read from JSON text keeps within them by construction: the text nests at most
//! [`MAX_JSON_DEPTH`] levels, or it is not read. A model built in code can nest its payload
//! templates, Choice rules and scopes as deep as it likes, so it is checked here, without
//! recursion, before the compile walk recurses into it.

use serde_json::Value;

use crate::diagnostic::{Diagnostic, codes, push_pointer};
use crate::model::{Branch, State, StateKind, StateMachine, States};
use crate::nesting::{MAX_JSON_DEPTH, MAX_SCOPE_DEPTH, value_too_deep};

/// Every JSON value (payload template, literal, Choice rule, ...) deeper than
/// [`MAX_JSON_DEPTH`] and every scope nested deeper than [`MAX_SCOPE_DEPTH`], each at its
/// pointer.
pub(super) fn check(machine: &StateMachine) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    // The scopes still to look at: their states, the pointer of the scope, its level.
    let mut scopes: Vec<(&States, String, usize)> = vec![(&machine.states, String::new(), 1)];
    while let Some((states, scope_pointer, level)) = scopes.pop() {
        let states_pointer = push_pointer(&scope_pointer, "States");
        for (name, state) in states {
            let pointer = push_pointer(&states_pointer, name);
            for (field, value, max) in values(state) {
                diags.extend(value_too_deep(value, max, format!("{pointer}/{field}")));
            }
            let mut nested = |branch: &'_ Branch, at: String| {
                if let Some(config) = &branch.processor_config {
                    let at = push_pointer(&at, "ProcessorConfig");
                    diags.extend(value_too_deep(config, MAX_JSON_DEPTH, at));
                }
                if level >= MAX_SCOPE_DEPTH {
                    diags.push(Diagnostic::error(
                        codes::NESTING_TOO_DEEP,
                        at,
                        format!(
                            "Parallel branches and Map processors nest more than {MAX_SCOPE_DEPTH} levels deep"
                        ),
                    ));
                    false
                } else {
                    true
                }
            };
            match &state.kind {
                StateKind::Parallel(p) => {
                    for (i, branch) in p.branches.iter().enumerate() {
                        let at = push_pointer(&push_pointer(&pointer, "Branches"), &i.to_string());
                        if nested(branch, at.clone()) {
                            scopes.push((&branch.states, at, level + 1));
                        }
                    }
                }
                StateKind::Map(m) => {
                    let at = push_pointer(&pointer, m.processor_field());
                    if nested(&m.item_processor, at.clone()) {
                        scopes.push((&m.item_processor.states, at, level + 1));
                    }
                }
                _ => {}
            }
        }
    }
    diags
}

/// The JSON values of a state's fields, each with its pointer below the state and how deep
/// it may nest. (A field added to the model that holds a `serde_json::Value` belongs here.)
fn values(state: &State) -> Vec<(String, &Value, usize)> {
    fn add<'s>(out: &mut Vec<(String, &'s Value, usize)>, field: String, value: &'s Option<Value>) {
        if let Some(v) = value {
            out.push((field, v, MAX_JSON_DEPTH));
        }
    }
    let mut out = Vec::new();
    add(&mut out, "Parameters".into(), &state.parameters);
    add(&mut out, "ResultSelector".into(), &state.result_selector);
    add(&mut out, "Assign".into(), &state.assign);
    add(&mut out, "Arguments".into(), &state.arguments);
    add(&mut out, "Output".into(), &state.output);
    for (i, c) in state.catch.iter().flatten().enumerate() {
        add(&mut out, format!("Catch/{i}/Assign"), &c.assign);
        add(&mut out, format!("Catch/{i}/Output"), &c.output);
    }
    match &state.kind {
        StateKind::Pass(p) => add(&mut out, "Result".into(), &p.result),
        StateKind::Task(t) => add(&mut out, "Credentials".into(), &t.credentials),
        StateKind::Map(m) => {
            add(&mut out, "Items".into(), &m.items);
            add(&mut out, "ItemSelector".into(), &m.item_selector);
            add(&mut out, "ItemReader".into(), &m.item_reader);
            add(&mut out, "ItemBatcher".into(), &m.item_batcher);
            add(&mut out, "ResultWriter".into(), &m.result_writer);
        }
        StateKind::Choice(c) => {
            for (i, rule) in c.choices.iter().enumerate() {
                add(&mut out, format!("Choices/{i}/Assign"), &rule.assign);
                add(&mut out, format!("Choices/{i}/Output"), &rule.output);
                for (key, value) in &rule.condition {
                    // A member of the rule object, one level below it.
                    out.push((
                        format!("Choices/{i}/{}", escape(key)),
                        value,
                        MAX_JSON_DEPTH - 1,
                    ));
                }
            }
        }
        _ => {}
    }
    out
}

/// A key as a JSON pointer token.
fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Takes apart a machine that [`check`] refused, without recursion: dropping it as usual
/// would recurse through its too-deep values and scopes.
pub(crate) fn dismantle(machine: StateMachine) {
    fn take_values(state: &mut State, out: &mut Vec<Value>) {
        let fields = [
            &mut state.parameters,
            &mut state.result_selector,
            &mut state.assign,
            &mut state.arguments,
            &mut state.output,
        ];
        out.extend(fields.into_iter().filter_map(Option::take));
        for c in state.catch.iter_mut().flatten() {
            out.extend(c.assign.take());
            out.extend(c.output.take());
        }
        match &mut state.kind {
            StateKind::Pass(p) => out.extend(p.result.take()),
            StateKind::Task(t) => out.extend(t.credentials.take()),
            StateKind::Map(m) => {
                let fields = [
                    &mut m.items,
                    &mut m.item_selector,
                    &mut m.item_reader,
                    &mut m.item_batcher,
                    &mut m.result_writer,
                    &mut m.item_processor.processor_config,
                ];
                out.extend(fields.into_iter().filter_map(Option::take));
            }
            StateKind::Parallel(p) => {
                out.extend(
                    p.branches
                        .iter_mut()
                        .filter_map(|b| b.processor_config.take()),
                );
            }
            StateKind::Choice(c) => {
                for rule in &mut c.choices {
                    out.extend(rule.assign.take());
                    out.extend(rule.output.take());
                    out.extend(
                        std::mem::take(&mut rule.condition)
                            .into_iter()
                            .map(|(_, v)| v),
                    );
                }
            }
            _ => {}
        }
    }
    let mut scopes = vec![machine.states];
    let mut values = Vec::new();
    while let Some(states) = scopes.pop() {
        for (_, mut state) in states {
            take_values(&mut state, &mut values);
            match &mut state.kind {
                StateKind::Parallel(p) => {
                    scopes.extend(p.branches.iter_mut().map(|b| std::mem::take(&mut b.states)));
                }
                StateKind::Map(m) => scopes.push(std::mem::take(&mut m.item_processor.states)),
                _ => {}
            }
            for value in values.drain(..) {
                crate::nesting::drop_deep(value);
            }
        }
    }
}
