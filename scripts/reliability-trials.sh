#!/usr/bin/env bash
# Orphan trials on the release build: every way a run can end (SIGINT, SIGTERM, double
# SIGINT, service crash, deadline, --fail-fast, SIGKILL of harden) against three service
# trees (plain, a `setsid` grandchild, a leader that ignores SIGTERM), N times each
# (default 100), counting processes of the service that outlive the run.
# Usage: scripts/reliability-trials.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100}"
out=$(mktemp)
start=$(date +%s)
status=0
HARDEN_TRIALS="$n" cargo test --release --test integration trials -- --nocapture --test-threads 7 >"$out" 2>&1 || status=$?
grep '^trial ' "$out" | sed 's/^trial //' | sort
echo "elapsed: $(( $(date +%s) - start ))s"
if [ "$status" -ne 0 ]; then
  grep -E 'panicked|survivors' "$out" | head -40
  exit "$status"
fi
