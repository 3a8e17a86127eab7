#!/usr/bin/env bash
# End-to-end proof with real MCP clients and a real browser (issue 7).
#
# Starts the FusionAuth stand-in (tests/fusionauth-sim) as a process and `mcp-fa serve` beside it
# on free loopback ports, registers one FusionAuth application per client with
# `mcp-fa clients add` (through a state file for project "e2e" in a temporary MCP_FA_STATE_DIR,
# the way `mcp-fa up` leaves one), then runs each client with a timeout and prints
# `PASS|FAIL <client> (<seconds>s)` per client and `N passed, N failed` at the end. Last, one client
# runs against the other path, a stack from `mcp-fa up --detach` with the stand-in images (Docker;
# skipped without it unless CI=true). E2E_ONLY=ts-sdk,mcp-remote,inspector,python-sdk,negative,
# up-detach picks cases; E2E_KEEP_LOGS=1 keeps the logs in artifacts/ on success too.
#
# Real-image mode: with MCP_FA_TEST_FUSIONAUTH_IMAGE set (and MCP_FA_TEST_POSTGRES_IMAGE, else
# mcp-fa's default PostgreSQL image) FusionAuth is not the stand-in process but a stack
# `mcp-fa up` starts from those images (Docker required), with the same short-lived access
# tokens; MCP_FA_TEST_LICENSE_ID, when set, is activated (consent screens, custom scopes).
# MCP_FA_STARTUP_TIMEOUT (default 300) bounds its start.
#
# Needs: `npm ci` and the venv (.ci/run installs both), Debian's chromium at /usr/bin/chromium.
# Nothing is fetched here: npx resolves the pinned packages from tests/e2e/node_modules.
set -euo pipefail

