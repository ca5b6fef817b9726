#!/usr/bin/env bash
# harden's cost per check next to curl's per request, on the same requests to the same
# service, in one run on this machine (the ratios are what matter; absolute numbers move
# with the machine). Prints a Markdown table for docs/PERFORMANCE.md.
#
#   benches/checks-vs-curl.sh [CHECKS]          (default 1000; also runs 10x and 100x for memory)
#
# Needs a release build (`cargo build --release --bins`), curl and GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
bin=target/release
[ -x "$bin/harden" ] && [ -x "$bin/harden-fixture" ] || { echo "run: cargo build --release --bins" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs GNU time (/usr/bin/time)" >&2; exit 2; }

. benches/server.sh
echo "Service: $server on 127.0.0.1, GET /health."
echo
suite() { # N [json] -> a suite of N independent GET checks against the running service,
  # asserting the status (and with `json`, also `$.status` by JSONPath) in $work/sN.yaml
  python3 - "$1" "$port" "${2:-}" > "$work/s$1.yaml" <<'PY'
import sys
n, port, json = int(sys.argv[1]), sys.argv[2], sys.argv[3] == "json"
expect = '{ status: 200, json: { "$.status": ok } }' if json else "{ status: 200 }"
print(f"suite: bench\nbase-url: http://127.0.0.1:{port}\nchecks:")
for i in range(n):
    print(f"  - id: c{i}\n    http: {{ request: {{ path: /health }}, expect: {expect} }}")
PY
}
curlcfg() { # N -> a curl config of N requests, one process, kept-alive, in sequence
  for _ in $(seq 1 "$1"); do printf 'url = "http://127.0.0.1:%s/health"\noutput = /dev/null\n' "$port"; done > "$work/c$1.cfg"
}
measure() { # command... -> "wall cpu peak_kib" (median wall of 5 runs; cpu and rss of that run)
  for _ in 1 2 3 4 5; do
    /usr/bin/time -f "%e %U %S %M" -o "$work/t" "$@" > /dev/null 2>&1 || true
    tail -n 1 "$work/t" | awk '{printf "%s %.3f %s\n", $1, $2 + $3, $4}'
  done | sort -n | sed -n 3p
}
ratio() { python3 -c "print(f'{$1 / $2:.2f}' if $2 else 'n/a')"; }

suite "$n"; curlcfg "$n"
read -r hw hc hr <<< "$(measure "$bin/harden" check "$work/s$n.yaml")"
read -r cw cc cr <<< "$(measure curl -s -K "$work/c$n.cfg")"
# Ten times as many: the difference is the cost of the extra checks alone, start-up excluded.
ten=$((n * 10))
suite "$ten"; curlcfg "$ten"
read -r tw tc tr <<< "$(measure "$bin/harden" check "$work/s$ten.yaml")"
read -r _ ctc _ <<< "$(measure curl -s -K "$work/c$ten.cfg")"
h_us=$(python3 -c "print(f'{($tc - $hc) / ($ten - $n) * 1e6:.0f}')")
c_us=$(python3 -c "print(f'{($ctc - $cc) / ($ten - $n) * 1e6:.0f}')")
suite 8; curlcfg 8
if command -v hyperfine > /dev/null; then # milliseconds, mean of 30 runs
  startup() { hyperfine -N -w 3 -r 30 --export-json "$work/h.json" "$*" > /dev/null 2>&1
    python3 -c "import json; print(f\"{json.load(open('$work/h.json'))['results'][0]['mean']:.4f}\")"; }
  sw=$(startup "$bin/harden" check "$work/s8.yaml")
  scw=$(startup curl -s -K "$work/c8.cfg")
else # GNU time: 10 ms resolution
  read -r sw _ _ <<< "$(measure "$bin/harden" check "$work/s8.yaml")"
  read -r scw _ _ <<< "$(measure curl -s -K "$work/c8.cfg")"
fi
echo "| work | harden | curl | harden / curl |"
echo "|---|---:|---:|---:|"
echo "| $n independent GET checks, wall | ${hw} s | ${cw} s | $(ratio "$hw" "$cw") |"
echo "| same, CPU (user + sys), whole process | ${hc} s | ${cc} s | $(ratio "$hc" "$cc") |"
echo "| CPU per check / per request, from $n to $ten (start-up excluded) | ${h_us} µs | ${c_us} µs | $(ratio "$h_us" "$c_us") |"
if perf stat -e task-clock true > /dev/null 2>&1 || command -v hyperfine > /dev/null; then
  # CPU (user + sys) in ms, mean of 15 runs: the kernel's task clock (perf) when it can be
  # read, else hyperfine's user + system means.
  cpu() {
    if perf stat -e task-clock true > /dev/null 2>&1; then
      perf stat -r 15 -x, -e task-clock "$@" 2>&1 > /dev/null | awk -F, '$3 == "task-clock" { printf "%.1f\n", $1 }'
    else
      hyperfine -N -w 2 -r 15 --export-json "$work/cpu.json" "$*" > /dev/null 2>&1
      python3 -c "import json; r = json.load(open('$work/cpu.json'))['results'][0]; print(f\"{(r['user'] + r['system']) * 1000:.1f}\")"
    fi
  }
  suite "$n"
  hm=$(cpu "$bin/harden" check "$work/s$n.yaml"); cm=$(cpu curl -s -K "$work/c$n.cfg")
  suite "$ten"
  htm=$(cpu "$bin/harden" check "$work/s$ten.yaml"); ctm=$(cpu curl -s -K "$work/c$ten.cfg")
  echo "| $n checks, CPU (user + sys), mean of 15 runs (perf task-clock, or hyperfine) | ${hm} ms | ${cm} ms | $(ratio "$hm" "$cm") |"
  echo "| $ten checks, same | ${htm} ms | ${ctm} ms | $(ratio "$htm" "$ctm") |"
  hpc=$(python3 -c "print(f'{($htm - $hm) / ($ten - $n) * 1000:.1f}')"); cpc=$(python3 -c "print(f'{($ctm - $cm) / ($ten - $n) * 1000:.1f}')")
  echo "| CPU per check / per request, from $n to $ten (same runs) | ${hpc} µs | ${cpc} µs | $(ratio "$hpc" "$cpc") |"
  # The same checks asserting `$.status` by JSONPath too (curl only fetches the body).
  suite "$n" json
  hjm=$(cpu "$bin/harden" check "$work/s$n.yaml")
  suite "$ten" json
  hjtm=$(cpu "$bin/harden" check "$work/s$ten.yaml")
  echo "| $n checks asserting status and \`\$.status\` (JSONPath), CPU, same way | ${hjm} ms | ${cm} ms | $(ratio "$hjm" "$cm") |"
  echo "| $ten such checks | ${hjtm} ms | ${ctm} ms | $(ratio "$hjtm" "$ctm") |"
fi
if command -v valgrind > /dev/null; then # user-space instructions: repeatable whatever the load
  instr() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 > /dev/null | awk '/refs:/ {gsub(",", "", $4); print $4}'; }
  suite "$n"
  hi=$(instr "$bin/harden" check "$work/s$n.yaml")
  ci=$(instr curl -s -K "$work/c$n.cfg")
  echo "| $n checks, user-space instructions (callgrind) | $((hi / 1000000))M | $((ci / 1000000))M | $(ratio "$hi" "$ci") |"
  suite "$n" json
  hji=$(instr "$bin/harden" check "$work/s$n.yaml")
  echo "| same, asserting \`\$.status\` too | $((hji / 1000000))M | $((ci / 1000000))M | $(ratio "$hji" "$ci") |"
