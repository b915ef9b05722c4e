//! Variable scopes: each Parallel branch and Map processor is a scope of its own, which can
//! read the variables of the scopes around it but, by the Amazon States Language
//! specification, must not assign them.

use std::collections::HashMap;

use serde_json::Value;

use super::Compiler;
use crate::diagnostic::{codes, push_pointer};
use crate::model::{StateKind, States};

impl Compiler<'_> {
    /// Records the variables the states of a scope assign (before its states, and the scopes
    /// inside them, are compiled), warning about those an enclosing scope assigns.
    pub(super) fn enter_variable_scope(&mut self, states: &States, states_pointer: &str) {
        let mut assigned: HashMap<String, String> = HashMap::new();
        for (name, state) in states {
            let sp = push_pointer(states_pointer, name);
            let mut blocks: Vec<(&Value, String)> = Vec::new();
            if let Some(a) = &state.assign {
                blocks.push((a, push_pointer(&sp, "Assign")));
            }
            for (i, c) in state.catch.iter().flatten().enumerate() {
                if let Some(a) = &c.assign {
                    let cp = push_pointer(&push_pointer(&sp, "Catch"), &i.to_string());
                    blocks.push((a, push_pointer(&cp, "Assign")));
                }
            }
            if let StateKind::Choice(choice) = &state.kind {
                for (i, rule) in choice.choices.iter().enumerate() {
                    if let Some(a) = &rule.assign {
                        let rp = push_pointer(&push_pointer(&sp, "Choices"), &i.to_string());
                        blocks.push((a, push_pointer(&rp, "Assign")));
                    }
                }
            }
            for (block, pointer) in blocks {
                let Value::Object(map) = block else {
                    continue;
                };
                for key in map.keys() {
                    let variable = key.strip_suffix(".$").unwrap_or(key);
                    let key_pointer = push_pointer(&pointer, key);
                    let outer = self
                        .variable_scopes
                        .iter()
                        .rev()
                        .find_map(|scope| scope.get(variable))
                        .cloned();
                    if let Some(outer) = outer {
                        // The specification's rule; whether AWS enforces it when a definition
                        // is created is not known.
                        self.warning(
                            codes::INVALID_VARIABLE_NAME,
                            &key_pointer,
                            format!("The variable '{variable}' belongs to an enclosing scope (it is assigned at {outer}): a Parallel branch or Map processor can read it but must not assign it. Use another name, and pass the value on in the branch's output"),
                        );
                    }
                    assigned.entry(variable.to_string()).or_insert(key_pointer);
                }
            }
        }
        self.variable_scopes.push(assigned);
    }

    pub(super) fn leave_variable_scope(&mut self) {
        self.variable_scopes.pop();
    }
}