E2E="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$E2E/../.." && pwd)"
cd "$E2E"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
export E2E_ARTIFACTS="$E2E/artifacts"
export npm_config_update_notifier=false npm_config_audit=false npm_config_fund=false
export npm_config_offline=true
rm -rf "$E2E_ARTIFACTS"
mkdir -p "$E2E_ARTIFACTS"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/mcp-fa-e2e.XXXXXX")"
PIDS=()
UP_PROJECT=""
MAIN_PROJECT=""
cleanup() {
    local code=$?
    for project in "$UP_PROJECT" "$MAIN_PROJECT"; do
        [ -n "$project" ] || continue
        "$MCP_FA" down --project "$project" --volumes >>"$WORK/mcp-fa-down.log" 2>&1 || true
    done
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    if [ "$code" -ne 0 ] || [ "${E2E_KEEP_LOGS:-}" = 1 ]; then
        cp "$WORK"/*.log "$WORK"/*.txt "$E2E_ARTIFACTS"/ 2>/dev/null || true
    fi
    rm -rf "$WORK"
    exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- binaries ---------------------------------------------------------------------------------
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}/debug"
if [ ! -x "$TARGET/mcp-fa" ] || [ ! -x "$TARGET/fusionauth-sim" ] || [ "${E2E_BUILD:-1}" = 1 ]; then
    (cd "$ROOT" && cargo build --workspace --locked --quiet)
fi
MCP_FA="$TARGET/mcp-fa"
SIM="$TARGET/fusionauth-sim"
[ -x /usr/bin/chromium ] || { echo "chromium is not installed (apt-get install -y chromium)" >&2; exit 1; }
[ -d "$E2E/node_modules/@modelcontextprotocol/sdk" ] || { echo "run npm ci in tests/e2e first" >&2; exit 1; }

# ---- ports --------------------------------------------------------------------------------------
free_ports() {
    python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}
read -r FA_PORT MCP_PORT OTHER_MCP_PORT TS_PORT DESKTOP_PORT PY_PORT WRONG_PORT UP_FA_PORT UP_MCP_PORT <<<"$(free_ports 9)"
REAL_FA_IMAGE="${MCP_FA_TEST_FUSIONAUTH_IMAGE:-}"
REAL_PG_IMAGE="${MCP_FA_TEST_POSTGRES_IMAGE:-}"
if [ -n "$REAL_FA_IMAGE" ]; then
    # `mcp-fa up` makes the tenant's issuer its public URL.
    ISSUER="http://localhost:$FA_PORT"
else
    ISSUER="http://127.0.0.1:$FA_PORT"
fi
RESOURCE="http://localhost:$MCP_PORT/mcp"
export E2E_ISSUER="$ISSUER" E2E_SERVER_URL="$RESOURCE" E2E_WORK="$WORK"
# Access tokens live TOKEN_TTL seconds, so the TypeScript client sees one expire and refreshes.
TOKEN_TTL="${E2E_TOKEN_TTL:-5}"
export MCP_FA_STATE_DIR="$WORK/state"
mkdir -p -m 700 "$MCP_FA_STATE_DIR"
state_value() { # project, JavaScript expression on the state document `s`
    node -e 'const s = JSON.parse(require("fs").readFileSync(process.argv[1])); console.log(eval(process.argv[2]) ?? "")' \
        "$MCP_FA_STATE_DIR/$1.json" "$2"
}

if [ -n "$REAL_FA_IMAGE" ]; then
# ---- real FusionAuth: the stack `mcp-fa up` starts from the real images -------------------------
docker info >/dev/null 2>&1 || { echo "real-image mode needs Docker" >&2; exit 1; }
# mcp-fa's own kickstart, with the short access-token lifetime added to its tenant request.
node -e '
const fs = require("fs");
const template = JSON.parse(fs.readFileSync(process.argv[1]));
for (const request of template.requests) {
  const jwt = request.body?.tenant?.jwtConfiguration;
  if (jwt) jwt.timeToLiveInSeconds = Number(process.argv[2]);
}
fs.writeFileSync(process.argv[3], JSON.stringify(template, null, 2));
' "$ROOT/kickstart/kickstart.json" "$TOKEN_TTL" "$WORK/kickstart.json"
up_args=(up --project e2e --no-server --no-tutorial --demo-passwords -y
    --fusionauth-image "$REAL_FA_IMAGE" --fusionauth-port "$FA_PORT" --mcp-port "$MCP_PORT"
    --timeout "${MCP_FA_STARTUP_TIMEOUT:-300}")
[ -z "$REAL_PG_IMAGE" ] || up_args+=(--postgres-image "$REAL_PG_IMAGE")
[ -z "${MCP_FA_TEST_LICENSE_ID:-}" ] || up_args+=(--license-id "$MCP_FA_TEST_LICENSE_ID")
MAIN_PROJECT=e2e
MCP_FA_KICKSTART_TEMPLATE="$WORK/kickstart.json" "$MCP_FA" "${up_args[@]}" >"$WORK/mcp-fa-up.log" 2>&1 \
    || { echo "mcp-fa up with $REAL_FA_IMAGE failed:" >&2; cat "$WORK/mcp-fa-up.log" >&2; exit 1; }
API_KEY="$(state_value e2e 's.apiKey')"
USER_ID="$(state_value e2e 's.users.find((u) => u.role === "demo").id')"
KEY_ID="$(state_value e2e 's.signingKeyId')"
LICENSE_JSON="$(state_value e2e 'JSON.stringify(s.licenseId ?? null)')"
else
# ---- the stand-in, kickstarted the way `mcp-fa up` kickstarts FusionAuth -----------------------
API_KEY="e2e-$(cat /proc/sys/kernel/random/uuid)-$(cat /proc/sys/kernel/random/uuid)"
USER_ID="$(cat /proc/sys/kernel/random/uuid)"
KEY_ID="$(cat /proc/sys/kernel/random/uuid)"
LICENSE_JSON='"e2e-license-0123456789abcdef"'
cat >"$WORK/kickstart.json" <<JSON
{
  "variables": {"apiKey": "$API_KEY", "userId": "$USER_ID", "keyId": "$KEY_ID"},
  "apiKeys": [{"key": "#{apiKey}", "description": "mcp-fa e2e"}],
  "licenseId": "e2e-license-0123456789abcdef",
  "requests": [
    {"method": "POST", "url": "/api/key/generate/#{keyId}",
     "body": {"key": {"algorithm": "RS256", "name": "mcp-fa access tokens", "length": 2048}}},
    {"method": "PATCH", "url": "/api/tenant/#{FUSIONAUTH_TENANT_ID}",
     "body": {"tenant": {"issuer": "$ISSUER", "jwtConfiguration": {
       "accessTokenKeyId": "#{keyId}", "idTokenKeyId": "#{keyId}", "timeToLiveInSeconds": $TOKEN_TTL}}}},
    {"method": "POST", "url": "/api/user/#{userId}",
     "body": {"user": {"email": "test@example.com", "password": "password",
                       "firstName": "Test", "lastName": "User", "fullName": "Test User"}}}
  ]
}
JSON
FUSIONAUTH_APP_KICKSTART_FILE="$WORK/kickstart.json" \
FUSIONAUTH_SIM_BOOT_DELAY_MS=200 FUSIONAUTH_SIM_KICKSTART_DELAY_MS=100 FUSIONAUTH_SIM_API_KEY_DELAY_MS=300 \
    "$SIM" --listen "127.0.0.1:$FA_PORT" >"$WORK/fusionauth-sim.log" 2>&1 &
PIDS+=($!)

# Ready = the kickstart's API key answers (FusionAuth's status answers before kickstart ran).
ready=""
for _ in $(seq 1 150); do
    # (While booting FusionAuth answers 200 with an HTML maintenance page: look for the JSON.)
    if curl -fsS -H "Authorization: $API_KEY" "$ISSUER/api/user/$USER_ID" 2>/dev/null | grep -q '"fullName"'; then
        ready=1
        break
    fi
    sleep 0.1
done
[ -n "$ready" ] || { echo "the stand-in never finished kickstart:" >&2; cat "$WORK/fusionauth-sim.log" >&2; exit 1; }
fi

# ---- state files, as `mcp-fa up` writes them, so `mcp-fa clients` registers the clients --------
write_state() { # project mcp-port
    cat >"$MCP_FA_STATE_DIR/$1.json" <<JSON
{
  "formatVersion": 1, "project": "$1",
  "fusionauthUrl": "$ISSUER", "fusionauthPort": $FA_PORT, "mcpPort": $2,
  "fusionauthImage": "mcp-fa-test/fusionauth-standin (process)", "postgresImage": "none",
  "apiKey": "$API_KEY", "databasePassword": "unused", "tenantId": null,
  "signingKeyId": "$KEY_ID",
  "users": [{"id": "$USER_ID", "email": "test@example.com", "fullName": "Test User",
             "password": "password", "role": "demo"}],
  "licenseId": $LICENSE_JSON, "clients": [],
  "configHash": "e2e", "createdAt": $(date +%s)
}
JSON
    chmod 600 "$MCP_FA_STATE_DIR/$1.json"
}
# (`mcp-fa up` wrote project e2e's in real-image mode.)
[ -n "$REAL_FA_IMAGE" ] || write_state e2e "$MCP_PORT"
write_state e2e-other "$OTHER_MCP_PORT"

add_client() { # project name kind [args...] → prints the client id
    local project=$1 name=$2 kind=$3
    shift 3
    "$MCP_FA" clients --project "$project" add --kind "$kind" --name "$name" "$@" --json >"$WORK/client-$name.json" \
        || { echo "mcp-fa clients add $name failed" >&2; exit 1; }
    node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).client.clientId)' "$WORK/client-$name.json"
}
TS_CLIENT_ID="$(add_client e2e ts-sdk custom --redirect-uri "http://localhost:$TS_PORT/callback")"
add_client e2e claude-desktop claude-desktop --port "$DESKTOP_PORT" >/dev/null
INSPECTOR_CLIENT_ID="$(add_client e2e inspector inspector)"
PY_CLIENT_ID="$(add_client e2e python-sdk custom --redirect-uri "http://localhost:$PY_PORT/callback")"
# Negative cases: a client registered for another callback port, and one for another MCP server.
WRONG_PORT_CLIENT_ID="$(add_client e2e other-port mcp-remote --port "$WRONG_PORT")"
OTHER_RESOURCE_CLIENT_ID="$(add_client e2e-other other-server custom --redirect-uri "http://localhost:$TS_PORT/callback")"
# What `mcp-fa clients config` prints for Claude Desktop, kept verbatim for the mcp-remote client.
"$MCP_FA" clients --project e2e config claude-desktop >"$WORK/claude-desktop-config.txt"

# ---- the MCP server -----------------------------------------------------------------------------
"$MCP_FA" serve --issuer "$ISSUER" --bind "127.0.0.1:$MCP_PORT" >"$WORK/mcp-fa-serve.log" 2>&1 &
PIDS+=($!)
ready=""
for _ in $(seq 1 100); do
    if curl -fsS -o /dev/null "http://127.0.0.1:$MCP_PORT/.well-known/oauth-protected-resource/mcp" 2>/dev/null; then
        ready=1
        break
    fi
    sleep 0.1
done
[ -n "$ready" ] || { echo "mcp-fa serve never answered:" >&2; cat "$WORK/mcp-fa-serve.log" >&2; exit 1; }

# ---- the clients --------------------------------------------------------------------------------
PASSED=0
FAILED=0
run_client() { # name timeout-seconds command...
    local name=$1 limit=$2
    shift 2
    local start end code=0 log
    log="$WORK/client-$(printf '%s' "$name" | tr -c 'A-Za-z0-9._-' '-').log"
    start=$(date +%s%N)
    # timeout(1) signals its whole process group, so a client's own children go too.
    timeout --kill-after=5 "$limit" "$@" >"$log" 2>&1 || code=$?
    end=$(date +%s%N)
    local tenths=$(((end - start) / 100000000))
    local took="$((tenths / 10)).$((tenths % 10))"
    if [ "$code" -eq 0 ]; then
        PASSED=$((PASSED + 1))
        echo "PASS $name (${took}s)"
    else
        FAILED=$((FAILED + 1))
        echo "FAIL $name (${took}s)"
        [ "$code" -eq 124 ] && echo "  timed out after ${limit}s"
        sed 's/^/  | /' "$log" | tail -n 40
    fi
}

ONLY="${E2E_ONLY:-}"
want() { [ -z "$ONLY" ] || [[ ",$ONLY," == *",$1,"* ]]; }

if want ts-sdk; then
    run_client ts-sdk 120 node clients/ts-sdk.mjs --client-id "$TS_CLIENT_ID" --callback-port "$TS_PORT"
fi
if want mcp-remote; then
    run_client "mcp-remote (Claude Desktop config)" 120 \
        node clients/mcp-remote.mjs --config "$WORK/claude-desktop-config.txt" --home "$WORK/home-desktop"
fi
if want inspector; then
    run_client "inspector-cli" 120 node clients/inspector.mjs --client-id "$INSPECTOR_CLIENT_ID"
fi
if want python-sdk; then
    run_client python-sdk 120 "$E2E/.venv/bin/python" clients/python_sdk.py \
        --client-id "$PY_CLIENT_ID" --callback-port "$PY_PORT"
fi
if want negative; then
    run_client "negative: client registered for another port" 60 \
        node clients/negative.mjs wrong-port --client-id "$WRONG_PORT_CLIENT_ID" --callback-port "$DESKTOP_PORT"
    run_client "negative: token for another resource" 60 \
        node clients/negative.mjs other-resource --client-id "$OTHER_RESOURCE_CLIENT_ID" --callback-port "$TS_PORT" \
        --resource "http://localhost:$OTHER_MCP_PORT/mcp"
fi

# ---- the other path: `mcp-fa up --detach` with the stand-in images in Docker ------------------
# One client (mcp-remote as Claude Desktop runs it) against the stack `up` starts: FusionAuth and
# PostgreSQL stand-in containers, the kickstart `up` renders, the MCP server `up` leaves running in
# the background, and the client `up --client claude-desktop` registers (callback port 3334).
if want up-detach; then
    if docker info >/dev/null 2>&1; then
        up_detach() {
            set -euo pipefail
            local images
            if [ -n "$REAL_FA_IMAGE" ]; then
                images=(--fusionauth-image "$REAL_FA_IMAGE")
                [ -z "$REAL_PG_IMAGE" ] || images+=(--postgres-image "$REAL_PG_IMAGE")
            else
                bash "$ROOT/tests/fusionauth-sim/build-image.sh" >"$WORK/build-image.log" 2>&1
                local tag
                tag="$(sha256sum "$SIM" | cut -c1-12)"
                images=(--fusionauth-image "mcp-fa-test/fusionauth-standin:$tag"
                    --postgres-image "mcp-fa-test/postgres-standin:$tag")
            fi
            "$MCP_FA" up --project "$UP_PROJECT" --detach --no-tutorial --demo-passwords -y "${images[@]}" \
                --timeout "${MCP_FA_STARTUP_TIMEOUT:-300}" \
                --fusionauth-port "$UP_FA_PORT" --mcp-port "$UP_MCP_PORT" --client claude-desktop
            "$MCP_FA" clients --project "$UP_PROJECT" config claude-desktop >"$WORK/up-claude-desktop-config.txt"
            E2E_ISSUER="http://localhost:$UP_FA_PORT" E2E_SERVER_URL="http://localhost:$UP_MCP_PORT/mcp" \
                node clients/mcp-remote.mjs --config "$WORK/up-claude-desktop-config.txt" --home "$WORK/home-up"
            "$MCP_FA" down --project "$UP_PROJECT" --volumes
        }
        # The trap brings the stack down too, whatever happens.
        UP_PROJECT="e2e-up-$$"
        export -f up_detach
        export ROOT SIM MCP_FA WORK UP_PROJECT UP_FA_PORT UP_MCP_PORT REAL_FA_IMAGE REAL_PG_IMAGE
        run_client "mcp-remote via mcp-fa up --detach (Docker)" "$((${MCP_FA_STARTUP_TIMEOUT:-300} + 240))" \
            bash -c up_detach
    elif [ "${CI:-}" = true ]; then
        FAILED=$((FAILED + 1))
        echo "FAIL mcp-remote via mcp-fa up --detach (Docker) (0.0s)"
        echo "  Docker is not reachable (CI=true)"
    else
        echo "skipping: mcp-remote via mcp-fa up --detach (Docker not reachable)"
    fi
fi

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
