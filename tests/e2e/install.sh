#!/usr/bin/env bash
# Installs what tests/e2e/run.sh needs, idempotently and without questions: Debian's chromium
# (never a browser downloaded by playwright), python3-venv, the pinned npm packages from the
# committed lockfile (`npm ci`) and the pinned Python MCP SDK in tests/e2e/.venv. Run as root (or
# with sudo). Everything comes from apt, npm and PyPI; run.sh itself fetches nothing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 DEBIAN_FRONTEND=noninteractive
export npm_config_update_notifier=false npm_config_audit=false npm_config_fund=false

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"; else
        echo "need root for: $*" >&2
        return 1
    fi
}
step() { printf '[e2e install +%ss] %s\n' "$SECONDS" "$*"; }

missing=()
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
[ -x /usr/bin/chromium ] || missing+=(chromium)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ "${#missing[@]}" -gt 0 ]; then
    step "apt-get install ${missing[*]}"
    # NEEDRESTART_SUSPEND: Debian's needrestart must not restart services (dockerd) mid-CI.
    as_root env DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 apt-get update -q </dev/null
    as_root env DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 \
        apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 20 ]; then
    echo "node $(node --version) is too old: playwright-core and the MCP SDK need node 20 or newer" >&2
    exit 1
fi
step "node $(node --version), npm $(npm --version), $(/usr/bin/chromium --version 2>/dev/null | head -n1), $(python3 --version)"

step "npm ci"
npm ci --no-audit --no-fund --loglevel=error

step "python venv + pip install -r requirements.txt"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
step "done"