fi
if command -v hurl > /dev/null; then # Hurl: the same requests as one file of entries, in sequence
  for _ in $(seq 1 "$n"); do printf 'GET http://127.0.0.1:%s/health\nHTTP 200\n\n' "$port"; done > "$work/h$n.hurl"
  read -r uw uc _ <<< "$(measure hurl --test "$work/h$n.hurl")"
  echo "| $n requests with Hurl (\`hurl --test\`, asserting the status): wall, CPU | ${uw} s, ${uc} s | | harden CPU / Hurl CPU: $(ratio "$hc" "$uc") |"
else
  echo "| Hurl | not installed (cargo install hurl, or its release binary) | | |"
fi
echo "| $n checks, peak RSS | $((hr / 1024)) MiB | $((cr / 1024)) MiB | $(ratio "$hr" "$cr") |"
echo "| 8 checks, wall (start-up) | ${sw} s | ${scw} s | $(ratio "$sw" "$scw") |"
echo "| $ten checks: wall, CPU, peak RSS | ${tw} s, ${tc} s, $((tr / 1024)) MiB | | |"
m=$((n * 100))
suite "$m"
read -r mw mc mr <<< "$(/usr/bin/time -f "%e %U %S %M" -o "$work/t" "$bin/harden" check "$work/s$m.yaml" > /dev/null 2>&1; tail -n 1 "$work/t" | awk '{printf "%s %.3f %s\n", $1, $2 + $3, $4}')"
echo "| $m checks: wall, CPU, peak RSS | ${mw} s, ${mc} s, $((mr / 1024)) MiB | | |"

