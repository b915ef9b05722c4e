#!/usr/bin/env bash
# What `workflow!` costs at build time: a crate with the 50-state workflow of
# benches/fifty/ (40 Pass and 10 Task states, typed), built with and without the workflow!
# invocation, after its dependencies are built. Prints the median of five rebuilds
# of each, and the difference. Incremental compilation is off, so that each build compiles the
# crate in full (an edit to the workflow recompiles it; a bare `touch` could reuse cached work).
#
#   bash benches/dsl-build-time.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/src"
cat > "$dir/Cargo.toml" <<TOML
[package]
name = "fifty"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
workflow = { path = "$repo" }
serde = { version = "1", features = ["derive"] }

[workspace]
TOML
export CARGO_TARGET_DIR="$dir/target"
export CARGO_INCREMENTAL=0

write() {
  cat "$repo/benches/fifty/tasks.rs" > "$dir/src/lib.rs"
  if [ "$1" = with ]; then cat "$repo/benches/fifty/workflow.rs" >> "$dir/src/lib.rs"; fi
}

median_build() {
  local times=()
  for _ in 1 2 3 4 5; do
    touch "$dir/src/lib.rs"
    local start end
    start=$(date +%s%N)
    (cd "$dir" && cargo build --quiet)
    end=$(date +%s%N)
    times+=($(( (end - start) / 1000000 )))
  done
  printf '%s\n' "${times[@]}" | sort -n | sed -n 3p
}

write with
(cd "$dir" && cargo build --quiet)   # dependencies, once
with=$(median_build)
write without
without=$(median_build)
echo "build of the crate without the workflow: ${without} ms (median of 5)"
echo "build of the crate with the 50-state workflow!: ${with} ms (median of 5)"
echo "workflow! for 50 states costs: $((with - without)) ms"
