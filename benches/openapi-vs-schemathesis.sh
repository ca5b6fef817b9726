#!/usr/bin/env bash
# Schemathesis and harden's `openapi` kind on the same service, in the same run: the
# lending library of fixtures/openapi-faults, healthy and with each planted fault alone.
# For each (run, fault): wall time, requests the service answered (its ACCESS_LOG, so both
# tools are counted the same way) and whether the fault was found (by the check expected).
#
#   benches/openapi-vs-schemathesis.sh [RUNS] [FAULT...]   (default 1 run, every fault)
#
# Run r uses `--seed r` for Schemathesis; ST_ARGS adds arguments to `st run` (e.g.
# ST_ARGS=--continue-on-failure: without it Schemathesis stops testing an operation at its
# first failure, so a stock FastAPI answer can hide a planted fault on the same operation). Builds target/bench-venv from
# benches/requirements.txt (Schemathesis, pinned) and target/venv from
# examples/fastapi/requirements.txt (the service's stack) when missing. harden is measured
# when a `harden` binary is on PATH (e.g. PATH="$PWD/target/release:$PATH"). Every
# request goes to 127.0.0.1; every service started here is stopped by its pid.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-1}
shift || true
root=$PWD
app=$root/fixtures/openapi-faults
token=library-token

# fault -> the Schemathesis failure code and the operation (a regex) that finding it means.
# A failure of the stateful phase is reported for "Stateful tests", not an operation: it
# counts too, but for ST103 and ST201, which stock FastAPI answers give there as well.
expected() {
  case $1 in
    healthy) echo "- -" ;;
    empty-string | null-field | last-enum) echo "ST101 ^POST /books$" ;;
    negative-number | big-integer | non-ascii | pattern) echo "ST101 ^POST /members$" ;;
    maximum) echo "ST101 ^GET /books$" ;;
    schema-drift) echo "ST108 ^GET /books$" ;;
    undocumented-status) echo "ST103 ^GET /books$" ;;
    accepts-invalid) echo "ST201 ^POST /books$" ;;
    malformed-json) echo "ST101 ^POST " ;;
    text-plain-error) echo "ST105 ^GET /branches/" ;;
    missing-header) echo "ST107 ^GET /books/" ;;
    use-after-free) echo "ST301 ." ;;
    not-retrievable) echo "ST302 ." ;;
    ignored-auth) echo "ST401 ^DELETE /books/" ;;
    *) echo "unknown fault: $1" >&2; exit 2 ;;
  esac
}
all=(healthy empty-string negative-number big-integer non-ascii null-field last-enum maximum
  schema-drift undocumented-status pattern accepts-invalid malformed-json text-plain-error
  missing-header use-after-free not-retrievable ignored-auth)
faults=("${all[@]}")
[ $# -eq 0 ] || faults=("$@")

venv() { # DIR REQUIREMENTS
  [ -x "$1/bin/python" ] && return
  echo "building $1 from $2" >&2
  python3 -m venv "$1" && "$1/bin/pip" install -q -r "$2"
}
venv target/bench-venv benches/requirements.txt
venv target/venv examples/fastapi/requirements.txt
st=$root/target/bench-venv/bin/st
uvicorn=$root/target/venv/bin/uvicorn
have_harden=0
command -v harden > /dev/null && have_harden=1

out=target/bench-openapi # each run's Schemathesis report and output, kept for a look
mkdir -p "$out"
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2> /dev/null; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }

start() { # FAULT PORT LOG: the service in the background, ready within 30 s
  (cd "$app" && exec env FAULTS="$1" LIBRARY_TOKEN=$token ACCESS_LOG="$3" "$uvicorn" app:app \
    --host 127.0.0.1 --port "$2" --log-level warning > "$work/service.out" 2>&1) &
  pid=$!
  for _ in $(seq 1 300); do
    curl -fs "http://127.0.0.1:$2/health" > /dev/null 2>&1 && return
    sleep 0.1
  done
  echo "the service did not start: $(cat "$work/service.out")" >&2
  exit 1
}
stop() { kill "$pid" 2> /dev/null || true; wait "$pid" 2> /dev/null || true; pid=; }

