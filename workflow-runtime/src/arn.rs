//! Reading an execution's ARN, as the step logic makes it (`Execution::start`):
//! `arn:PARTITION:states:REGION:ACCOUNT:TYPE:MACHINE:NAME`, whose resource TYPE is
//! `execution` for a STANDARD execution and `express` for an EXPRESS one (which ends with a
//! UUID after its name).

use workflow_core::plan::MachineType;

/// The type of the execution `arn` names, by its resource type, and the name of its state
/// machine (`None` when the ARN ends before it); `None` for an ARN that names no execution.
pub(crate) fn execution(arn: &str) -> Option<(MachineType, Option<&str>)> {
    let mut fields = arn.splitn(8, ':');
    let machine_type = match fields.nth(5)? {
        "execution" => MachineType::Standard,
        "express" => MachineType::Express,
        _ => return None,
    };
    Some((machine_type, fields.next()))
}

/// The name of the state machine of the STANDARD execution `arn`.
pub(crate) fn state_machine_of(arn: &str) -> Option<&str> {
    match execution(arn)? {
        (MachineType::Standard, machine) => machine,
        (MachineType::Express, _) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_execution_arn_names_its_type_and_state_machine() {
        // The forms of AWS's execution ARNs, as `Execution::start` makes them.
        let standard = "arn:aws:states:us-east-1:123456789012:execution:Orders:run-1";
        let express = "arn:aws:states:us-east-1:123456789012:express:Orders:run-1:4f1c";
        assert_eq!(
            execution(standard),
            Some((MachineType::Standard, Some("Orders")))
        );
        assert_eq!(
            execution(express),
            Some((MachineType::Express, Some("Orders")))
        );
        assert_eq!(state_machine_of(standard), Some("Orders"));
        assert_eq!(state_machine_of(express), None);
        let machine = "arn:aws:states:us-east-1:123456789012:stateMachine:Orders";
        assert_eq!(execution(machine), None);
        assert_eq!(execution("run-1"), None);
    }
}
