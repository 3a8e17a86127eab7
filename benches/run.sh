#!/usr/bin/env bash
# Measures mcp-fa against what users would otherwise run, side by side on this machine, in one
# run (issue 8; results and how to read them in BENCHMARKS.md):
#   1. token verification inside the server (criterion: cargo bench --bench token_verification),
#      and FastMCP's JWTVerifier.verify_token on the same kind of token (benches/fastmcp_verify.py)
#   2. `mcp-fa serve` vs FastMCP (JWTVerifier) answering `tools/call whoami`, and both rejecting
#      an invalid token: wrk, N connections, D seconds, R runs each, server RSS from /proc
#   3. `mcp-fa up` to ready / `mcp-fa down --volumes` vs `docker-compose up -d` + readiness poll /
#      `docker-compose down -v`, on the FusionAuth stand-in images; no-op `up`; `mcp-fa --help`
#   4. peak RSS of `mcp-fa up` (/usr/bin/time -v) and of the server under load
# All traffic stays on 127.0.0.1. Installs its own tools (Debian wrk, hyperfine, docker-compose,
# time; a venv in benches/.venv with FastMCP from PyPI) when missing.
#
# Usage: benches/run.sh [--quick] [--only criterion|load|stack]...
#   --quick             3 s load runs, 1 run each, 1 stack run: a smoke test, not a result
#   --only PART         run only that part (repeatable); default: all
# Environment: BENCH_DURATION (30), BENCH_RUNS (3), BENCH_STACK_RUNS (5), BENCH_CONNECTIONS (50),
#   BENCH_THREADS (2), BENCH_OUT (benches/results/<UTC time>). Needs Docker and cargo.
# Prints the report (Markdown) at the end; it is also written to $BENCH_OUT/report.md, with the
# raw numbers in $BENCH_OUT/results.jsonl.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
FASTMCP_VERSION="4.2.3"

duration="${BENCH_DURATION:-30}"
runs="${BENCH_RUNS:-3}"
stack_runs="${BENCH_STACK_RUNS:-5}"
connections="${BENCH_CONNECTIONS:-50}"
threads="${BENCH_THREADS:-2}"
parts=()
while [ $# -gt 0 ]; do
    case "$1" in
        --quick) duration=3; runs=1; stack_runs=1 ;;
        --only) shift; parts+=("${1:?--only needs criterion, load or stack}") ;;
        -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "run.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
    esac
    shift
