//! Page tokens: where the next page of a listing starts, as text that also names the listing
//! and the arguments it was asked with. AWS's listings say "keep all other arguments
//! unchanged" and answer `InvalidToken` otherwise; so does a store: a token that another
//! listing gave, or this one with another filter, or that no listing gave, is refused with
//! [`StoreError::InvalidToken`] instead of being read as some position (or ignored, which
//! would list from the start again). Tokens are opaque to callers; the stores (and the
//! runtime, for histories) make and read them here, as JSON arrays: whatever the names hold,
//! they come back as they went in.

use serde_json::{Value, json};
use workflow_core::execution::Millis;

use super::{ExecutionFilter, Status, StoreError};

const EXECUTIONS: &str = "executions";
const STATE_MACHINES: &str = "state-machines";
const HISTORY: &str = "history";

/// The token of the page of `filter`'s executions after the one started at `start_date`
/// with the ARN `arn`.
pub fn executions_after(filter: &ExecutionFilter, start_date: Millis, arn: &str) -> String {
    json!([
        EXECUTIONS,
        filter.state_machine,
        filter.status.map(Status::as_str),
        start_date,
        arn
    ])
    .to_string()
}

/// Where the page of `filter`'s executions that `token` names starts: after the execution
/// started at that date with that ARN.
pub fn read_executions(
    filter: &ExecutionFilter,
    token: &str,
) -> Result<(Millis, String), StoreError> {
    let fields = fields(token)?;
    match fields.as_slice() {
        [
            Value::String(kind),
            machine,
            status,
            Value::Number(date),
            Value::String(arn),
        ] if kind == EXECUTIONS
            && *machine == json!(filter.state_machine)
            && *status == json!(filter.status.map(Status::as_str)) =>
        {
            date.as_i64()
                .map(|date| (date, arn.clone()))
                .ok_or_else(|| invalid(token))
        }
        _ => Err(invalid(token)),
    }
}

/// The token of the page of state machines after the one named `name`.
pub fn state_machines_after(name: &str) -> String {
    json!([STATE_MACHINES, name]).to_string()
}

/// Where the page of state machines that `token` names starts: after the state machine of
/// that name.
pub fn read_state_machines(token: &str) -> Result<String, StoreError> {
    match fields(token)?.as_slice() {
        [Value::String(kind), Value::String(name)] if kind == STATE_MACHINES => Ok(name.clone()),
        _ => Err(invalid(token)),
    }
}

/// The token of the page of the history of the execution `arn` (in reverse order or not)
/// that starts with its `position`-th event in that order (from 0).
pub fn history_from(arn: &str, reverse_order: bool, position: usize) -> String {
    json!([HISTORY, arn, reverse_order, position]).to_string()
}

/// Where the page of the history of `arn` (in reverse order or not) that `token` names starts,
/// in that order.
pub fn read_history(arn: &str, reverse_order: bool, token: &str) -> Result<usize, StoreError> {
    match fields(token)?.as_slice() {
        [
            Value::String(kind),
            Value::String(of),
            Value::Bool(reverse),
            Value::Number(position),
        ] if kind == HISTORY && of == arn && *reverse == reverse_order => position
            .as_u64()
            .and_then(|p| usize::try_from(p).ok())
            .ok_or_else(|| invalid(token)),
        _ => Err(invalid(token)),
    }
}

/// A token's fields, or the refusal of text that is no token at all.
fn fields(token: &str) -> Result<Vec<Value>, StoreError> {
    match serde_json::from_str(token) {
        Ok(Value::Array(fields)) => Ok(fields),
        _ => Err(invalid(token)),
    }
}

/// The refusal of `token`.
pub fn invalid(token: &str) -> StoreError {
    StoreError::InvalidToken {
        token: token.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_read_back_only_by_its_listing_with_its_arguments() {
        let filter = ExecutionFilter::all()
            .state_machine("a/b\"c")
            .status(Status::Failed);
        let token = executions_after(&filter, -5, "arn:x");
        assert_eq!(
            read_executions(&filter, &token),
            Ok((-5, "arn:x".to_string()))
        );
        for other in [
            ExecutionFilter::all(),
            ExecutionFilter::all().state_machine("a/b\"c"),
            ExecutionFilter::all().status(Status::Failed),
            ExecutionFilter::all()
                .state_machine("a")
                .status(Status::Failed),
        ] {
            assert_eq!(read_executions(&other, &token), Err(invalid(&token)));
        }
        assert_eq!(read_state_machines(&token), Err(invalid(&token)));
        let token = state_machines_after("orders");
        assert_eq!(read_state_machines(&token), Ok("orders".to_string()));
        assert_eq!(read_executions(&filter, &token), Err(invalid(&token)));
        let token = history_from("arn:x", true, 7);
        assert_eq!(read_history("arn:x", true, &token), Ok(7));
        assert_eq!(read_history("arn:x", false, &token), Err(invalid(&token)));
        assert_eq!(read_history("arn:y", true, &token), Err(invalid(&token)));
        for made_up in ["", "7", "[]", "{}", "[\"history\", \"arn:x\", true, -1]"] {
            assert_eq!(read_history("arn:x", true, made_up), Err(invalid(made_up)));
            assert_eq!(read_state_machines(made_up), Err(invalid(made_up)));
            assert_eq!(read_executions(&filter, made_up), Err(invalid(made_up)));
        }
    }
}
