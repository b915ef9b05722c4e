// A state name longer than 80 characters (validator: invalid-state-name).
use workflow::prelude::*;

workflow! {
    pub Statements(Value) {
        succeed SendTheMonthlyStatementToEveryCustomerWhoseAccountWasActiveDuringTheLastMonthOrTwo;
    }
}

fn main() {}
