#!/usr/bin/env bash
# harden's `load` check next to wrk (and curl, and Hurl when installed) on the same requests
# to the same service, in one run on this machine. The ratios are what matter; absolute
# numbers move with the machine. Prints a Markdown table for docs/PERFORMANCE.md.
#
#   benches/load-vs-baselines.sh [SECONDS] [CONCURRENCY]      (defaults: 3 10)
#
# The service: benches/server.sh (nginx when installed, else the fixture; BENCH_FIXTURE=1
# for the fixture). Both harden
# and wrk run for SECONDS at CONCURRENCY connections; each one's CPU (user + sys, from GNU
# time, the whole process) is divided by the requests it completed.
#
# Needs a release build (`cargo build --release --bins`), curl and GNU time.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-3}
conc=${2:-10}
bin=target/release
[ -x "$bin/harden" ] && [ -x "$bin/harden-fixture" ] || { echo "run: cargo build --release --bins" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs GNU time (/usr/bin/time)" >&2; exit 2; }

. benches/server.sh
url="http://127.0.0.1:$port/health"
cpu() { tail -n 1 "$1" | awk '{printf "%.3f", $1 + $2}'; }
div() { python3 -c "print(f'{$1 / $2:.${3:-2}f}' if $2 else 'n/a')"; }

# harden: one load check, for SECONDS at CONCURRENCY, against the running service.
cat > "$work/load.yaml" <<YAML
suite: bench
base-url: http://127.0.0.1:$port
checks:
  - id: load
    timeout: 10m
    load:
      request: { path: /health }
      duration: ${secs}s
      concurrency: $conc
      thresholds: { error-rate: 0% }
YAML
/usr/bin/time -f "%U %S" -o "$work/t.harden" "$bin/harden" check "$work/load.yaml" --json "$work/load.json" > /dev/null
read -r h_req h_rps <<< "$(python3 -c "import json; f=json.load(open('$work/load.json'))['suites'][0]['checks'][0]['figures']; print(f['requests'], f['rps'])")"
h_cpu=$(cpu "$work/t.harden")
h_us=$(div "$h_cpu * 1e6" "$h_req" 1)

echo "Service: $server on 127.0.0.1, GET /health, ${secs} s at concurrency $conc, 2 client threads where the tool has them."
echo
echo "| tool | requests | req/s | CPU (user + sys) | CPU per request | harden / tool (req/s) | harden / tool (CPU per request) |"
echo "|---|---:|---:|---:|---:|---:|---:|"
echo "| harden \`load\` (whole process) | $h_req | $h_rps | ${h_cpu} s | ${h_us} µs | 1.00 | 1.00 |"

if command -v wrk > /dev/null; then
  /usr/bin/time -f "%U %S" -o "$work/t.wrk" wrk -t2 -c"$conc" -d"${secs}s" "$url" > "$work/wrk.out"
  w_req=$(awk '/requests in/ {print $1}' "$work/wrk.out")
  w_rps=$(awk '/Requests\/sec/ {printf "%.1f", $2}' "$work/wrk.out")
  w_cpu=$(cpu "$work/t.wrk")
  w_us=$(div "$w_cpu * 1e6" "$w_req" 1)
  echo "| wrk -t2 -c$conc | $w_req | $w_rps | ${w_cpu} s | ${w_us} µs | $(div "$h_rps" "$w_rps") | $(div "$h_us" "$w_us") |"
else
  echo "| wrk | not installed (apt install wrk) | | | | | |"
fi

# curl: one process per request (how a shell script would do it), a fixed count.
n=$((conc * 50))
t0=$(date +%s.%N)
seq 1 "$n" | /usr/bin/time -f "%U %S" -o "$work/t.curl" xargs -P "$conc" -I{} curl -s -o /dev/null "$url"
t1=$(date +%s.%N)
c_rps=$(div "$n" "($t1 - $t0)" 1)
c_cpu=$(cpu "$work/t.curl")
echo "| curl via xargs -P$conc | $n | $c_rps | ${c_cpu} s | $(div "$c_cpu * 1e6" "$n" 1) µs | $(div "$h_rps" "$c_rps") | $(div "$h_us" "$(div "$c_cpu * 1e6" "$n" 1)") |"

if command -v hurl > /dev/null; then
  for _ in $(seq 1 "$n"); do printf 'GET %s\nHTTP 200\n\n' "$url"; done > "$work/load.hurl"
  t0=$(date +%s.%N)
  /usr/bin/time -f "%U %S" -o "$work/t.hurl" hurl --test --jobs "$conc" "$work/load.hurl" > /dev/null 2>&1 || true
  t1=$(date +%s.%N)
  u_cpu=$(cpu "$work/t.hurl")
  echo "| hurl --jobs $conc | $n | $(div "$n" "($t1 - $t0)" 1) | ${u_cpu} s | $(div "$u_cpu * 1e6" "$n" 1) µs | | |"
fi
echo
echo "harden's own figures: $(python3 -c "import json; print(json.load(open('$work/load.json'))['suites'][0]['checks'][0]['note'])")"