# How cost grows with concurrency (--jobs) and with the body each check reads and asserts on.
echo
echo "| $n checks | wall | CPU (user + sys) |"
echo "|---|---:|---:|"
suite "$n"
for jobs in 1 4 16 64; do
  read -r jw jc _ <<< "$(measure "$bin/harden" check --jobs "$jobs" "$work/s$n.yaml")"
  echo "| --jobs $jobs | ${jw} s | ${jc} s |"
done
if [ -d "$work/www/body" ]; then
  echo
  echo "| 100 checks of a JSON body, asserting one field | harden CPU | curl CPU (body only) | harden / curl |"
  echo "|---|---:|---:|---:|"
  for size in 1000 100000 1000000; do
    python3 - "$port" "$size" > "$work/b$size.yaml" <<'PY'
import sys
port, size = sys.argv[1], sys.argv[2]
print(f"suite: body\nbase-url: http://127.0.0.1:{port}\nchecks:")
for i in range(100):
    print(f"  - id: b{i}\n    http: {{ request: {{ path: /body/{size}.json }}, expect: {{ status: 200, json: {{ \"$.n\": 1 }} }} }}")
PY
    for _ in $(seq 1 100); do printf 'url = "http://127.0.0.1:%s/body/%s.json"\noutput = /dev/null\n' "$port" "$size"; done > "$work/b$size.cfg"
    "$bin/harden" check "$work/b$size.yaml" > /dev/null || { echo "the $size-byte body checks did not pass" >&2; exit 1; }
    read -r _ bc _ <<< "$(measure "$bin/harden" check "$work/b$size.yaml")"
    read -r _ cbc _ <<< "$(measure curl -s -K "$work/b$size.cfg")"
    echo "| $((size / 1000)) kB body | ${bc} s | ${cbc} s | $(ratio "$bc" "$cbc") |"
  done
fi

# Readiness: how long after start harden sees a service that binds at once (median of 9).
cat > "$work/ready.yaml" <<YAML
suite: ready
instance:
  command: ["$PWD/$bin/harden-fixture", "--port", "\${PORT}"]
  ready: { http: /health/ready }
checks:
  - id: health
    http: { request: { path: /health }, expect: { status: 200 } }
YAML
for _ in $(seq 1 9); do "$bin/harden" check "$work/ready.yaml" | sed -n 's/.*ready after \(.*\)$/\1/p'; done |
  python3 -c 'import sys,statistics
v=[float(l.strip()[:-2]) if l.strip().endswith("ms") else float(l.strip()[:-1])*1000 for l in sys.stdin if l.strip()]
print(f"| readiness of a service that binds at once (median of 9) | {statistics.median(v):.1f} ms | | |")'
