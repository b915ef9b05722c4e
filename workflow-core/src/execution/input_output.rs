//! The data pipeline every state goes through: InputPath, Parameters, ResultSelector,
//! ResultPath and OutputPath, Assign, and the environment (`$`, `$$`, variables) they see.

use super::*;

/// Variables a state assigns.
pub(super) type Assigned = Map<String, Value>;

/// A state's result before ResultSelector and ResultPath: a value of its own, or one it
/// shares (a Pass state passes its input on, a task's result is in the history): sharing
/// spares a copy when ResultPath replaces the input, owning spares one when it writes into it.
pub(super) enum StateResult {
    Owned(Value),
    Shared(Arc<Value>),
}

impl StateResult {
    pub(super) fn value(&self) -> &Value {
        match self {
            StateResult::Owned(v) => v,
            StateResult::Shared(v) => v,
        }
    }

    pub(super) fn into_arc(self) -> Arc<Value> {
        match self {
            StateResult::Owned(v) => Arc::new(v),
            StateResult::Shared(v) => v,
        }
    }

    pub(super) fn into_value(self) -> Value {
        match self {
            StateResult::Owned(v) => v,
            StateResult::Shared(v) => Arc::unwrap_or_clone(v),
        }
    }
}

impl Execution {
    pub(super) fn context<'a>(
        info: &'a ExecutionInfo,
        frame: &'a Frame,
        state: &'a CompiledState,
    ) -> ContextView<'a> {
        let retry_count = matches!(
            state.kind,
            Kind::Task(_) | Kind::Map(_) | Kind::Parallel { .. }
        )
        .then_some(frame.retry_total);
        ContextView {
            info,
            state_name: &state.name,
            entered_time: frame.entered_time,
            retry_count,
            task_token: frame.task_token.as_deref(),
            map_item: None,
        }
    }

    /// Runs `f` with the environment the state's paths and templates see: `input` as `$`,
    /// the context object as `$$`, and the frame's variables.
    pub(super) fn with_env<R>(
        &self,
        frame: &Frame,
        state: &CompiledState,
        input: &Value,
        f: impl FnOnce(&Env<'_>) -> R,
    ) -> R {
        let ctx = Self::context(&self.info, frame, state);
        f(&Env {
            input,
            context: &ctx,
            variables: &*frame.vars,
        })
    }

    pub(super) fn prefix(
        &self,
        frame: &Frame,
        state: &CompiledState,
        failure: StateFailure,
    ) -> Failure {
        failure.into_error(&state.name, frame.entered_event).into()
    }

    pub(super) fn filter(
        &self,
        frame: &Frame,
        state: &CompiledState,
        filter: &Filter,
        value: &Arc<Value>,
    ) -> Result<Arc<Value>, Failure> {
        match filter {
            Filter::All => Ok(value.clone()),
            Filter::Empty => Ok(Arc::new(Value::Object(Map::new()))),
            Filter::Path(path) => {
                match self.with_env(frame, state, value, |env| path.select_owned(env)) {
                    Ok(v) => Ok(Arc::new(v)),
                    Err(PathError::NoMatch) | Err(PathError::UnknownVariable(_)) => Err(self
                        .prefix(
                            frame,
                            state,
                            StateFailure::runtime(format!(
                                "Invalid path '{}' : No results for path: {}",
                                path.text(),
                                path.normalized()
                            )),
                        )),
                    Err(e @ PathError::TooLarge) => Err(self.prefix(
                        frame,
                        state,
                        StateFailure::runtime(format!("Invalid path '{}' : {e}", path.text())),
                    )),
                }
            }
        }
    }

    /// InputPath, then Parameters.
    pub(super) fn effective_input(
        &self,
        frame: &Frame,
        state: &CompiledState,
        entropy: &mut dyn Entropy,
    ) -> Result<Arc<Value>, Failure> {
        let filtered = self.filter(frame, state, &state.input_path, &frame.raw_input)?;
        match &state.parameters {
            None => Ok(filtered),
            Some(template) => self
                .evaluate(frame, state, template, &filtered, entropy)
                .map(Arc::new),
        }
    }

    /// Evaluates a template (ResultSelector, Assign, ...) with `input` as `$`.
    pub(super) fn evaluate(
        &self,
        frame: &Frame,
        state: &CompiledState,
        template: &crate::template::Template,
        input: &Value,
        entropy: &mut dyn Entropy,
    ) -> Result<Value, Failure> {
        self.with_env(frame, state, input, |env| template.evaluate(env, entropy))
            .map_err(|f| self.prefix(frame, state, f))
    }

    pub(super) fn assign(
        &self,
        frame: &Frame,
        state: &CompiledState,
        template: &Option<crate::template::Template>,
        input: &Value,
        entropy: &mut dyn Entropy,
    ) -> Result<Option<Map<String, Value>>, Failure> {
        let Some(template) = template else {
            return Ok(None);
        };
        match self.evaluate(frame, state, template, input, entropy)? {
            Value::Object(m) => Ok(Some(m)),
            _ => Ok(None),
        }
    }

    /// ResultPath: places `result` into the state's raw input.
    pub(super) fn place_result(
        &self,
        frame: &Frame,
        state: &CompiledState,
        result_path: &ResultPath,
        result: StateResult,
    ) -> Result<Arc<Value>, Failure> {
        match result_path {
            // Shared, not copied: a Pass state's output is its input.
            ResultPath::Replace => Ok(result.into_arc()),
            ResultPath::Discard => Ok(frame.raw_input.clone()),
            ResultPath::Path(path) => {
                // The history still holds the input: copy only the path being written.
                let result = result.into_value();
                match with_reference(&frame.raw_input, path.segments(), result) {
                    Ok(doc) => Ok(Arc::new(doc)),
                    Err(_) => Err(self.prefix(
                        frame,
                        state,
                        StateFailure::runtime(format!(
                            "Unable to apply ReferencePath {} to input '{}'",
                            path.text(),
                            frame.raw_input
                        )),
                    )),
                }
            }
        }
    }

    /// ResultSelector, ResultPath and OutputPath on a state's raw result; Assign from it.
    /// `result_measure`, when the caller knows it, is the result's measure (its size may be an
    /// upper bound, exact when over the payload limit).
    pub(super) fn process_result(
        &self,
        frame: &mut Frame,
        state: &CompiledState,
        result: StateResult,
        result_measure: Option<Measure>,
        entropy: &mut dyn Entropy,
    ) -> Result<(Arc<Value>, Option<Assigned>), Failure> {
        let assigned = self.assign(frame, state, &state.assign, result.value(), entropy)?;
        let (selected, selected_measure) = match &state.result_selector {
            Some(t) => (
                StateResult::Owned(self.evaluate(frame, state, t, result.value(), entropy)?),
                None,
            ),
            None => (result, result_measure),
        };
        let selected_measure = || selected_measure.unwrap_or_else(|| measure(selected.value()));
        // A cheap bound of the output's size and depth spares walking the whole document for
        // the payload limits: the result is walked (it is usually small), the input's size is
        // known and its depth within the bound.
        let bound = match (&state.result_path, &state.output_path) {
            (_, Filter::Path(_) | Filter::Empty) => None,
            (ResultPath::Replace, Filter::All) => Some(selected_measure()),
            (ResultPath::Discard, Filter::All) => Some(Measure {
                size: frame.input_size,
                depth: 0,
            }),
            (ResultPath::Path(path), Filter::All) => {
                let overhead: usize = path
                    .segments()
                    .iter()
                    .map(|s| match s {
                        crate::path::Segment::Name(n) => n.len() + 8,
                        _ => 8,
                    })
                    .sum();
                let result = selected_measure();
                // Written below the path's last step, the result nests that much deeper.
                Some(Measure {
                    size: frame.input_size + result.size + overhead + 8,
                    depth: path.segments().len() + result.depth,
                })
            }
        };
        let placed = self.place_result(frame, state, &state.result_path, selected)?;
        let output = self.filter(frame, state, &state.output_path, &placed)?;
        frame.output_bound = bound;
        Ok((output, assigned))
    }
}
