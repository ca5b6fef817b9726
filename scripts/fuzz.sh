#!/usr/bin/env bash
# Mutation fuzzing of the parsers of user input on the release build: the suite loader,
# the `${var}` template expander and the Prometheus exposition parser (whole and streamed)
# each get N corrupted inputs (default 1,000,000) and must answer every one with an
# error, never a panic. `cargo test` runs the same driver with a few thousand.
# Usage: scripts/fuzz.sh [N] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
export HARDEN_FUZZ_CASES="${1:-1000000}"
[ -n "${2:-}" ] && export HARDEN_FUZZ_SEED="$2"
start=$(date +%s)
cargo test --release --lib fuzz:: -- --nocapture --test-threads 2 2>&1 | grep -E '^fuzz:|panicked|test result'
echo "elapsed: $(( $(date +%s) - start ))s"
