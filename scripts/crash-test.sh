#!/usr/bin/env bash
# The crash test at 1,000 kill points (CI runs it at 50, in `cargo test --workspace`): a worker
# running STANDARD executions on a SQLite store (tasks, Retry, Catch, Choice, Parallel, Map,
# Waits, a callback) is killed with SIGKILL at random points and started again, round after
# round, until the kills are made; every execution must end with the status, output and
# history (timestamps aside) of an uninterrupted run, no task invoked again once its outcome
# was journaled, none invoked before the event it follows from was journaled, nothing
# acknowledged lost. Release build; the figures are printed at the end. See
# workflow-sqlite/tests/crash/main.rs.
#
#   bash scripts/crash-test.sh [KILLS [SEED]]
#
# KILLS: 1000 by default. SEED: replays the kill points of an earlier run (each run prints its
# seed first; the points are the same, where the worker stands at each one depends on timing).
# WORKFLOW_CRASH_EXECUTIONS sets the executions per round (20).
set -euo pipefail
cd "$(dirname "$0")/.."
export WORKFLOW_CRASH_KILLS=${1:-1000}
if [ -n "${2:-}" ]; then
  export WORKFLOW_CRASH_SEED=$2
fi
cargo build --quiet --release -p workflow-sqlite --test crash
start=$(date +%s)
cargo test --quiet --release -p workflow-sqlite --test crash
echo "wall time of the test: $(( $(date +%s) - start )) s"
