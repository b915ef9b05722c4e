//! How to load a definition and how to start an execution.

use workflow_core::plan::MachineType;

/// How to load a definition: start from [`LoadOptions::default`] (a STANDARD state machine
/// named `StateMachine`) or [`LoadOptions::express`] and change what differs.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct LoadOptions {
    /// The state machine's name (in ARNs and `$$.StateMachine.Name`).
    pub name: String,
    /// STANDARD or EXPRESS.
    pub machine_type: MachineType,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            name: "StateMachine".to_string(),
            machine_type: MachineType::Standard,
        }
    }
}

impl LoadOptions {
    /// Options for an EXPRESS state machine.
    pub fn express() -> LoadOptions {
        LoadOptions {
            machine_type: MachineType::Express,
            ..LoadOptions::default()
        }
    }

    /// With this state machine name.
    pub fn name(mut self, name: impl Into<String>) -> LoadOptions {
        self.name = name.into();
        self
    }

    /// With this type, STANDARD or EXPRESS.
    pub fn machine_type(mut self, machine_type: MachineType) -> LoadOptions {
        self.machine_type = machine_type;
        self
    }
}

/// How to start an execution: start from [`StartOptions::default`] and change what differs.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct StartOptions {
    /// The execution's name; a UUID when absent.
    pub name: Option<String>,
    /// AWS's history quota, 25,000 events by default: a STANDARD execution fails when its
    /// 25,000th event would be anything but `ExecutionSucceeded`, and an EXPRESS history keeps
    /// its first 25,000 events and its last. `None` lifts it: every event is kept and nothing
    /// fails, for local runs that AWS would refuse (an inline Map over a long list).
    pub history_limit: Option<usize>,
}

impl Default for StartOptions {
    fn default() -> Self {
        StartOptions {
            name: None,
            history_limit: Some(workflow_core::execution::HISTORY_LIMIT),
        }
    }
}

impl StartOptions {
    /// With this execution name.
    pub fn name(mut self, name: impl Into<String>) -> StartOptions {
        self.name = Some(name.into());
        self
    }

    /// With a history quota of `events` instead of AWS's 25,000 (see
    /// [`StartOptions::history_limit`]).
    pub fn with_history_limit(mut self, events: usize) -> StartOptions {
        self.history_limit = Some(events);
        self
    }

    /// Without AWS's history quota (see [`StartOptions::history_limit`]).
    pub fn without_history_limit(mut self) -> StartOptions {
        self.history_limit = None;
        self
    }
}

/// How to redrive an execution ([`Runtime::redrive_with`](crate::Runtime::redrive_with)):
/// start from [`RedriveOptions::default`] (as AWS's `RedriveExecution`: with the definition
/// the execution ran) and change what differs.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct RedriveOptions {
    /// A patched definition (ASL JSON) to go on with instead of the one the execution ran:
    /// saved as the state machine's next revision once it is known to fit the execution.
    /// Beyond AWS, which redrives with the definition the execution ran only.
    pub definition: Option<String>,
}

impl RedriveOptions {
    /// Goes on with this patched definition (see [`RedriveOptions::definition`]).
    pub fn definition(mut self, asl_json: impl Into<String>) -> RedriveOptions {
        self.definition = Some(asl_json.into());
        self
    }
}
