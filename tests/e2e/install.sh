#!/usr/bin/env bash
# Installs what tests/e2e/run.sh needs, idempotently and without questions: Debian's chromium
# (never a browser downloaded by playwright), python3-venv, the pinned npm packages from the
# committed lockfile (`npm ci`) and the pinned Python MCP SDK in tests/e2e/.venv. Run as root (or
# with sudo). Everything comes from apt, npm and PyPI; run.sh itself fetches nothing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 DEBIAN_FRONTEND=noninteractive
export npm_config_update_notifier=false npm_config_audit=false npm_config_fund=false

INSTALL_LABEL="e2e install"
# shellcheck source=../install-lib.sh
source ../install-lib.sh

missing=()
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
[ -x /usr/bin/chromium ] || missing+=(chromium)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
command -v curl >/dev/null 2>&1 || missing+=(curl)
apt_install "${missing[@]}"
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 20 ]; then
    echo "node $(node --version) is too old: playwright-core and the MCP SDK need node 20 or newer" >&2
    exit 1
fi
step "node $(node --version), npm $(npm --version), $(/usr/bin/chromium --version 2>/dev/null | head -n1), $(python3 --version)"

step "npm ci"
npm ci --no-audit --no-fund --loglevel=error

venv_install
step "done"
