//! A validated definition: the model, where it came from, and its warnings.

use crate::diagnostic::{Diagnostic, Diagnostics, Severity};
use crate::model::StateMachine;
use crate::plan::{CompileOptions, Plan, validate};
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
    options: CompileOptions,
}

impl Definition {
    /// Parses and validates JSON text. Fails with every problem found, each located by JSON
    /// pointer, line and column.
    ///
    /// Structural problems (an unknown field, a value of the wrong type, ...) do not hide the
    /// others: the semantic checks run on what could be read, and only the problems that
    /// merely follow from a structural one are left out.
    pub fn from_json_str(text: &str, options: &CompileOptions) -> Result<Definition, Diagnostics> {
        let mut parsed = read_definition(text)?;
        if !parsed.root_is_broken() {
            let semantic = validate(&parsed.machine, options);
            parsed.merge_semantic(semantic);
        }
        Self::finish(
            parsed.machine,
            Some(parsed.map),
            parsed.diagnostics,
            options,
        )
    }

    /// Validates a model built in code (for example by the `workflow!` macro).
    pub fn from_machine(
        machine: StateMachine,
        options: &CompileOptions,
    ) -> Result<Definition, Diagnostics> {
        let diagnostics = validate(&machine, options);
        Self::finish(machine, None, diagnostics, options)
    }

    fn finish(
        machine: StateMachine,
        source: Option<SourceMap>,
        diagnostics: Vec<Diagnostic>,
        options: &CompileOptions,
    ) -> Result<Definition, Diagnostics> {
        let (errors, warnings): (Vec<_>, Vec<_>) = diagnostics
            .into_iter()
            .partition(|d| d.severity == Severity::Error);
        if errors.is_empty() {
            Ok(Definition {
                machine,
                source,
                warnings,
                options: options.clone(),
            })
        } else {
            Err(Diagnostics(errors))
        }
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
    pub fn plan(&self) -> Result<Plan, Diagnostics> {
        Plan::compile(&self.machine, &self.options).map_err(|mut d| {
            if let Some(source) = &self.source {
                source.locate(&mut d.0);
            }
            d
        })
    }
}