done
[ ${#parts[@]} -gt 0 ] || parts=(criterion load stack)
want() { local p; for p in "${parts[@]}"; do [ "$p" = "$1" ] && return 0; done; return 1; }

out="${BENCH_OUT:-$here/results/$(date -u +%Y%m%dT%H%M%SZ)}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
results="$out/results.jsonl"
: >"$results"

log() { printf '\n== %s\n' "$*" >&2; }
die() { printf 'run.sh: error: %s\n' "$*" >&2; exit 1; }
record() { printf '%s\n' "$1" >>"$results"; }
now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$1" "$2"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [ -n "${stack_cleanup:-}" ]; then eval "$stack_cleanup" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

# --- Tools -----------------------------------------------------------------------------------
log "tools"
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v hyperfine >/dev/null || missing+=(hyperfine)
command -v docker-compose >/dev/null || missing+=(docker-compose)
[ -x /usr/bin/time ] || missing+=(time)
command -v curl >/dev/null || missing+=(curl)
python3 -c 'import ensurepip' 2>/dev/null || missing+=(python3-venv)
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    log "installing from Debian: ${missing[*]}"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
fi
venv="$here/.venv"
py="$venv/bin/python"
if ! "$py" -c "import fastmcp, sys; sys.exit(fastmcp.__version__ != '$FASTMCP_VERSION')" 2>/dev/null; then
    log "installing fastmcp==$FASTMCP_VERSION into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "fastmcp==$FASTMCP_VERSION"
fi
docker info >/dev/null 2>&1 || die "Docker is not reachable: start it as the README says (or set DOCKER_HOST)"

# --- The machine -----------------------------------------------------------------------------
python3 - "$results" <<'EOF'
import json, os, platform, subprocess, sys, datetime
def first(path, key):
    for line in open(path):
        if line.startswith(key):
            return line.split(":", 1)[1].strip()
mem_kb = int(first("/proc/meminfo", "MemTotal").split()[0])
load = open("/proc/loadavg").read().split()[:3]
top = subprocess.run(["top", "-bn1", "-w", "160"], capture_output=True, text=True).stdout.splitlines()
rec = {"kind": "machine", "nproc": os.cpu_count(), "cpu": first("/proc/cpuinfo", "model name"),
       "mem_gib": round(mem_kb / 1024 / 1024, 1), "kernel": platform.release(),
       "start_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
       "loadavg_at_start": load, "top_at_start": top[:20]}
with open(sys.argv[1], "a") as f:
    f.write(json.dumps(rec) + "\n")
EOF
source_rev="$(git -C "$root" describe --always --dirty 2>/dev/null || echo "${BENCH_SOURCE:-not a git checkout}")"
record "{\"kind\":\"source\",\"rev\":\"$source_rev\"}"
record "$(python3 -c 'import json,sys; print(json.dumps({"kind":"versions","rustc":sys.argv[1],"wrk":sys.argv[2],"hyperfine":sys.argv[3],"docker_compose":sys.argv[4],"docker":sys.argv[5],"fastmcp":sys.argv[6],"python":sys.argv[7]}))' \
    "$(rustc --version)" "$(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2 || true)" "$(hyperfine --version)" \
    "$(docker-compose version --short 2>/dev/null)" "$(docker version --format '{{.Server.Version}}')" \
    "$FASTMCP_VERSION" "$("$py" --version)")"

# --- Release build ---------------------------------------------------------------------------
log "cargo build --release (mcp-fa and the stand-in)"
cd "$root"
t0="$(now)"
cargo build --release --workspace --bin mcp-fa --bin fusionauth-sim >&2
t1="$(now)"
record "{\"kind\":\"build\",\"seconds\":$(elapsed "$t0" "$t1")}"
target_dir="$(cargo metadata --no-deps --format-version 1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')"
mcpfa="$target_dir/release/mcp-fa"
[ -x "$mcpfa" ] || die "no $mcpfa"

# --- 1. Token verification (criterion) -------------------------------------------------------
if want criterion; then
    log "cargo bench --bench token_verification"
    rm -rf "$target_dir/criterion/verify"
    cargo bench --bench token_verification -- --noplot >&2
    for dir in "$target_dir"/criterion/verify/*/new; do
        name="$(basename "$(dirname "$dir")")"
        python3 - "$dir/estimates.json" "$name" >>"$results" <<'EOF'
import json, sys
e = json.load(open(sys.argv[1]))
m = e["median"]
print(json.dumps({"kind": "verify", "name": sys.argv[2], "median_ns": m["point_estimate"],
                  "median_lo_ns": m["confidence_interval"]["lower_bound"],
                  "median_hi_ns": m["confidence_interval"]["upper_bound"],
                  "mean_ns": e["mean"]["point_estimate"]}))
EOF
    done
fi

# --- 2. Server throughput and latency --------------------------------------------------------
rss_of() { # VmRSS and VmHWM of a pid, in KiB
    awk '/^VmRSS:/ {r=$2} /^VmHWM:/ {h=$2} END {printf "%d %d", r, h}' "/proc/$1/status"
}
wait_http() { # URL: until it answers at all (any status), 30 s at most
    local i
    for i in $(seq 1 300); do
        curl -s -o /dev/null --max-time 1 "$1" && return 0
        sleep 0.1
    done
    die "$1 did not answer"
}
call() { # URL TOKEN VERSION: one request, prints "status body"
    curl -s -o "$out/call.body" -w '%{http_code}' --max-time 10 "$1" \
        -H "authorization: Bearer $2" -H 'content-type: application/json' \
        -H 'accept: application/json, text/event-stream' -H "mcp-protocol-version: $3" \
        -H 'mcp-method: tools/call' -H 'mcp-name: whoami' \
        --data "$(body_for "$3")"
}
body_for() {
    if [ "$1" = "2026-07-28" ]; then
        printf '%s' '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"whoami","arguments":{},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{"name":"bench","version":"0"}}}}'
    else
        printf '%s' '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"whoami","arguments":{}}}'
    fi
}
load_run() { # LABEL SERVER PID URL TOKEN VERSION RUN
    local label="$1" server="$2" pid="$3" url="$4" token="$5" version="$6" run="$7"
    local body mid="" line
    body="$(body_for "$version")"
    # RSS halfway through, while the load is on.
    ( sleep "$(python3 -c "print($duration / 2)")"; rss_of "$pid" >"$out/rss.mid" ) &
    local sampler=$!
    line="$(BENCH_TOKEN="$token" BENCH_BODY="$body" BENCH_PROTOCOL_VERSION="$version" \
        wrk -t"$threads" -c"$connections" -d"${duration}s" --timeout 10s -s "$here/whoami.lua" "$url" \
        | tee -a "$out/wrk.log" | sed -n 's/^WRK_JSON //p')"
    wait "$sampler" || true
    mid="$(cat "$out/rss.mid" 2>/dev/null || echo "0 0")"
    local after; after="$(rss_of "$pid")"
    python3 - "$label" "$server" "$run" "$line" "$mid" "$after" >>"$results" <<'EOF'
import json, sys
label, server, run, line, mid, after = sys.argv[1:7]
w = json.loads(line)
rec = {"kind": "load", "case": label, "server": server, "run": int(run)}
rec.update(w)
rec["rps"] = w["requests"] / (w["duration_us"] / 1e6)
socket_errors = w["connect_errors"] + w["read_errors"] + w["write_errors"] + w["timeouts"]
# The valid path must answer 2xx; the rejection path must answer 401 (wrk counts non-2xx/3xx).
if label == "valid":
    rec["errors"] = socket_errors + w["non_2xx"]
else:
    rec["errors"] = socket_errors + (w["requests"] - w["non_2xx"])
rec["rss_mid_kib"], _ = map(int, mid.split())
rec["rss_after_kib"], rec["hwm_kib"] = map(int, after.split())
print(json.dumps(rec))
EOF
}

if want load; then
    log "server load: mcp-fa serve vs FastMCP $FASTMCP_VERSION, $connections connections, ${duration}s, $runs run(s)"
    issuer_port="$(free_port)"; a_port="$(free_port)"; b_port="$(free_port)"
    while [ "$b_port" = "$a_port" ] || [ "$b_port" = "$issuer_port" ]; do b_port="$(free_port)"; done
    issuer="http://127.0.0.1:$issuer_port"
    "$py" "$here/issuer.py" mint "$out/issuer" --port "$issuer_port" \
        --audience "http://localhost:$a_port/mcp" --audience "http://localhost:$b_port/mcp" >/dev/null
    "$py" "$here/issuer.py" serve "$out/issuer" --port "$issuer_port" & pids+=($!)
    wait_http "$issuer/.well-known/openid-configuration"
    valid="$(cat "$out/issuer/valid.jwt")"; invalid="$(cat "$out/issuer/invalid.jwt")"

    "$mcpfa" serve --issuer "$issuer" --bind "127.0.0.1:$a_port" 2>"$out/mcp-fa-serve.log" & a_pid=$!; pids+=($a_pid)
    "$py" "$here/fastmcp_server.py" --issuer "$issuer" --port "$b_port" >"$out/fastmcp.log" 2>&1 & b_pid=$!; pids+=($b_pid)
    a_url="http://127.0.0.1:$a_port/mcp"; b_url="http://127.0.0.1:$b_port/mcp"
    wait_http "http://127.0.0.1:$a_port/.well-known/oauth-protected-resource/mcp"
    wait_http "$b_url"
    sleep 1

    # The same request shape for both when FastMCP speaks the stateless 2026-07-28 form.
    a_version="2026-07-28"
    [ "$(call "$a_url" "$valid" "$a_version")" = 200 ] && grep -q '00000000-0000-0000-0000-000000000111' "$out/call.body" \
        || die "mcp-fa serve did not answer whoami: $(cat "$out/call.body")"
    b_version="2026-07-28"
    if ! { [ "$(call "$b_url" "$valid" "$b_version")" = 200 ] && grep -q '00000000-0000-0000-0000-000000000111' "$out/call.body"; }; then
        b_version="2025-06-18"
        [ "$(call "$b_url" "$valid" "$b_version")" = 200 ] && grep -q '00000000-0000-0000-0000-000000000111' "$out/call.body" \
            || die "FastMCP did not answer whoami: $(cat "$out/call.body")"
    fi
    [ "$(call "$a_url" "$invalid" "$a_version")" = 401 ] || die "mcp-fa serve did not reject the invalid token"
    [ "$(call "$b_url" "$invalid" "$b_version")" = 401 ] || die "FastMCP did not reject the invalid token"
    log "FastMCP's in-process token check (JWTVerifier.verify_token)"
    fv="$("$py" "$here/fastmcp_verify.py" --issuer "$issuer" --audience "http://localhost:$b_port/mcp" \
        --token "$out/issuer/valid.jwt" --invalid "$out/issuer/invalid.jwt" --seconds 5)"
    record "{\"kind\":\"fastmcp_verify\",\"result\":$fv}"
    record "{\"kind\":\"load_setup\",\"mcp_fa_protocol\":\"$a_version\",\"fastmcp_protocol\":\"$b_version\",\"connections\":$connections,\"threads\":$threads,\"duration_s\":$duration}"
    : >"$out/wrk.log"

    # Warm-up, not recorded.
    BENCH_TOKEN="$valid" BENCH_PROTOCOL_VERSION="$a_version" BENCH_BODY="$(body_for "$a_version")" \
        wrk -t1 -c4 -d2s -s "$here/whoami.lua" "$a_url" >/dev/null || true
    BENCH_TOKEN="$valid" BENCH_PROTOCOL_VERSION="$b_version" BENCH_BODY="$(body_for "$b_version")" \
        wrk -t1 -c4 -d2s -s "$here/whoami.lua" "$b_url" >/dev/null || true
    for case in valid invalid; do
        token="$valid"; [ "$case" = valid ] || token="$invalid"
        for run in $(seq 1 "$runs"); do
            # Alternate which goes first, so neither always gets the quieter slot.
            if [ $((run % 2)) = 1 ]; then order="a b"; else order="b a"; fi
            for side in $order; do
                if [ "$side" = a ]; then
                    log "$case run $run: mcp-fa serve"
                    load_run "$case" mcp-fa "$a_pid" "$a_url" "$token" "$a_version" "$run"
                else
                    log "$case run $run: FastMCP"
                    load_run "$case" fastmcp "$b_pid" "$b_url" "$token" "$b_version" "$run"
                fi
                sleep 2
            done
        done
    done
    kill "$a_pid" "$b_pid" 2>/dev/null || true
fi

# --- 3. Stack time and 4. peak RSS of `up` ----------------------------------------------------
if want stack; then
    log "stand-in images (tests/fusionauth-sim/build-image.sh)"
    refs="$(FUSIONAUTH_SIM_BIN="$target_dir/release/fusionauth-sim" "$root/tests/fusionauth-sim/build-image.sh")"
    fa_image="$(printf '%s\n' "$refs" | sed -n 's/^fusionauth=//p')"
    pg_image="$(printf '%s\n' "$refs" | sed -n 's/^postgres=//p')"
    [ -n "$fa_image" ] && [ -n "$pg_image" ] || die "build-image.sh printed no image refs"
    # The stand-in's delays the stack tests use (tests/it/support/project.rs), for both sides.
    export FUSIONAUTH_SIM_BOOT_DELAY_MS=300 FUSIONAUTH_SIM_KICKSTART_DELAY_MS=200 FUSIONAUTH_SIM_API_KEY_DELAY_MS=400
    state_dir="$out/state"; mkdir -p "$state_dir"
    export MCP_FA_STATE_DIR="$state_dir"
    unset MCP_FA_KICKSTART_TEMPLATE
    project="bench-mcpfa-$$"; compose_project="benchcompose$$"
    fa_port="$(free_port)"; mcp_port="$(free_port)"; c_port="$(free_port)"
    while [ "$c_port" = "$fa_port" ] || [ "$c_port" = "$mcp_port" ]; do c_port="$(free_port)"; done
    stack_cleanup="'$mcpfa' down --volumes --project '$project'; FA_IMAGE=x PG_IMAGE=x FA_PORT=1 DB_PASSWORD=x KICKSTART=/dev/null docker-compose -p '$compose_project' -f '$here/compose.yaml' down -v"
    up_args=(up --json --no-server --project "$project" --fusionauth-image "$fa_image" --postgres-image "$pg_image"
        --fusionauth-port "$fa_port" --mcp-port "$mcp_port" --timeout 120)
    export FA_IMAGE="$fa_image" PG_IMAGE="$pg_image" FA_PORT="$c_port" DB_PASSWORD="bench-db-password"
    export KICKSTART="$out/compose-kickstart.json"
    compose=(docker-compose -p "$compose_project" -f "$here/compose.yaml")

    mcpfa_up() { # RUN: timed fresh up (with peak RSS), timed no-op up, timed down --volumes
        local t0 t1 t2 t3 t4 t5 hwm
        t0="$(now)"
        /usr/bin/time -v -o "$out/time-up.txt" "$mcpfa" "${up_args[@]}" >"$out/up.json" 2>"$out/up.err" \
            || die "mcp-fa up failed: $(cat "$out/up.err" "$out/up.json")"
        t1="$(now)"
        hwm="$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out/time-up.txt")"
        t2="$(now)"
        "$mcpfa" "${up_args[@]}" >"$out/up-noop.json" 2>&1 || die "no-op up failed: $(cat "$out/up-noop.json")"
        t3="$(now)"
        t4="$(now)"
        "$mcpfa" down --volumes --project "$project" >"$out/down.txt" 2>&1 || die "mcp-fa down failed: $(cat "$out/down.txt")"
        t5="$(now)"
        record "{\"kind\":\"stack\",\"tool\":\"mcp-fa\",\"run\":$1,\"start\":$t0,\"up_s\":$(elapsed "$t0" "$t1"),\"noop_up_s\":$(elapsed "$t2" "$t3"),\"down_s\":$(elapsed "$t4" "$t5"),\"up_peak_rss_kib\":$hwm}"
    }
    compose_up() { # RUN: render a fresh kickstart, timed up -d + readiness poll, timed no-op up -d + poll, timed down -v
        local t0 t1 t2 t3 t4 t5 key user
        read -r key user < <(python3 "$here/compose_ready.py" render "$root/kickstart/kickstart.json" "$KICKSTART" --issuer "http://localhost:$c_port")
        t0="$(now)"
        "${compose[@]}" up -d >"$out/compose-up.txt" 2>&1 || die "docker-compose up failed: $(cat "$out/compose-up.txt")"
        python3 "$here/compose_ready.py" wait "http://127.0.0.1:$c_port" "$key" "$user" --timeout 120 \
            || die "the compose stack did not get ready: $("${compose[@]}" logs --tail 20 2>&1)"
        t1="$(now)"
        t2="$(now)"
        "${compose[@]}" up -d >"$out/compose-up-noop.txt" 2>&1 || die "no-op docker-compose up failed"
        python3 "$here/compose_ready.py" wait "http://127.0.0.1:$c_port" "$key" "$user" --timeout 120 || die "not ready after no-op up"
        t3="$(now)"
        t4="$(now)"
        "${compose[@]}" down -v >"$out/compose-down.txt" 2>&1 || die "docker-compose down failed"
        t5="$(now)"
        record "{\"kind\":\"stack\",\"tool\":\"docker-compose\",\"run\":$1,\"start\":$t0,\"up_s\":$(elapsed "$t0" "$t1"),\"noop_up_s\":$(elapsed "$t2" "$t3"),\"down_s\":$(elapsed "$t4" "$t5")}"
    }
    # Docker's own event times, to see where each side's seconds go (read by hand; not reported).
    docker events --format '{{.TimeNano}} {{.Type}} {{.Action}} {{.Actor.Attributes.name}}' >"$out/docker-events.log" 2>&1 &
    pids+=($!)
    log "stack: mcp-fa up/down vs docker-compose, $stack_runs run(s) each"
    for run in $(seq 1 "$stack_runs"); do
        if [ $((run % 2)) = 1 ]; then
            log "stack run $run: mcp-fa"; mcpfa_up "$run"
            log "stack run $run: docker-compose"; compose_up "$run"
        else
            log "stack run $run: docker-compose"; compose_up "$run"
            log "stack run $run: mcp-fa"; mcpfa_up "$run"
        fi
    done

    log "start-up time: mcp-fa --help (hyperfine)"
    hyperfine -N --warmup 3 --runs 30 --export-json "$out/hyperfine-help.json" \
        -n "mcp-fa --help" "$mcpfa --help" -n "docker-compose --help" "docker-compose --help" >&2
    python3 - "$out/hyperfine-help.json" >>"$results" <<'EOF'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(json.dumps({"kind": "startup", "command": r["command"],
                      "mean_s": r["mean"], "median_s": r["median"], "stddev_s": r["stddev"]}))
EOF
    stack_cleanup=""
fi

python3 - "$results" <<'EOF' >>"$results"
import json, datetime
print(json.dumps({"kind": "end", "end_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
                  "loadavg_at_end": open("/proc/loadavg").read().split()[:3]}))
EOF
python3 "$here/report.py" "$results" | tee "$out/report.md"