rows=$work/rows.tsv
: > "$rows"
for run in $(seq 1 "$runs"); do
  for f in "${faults[@]}"; do
    name=$f
    [ "$f" = healthy ] && f=
    read -r code op <<< "$(expected "$name")"
    port=$(free_port)
    log=$work/access-st.log
    : > "$log"
    start "$f" "$port" "$log"
    report=$out/$run-$name${ST_ARGS:+-args}
    rm -f "$report.json"
    # A fresh working directory: no run replays failures a previous one cached there.
    rm -rf "$work/st" && mkdir "$work/st"
    t0=$(now)
    # shellcheck disable=SC2086 # ST_ARGS is a list of words
    (cd "$work/st" && exec "$st" run --max-examples 50 --seed "$run" ${ST_ARGS:-} -H "Authorization: Bearer $token" \
      --report json --report-json-path "$root/$report.json" --no-color \
      "http://127.0.0.1:$port/openapi.json" > "$root/$report.txt" 2>&1) || true
    t1=$(now)
    stop
    st_req=$(wc -l < "$log")
    st_found=$(python3 - "$report.json" "$code" "$op" <<'PY'
import json, re, sys
import os
if not os.path.exists(sys.argv[1]):
    print("error (no report)")
    sys.exit()
report, code, op = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
seen = sorted({f["code"] + " " + o for f in report["failures"] for o in f["operations"]})
if code == "-":
    print("; ".join(seen) or "nothing")
else:
    stateful = code not in ("ST103", "ST201")
    hit = lambda o: (stateful and o == "Stateful tests") or re.search(op, o)
    print("yes" if any(s.startswith(code + " ") and hit(s[len(code) + 1:]) for s in seen) else "no")
PY
)
    h_found=- h_secs=- h_req=-
    if [ $have_harden = 1 ]; then
      log=$work/access-h.log
      : > "$log"
      t2=$(now)
      rc=0
      rm -f "$work/h.json"
      (cd "$app" && PATH="$root/target/venv/bin:$PATH" FAULTS="$f" ACCESS_LOG="$log" NO_COLOR=1 \
        harden check harden.yaml --json "$work/h.json" > "$work/h.out" 2>&1) || rc=$?
      t3=$(now)
      h_secs=$(python3 -c "print(f'{$t3 - $t2:.2f}')")
      h_req=$(wc -l < "$log")
      # Found: a finding of the rule that corresponds to the Schemathesis code, on the
      # operation (the stock FastAPI findings of the healthy service do not count).
      h_found=$(python3 - "$work/h.json" "$code" "$op" "$rc" <<'PY'
import json, os, re, sys
path, code, op, rc = sys.argv[1:]
try:
    results = json.load(open(path))
except (OSError, ValueError):
    print(f"error({rc})")
    sys.exit()
rules = {"ST101": "not_a_server_error", "ST103": "status_code_conformance",
         "ST105": "content_type_conformance", "ST107": "response_headers_conformance",
         "ST108": "response_schema_conformance", "ST201": "negative_data_rejection",
         "ST301": "use_after_free", "ST302": "ensure_resource_availability",
         "ST401": "ignored_auth"}
failed = [a["property"] for a in results["suites"][0]["checks"][0]["assertions"]
          if not a["passed"]]
if code == "-":
    print("; ".join(sorted(failed)) or "nothing")
else:
    hit = any(p.endswith(" " + rules[code]) and re.search(op, p.rsplit(" ", 1)[0]) for p in failed)
    print("yes" if hit else "no")
PY
)
    fi
    st_secs=$(python3 -c "print(f'{$t1 - $t0:.2f}')")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$run" "$name" "$st_found" "$st_secs" "$st_req" \
      "$h_found" "$h_secs" "$h_req" >> "$rows"
    printf 'run %s %-20s st: %s %ss %s requests | harden: %s %ss %s requests\n' "$run" "$name" \
      "$st_found" "$st_secs" "$st_req" "$h_found" "$h_secs" "$h_req" >&2
  done
done

python3 - "$rows" "$runs" <<'PY'
import statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
runs = int(sys.argv[2])
order = list(dict.fromkeys(r[1] for r in rows))
def med(xs):
    xs = [float(x) for x in xs if x != "-"]
    return statistics.median(xs) if xs else None
def fmt(x, d=1):
    return "-" if x is None else f"{x:.{d}f}" if d else f"{x:.0f}"
def found(xs):
    if all(x == "-" for x in xs):
        return "-"
    hits = sum(x == "yes" for x in xs)
    if any(x in ("yes", "no") for x in xs):
        return f"{hits}/{len(xs)}"
    return "; ".join(sorted({p for x in xs for p in x.split("; ")}))  # all reported, any run
import os
extra = os.environ.get("ST_ARGS", "")
print(f"Schemathesis `st run --max-examples 50 --seed RUN{' ' + extra if extra else ''}` and harden, {runs} run(s) each; medians.\n")
print("| fault | st found? | st seconds | st requests | harden found? | harden seconds | harden requests |")
print("|---|---|---:|---:|---|---:|---:|")
for name in order:
    rs = [r for r in rows if r[1] == name]
    print(f"| {name} | {found([r[2] for r in rs])} | {fmt(med(r[3] for r in rs))} | "
          f"{fmt(med(r[4] for r in rs), 0)} | {found([r[5] for r in rs])} | "
          f"{fmt(med(r[6] for r in rs), 2)} | {fmt(med(r[7] for r in rs), 0)} |")
st_total = sum(float(r[3]) for r in rows)
h = [float(r[6]) for r in rows if r[6] != "-"]
faulty = [r for r in rows if r[1] != "healthy"]
print(f"\nSchemathesis found {sum(r[2] == 'yes' for r in faulty)} of {len(faulty)} (run, fault) pairs"
      + (f"; harden {sum(r[5] == 'yes' for r in faulty)}." if h else "."))
print(f"Wall time: Schemathesis {st_total:.1f} s in all" + (
    f", harden {sum(h):.1f} s: harden / Schemathesis = {sum(h) / st_total:.3f}" if h else
    " (no `harden` on PATH: harden not measured)"))
PY
