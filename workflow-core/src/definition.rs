//! A validated definition: the model, where it came from, and its warnings.

use std::sync::Arc;

use crate::diagnostic::{BROKEN_GRAPH, Diagnostic, Diagnostics, GRAPH_CASCADES, Severity};
use crate::model::StateMachine;
use crate::plan::compile::{Compiled, compile};
use crate::plan::{CompileOptions, Plan};
use crate::source::{SourceMap, read_definition};

/// A state machine definition that passed validation.
///
/// ```
/// use workflow_core::definition::Definition;
/// use workflow_core::plan::CompileOptions;
///
/// let text = r#"{"StartAt": "Hello", "States": {"Hello": {"Type": "Pass", "Nxt": "World"}}}"#;
/// let problems = Definition::from_json_str(text, &CompileOptions::default()).unwrap_err();
/// assert_eq!(problems.0[0].code, "unknown-field");
/// assert_eq!(problems.0[0].pointer, "/States/Hello/Nxt");
/// assert!(problems.0[0].message.contains("did you mean 'Next'?"));
/// assert_eq!(problems.0[0].location.unwrap().line, 1);
/// ```
#[derive(Clone, Debug)]
pub struct Definition {
    machine: StateMachine,
    source: Option<SourceMap>,
    warnings: Vec<Diagnostic>,
    /// The plan, compiled by the walk that validated the definition, or what the runtime
    /// cannot run yet.
    plan: Result<Arc<Plan>, Diagnostics>,
}

impl Definition {
    /// Parses and validates JSON text. Fails with every problem found, each located by JSON
    /// pointer, line and column (the warnings among them, when there are errors).
    ///
    /// Structural problems (an unknown field, a value of the wrong type, ...) do not hide the
    /// others: the semantic checks run on what could be read, and only the problems that
    /// merely follow from a structural one are left out.
    pub fn from_json_str(text: &str, options: &CompileOptions) -> Result<Definition, Diagnostics> {
        let mut parsed = read_definition(text)?;
        if parsed.root_is_broken() {
            return Err(Self::problems(parsed.diagnostics));
        }
        let compiled = compile(&parsed.machine, options);
        let semantic = compiled.diagnostics.clone();
        parsed.merge_semantic(semantic);
        Self::finish(
            parsed.machine,
            Some(parsed.map),
            parsed.diagnostics,
            compiled,
        )
    }

    /// Validates a model built in code (for example by the `workflow!` macro).
    pub fn from_machine(
        machine: StateMachine,
        options: &CompileOptions,
    ) -> Result<Definition, Diagnostics> {
        let compiled = compile(&machine, options);
        let diagnostics = compiled.diagnostics.clone();
        if diagnostics
            .iter()
            .any(|d| d.code == crate::diagnostic::codes::NESTING_TOO_DEEP)
        {
            // Refused, and taken apart without the recursion of dropping it as usual.
            crate::plan::compile::dismantle(machine);
            return Err(Self::problems(diagnostics));
        }
        Self::finish(machine, None, diagnostics, compiled)
    }

    fn finish(
        machine: StateMachine,
        source: Option<SourceMap>,
        diagnostics: Vec<Diagnostic>,
        compiled: Compiled,
    ) -> Result<Definition, Diagnostics> {
        if diagnostics.iter().any(|d| d.severity == Severity::Error) {
            return Err(Self::problems(diagnostics));
        }
        let plan = compiled.into_plan().map(Arc::new).map_err(|mut d| {
            if let Some(source) = &source {
                source.locate(&mut d.0);
            }
            d
        });
        Ok(Definition {
            machine,
            source,
            warnings: diagnostics,
            plan,
        })
    }

    /// The problems of a definition that has errors.
    fn problems(diagnostics: Vec<Diagnostic>) -> Diagnostics {
        // Every problem at once: the warnings too, in the order they were found, but for
        // those that only follow from a transition that goes nowhere (a scope that cannot
        // finish, a cycle without a way out, once its way out is misspelled).
        let broken_graph = diagnostics.iter().any(|d| BROKEN_GRAPH.contains(&d.code));
        let follows = |d: &Diagnostic| {
            broken_graph && d.severity == Severity::Warning && GRAPH_CASCADES.contains(&d.code)
        };
        Diagnostics(diagnostics.into_iter().filter(|d| !follows(d)).collect())
    }

    /// The model.
    pub fn machine(&self) -> &StateMachine {
        &self.machine
    }

    /// Warnings: valid, but probably not what was meant.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// Where things are in the source text, when the definition came from text.
    pub fn source(&self) -> Option<&SourceMap> {
        self.source.as_ref()
    }

    /// Compiles the definition for running. Fails only for features the runtime does not run
    /// yet (JSONata states, Map item readers and writers).
    pub fn plan(&self) -> Result<Arc<Plan>, Diagnostics> {
        self.plan.clone()
    }
}

#[cfg(test)]
mod warnings_with_errors {
    use super::*;
    use crate::diagnostic::codes;

    #[test]
    fn a_definition_with_errors_reports_its_warnings_too() {
        let text = r#"{
          "Version": "2.0",
          "StartAt": "A",
          "States": {
            "A": {"Type": "Pass", "Parameters": {"x.$": "$.x"}, "Next": "B"},
            "B": {"Type": "Pass", "Nxt": "C", "End": true},
            "C": {"Type": "Succeed"}
          }
        }"#;
        let Err(problems) = Definition::from_json_str(text, &CompileOptions::default()) else {
            panic!("the definition has an unknown field");
        };
        let codes: Vec<(&str, Severity)> =
            problems.0.iter().map(|d| (d.code, d.severity)).collect();
        assert!(
            codes.contains(&(codes::UNKNOWN_FIELD, Severity::Error)),
            "{codes:?}"
        );
        assert!(
            codes.contains(&(codes::INVALID_VALUE, Severity::Warning)),
            "{codes:?}"
        );
    }
}
