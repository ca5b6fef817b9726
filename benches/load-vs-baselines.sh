#!/usr/bin/env bash
# How fast is harden's `load` check next to plain tools sending the same requests to the
# same service? Everything runs in one go on this machine, so the figures that matter are
# the ratios, not the absolute numbers (shared CI machines are noisy).
#
#   benches/load-vs-baselines.sh [REQUESTS] [CONCURRENCY]
#
# Baselines: `curl` (REQUESTS requests, CONCURRENCY at a time through xargs -P) and, if
# installed, `wrk` (same concurrency, for as long as harden took). The target is the
# bundled fixture on 127.0.0.1 with its rate limit lifted. Needs a release build:
# `cargo build --release --bins`.
set -euo pipefail
cd "$(dirname "$0")/.."
requests=${1:-2000}
concurrency=${2:-10}
bin=target/release
[ -x "$bin/harden" ] && [ -x "$bin/harden-fixture" ] || { echo "run: cargo build --release --bins" >&2; exit 2; }

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
HARDEN_INSTANCE_DIR=$work RATE_LIMIT=100000000/minute "$bin/harden-fixture" --port "$port" > "$work/fixture.log" 2>&1 &
fixture=$!
trap 'kill $fixture 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health" > /dev/null && break; sleep 0.05; done
url="http://127.0.0.1:$port/health"

now() { date +%s.%N; }
rate() { python3 -c "print(f'{$1 / ($3 - $2):.0f}')"; }

# harden: one load check against the running service (base-url, no instance).
cat > "$work/load.yaml" <<YAML
suite: bench
base-url: http://127.0.0.1:$port
checks:
  - id: load
    timeout: 10m
    load:
      request: { path: /health }
      requests: $requests
      concurrency: $concurrency
      thresholds: { error-rate: 0% }
YAML
t0=$(now)
"$bin/harden" check "$work/load.yaml" --json "$work/load.json" > /dev/null
t1=$(now)
harden_rps=$(rate "$requests" "$t0" "$t1")
harden_note=$(python3 -c "import json; print(json.load(open('$work/load.json'))['suites'][0]['checks'][0]['note'])")

# curl: the same number of requests, the same concurrency.
t0=$(now)
seq 1 "$requests" | xargs -P "$concurrency" -I{} curl -s -o /dev/null "$url"
t1=$(now)
curl_rps=$(rate "$requests" "$t0" "$t1")

echo "| tool | requests | concurrency | req/s (wall clock) | harden / tool |"
echo "|---|---:|---:|---:|---:|"
echo "| harden (whole process: start, load, report) | $requests | $concurrency | $harden_rps | 1.00 |"
echo "| curl via xargs -P | $requests | $concurrency | $curl_rps | $(python3 -c "print(f'{$harden_rps / $curl_rps:.2f}')") |"
if command -v wrk > /dev/null; then
  secs=$(python3 -c "print(max(1, round($requests / $harden_rps)))")
  wrk_rps=$(wrk -t2 -c"$concurrency" -d"${secs}s" "$url" | awk '/Requests\/sec/ {print int($2)}')
  echo "| wrk -t2 -c$concurrency (${secs}s) | ~$((wrk_rps * secs)) | $concurrency | $wrk_rps | $(python3 -c "print(f'{$harden_rps / $wrk_rps:.2f}')") |"
fi
echo
echo "harden's own figures: $harden_note"
