//! Durable executions: write-ahead journaling, the registry of state machines, recovery after
//! a crash (simulated in process: a session's tokio runtime and store are dropped, and a new
//! runtime opens the same SQLite file), and the registry of executions.

mod common;
mod deletion;
mod journaling;
mod parking;
mod recovery;
mod redrive;
mod registering;
mod registry;
