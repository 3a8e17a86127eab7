#!/usr/bin/env bash
# $BROWSER for clients that open the system browser (mcp-remote via xdg-open): hands the URL to the
# headless Chromium driver, which logs in and follows the redirect to the client's callback.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
label="${E2E_BROWSER_LABEL:-browser}"
mkdir -p "${E2E_ARTIFACTS:-$here/../artifacts}"
exec node "$here/browser.mjs" "$1" "$label" >>"${E2E_WORK:-${E2E_ARTIFACTS:-$here/../artifacts}}/$label-browser.log" 2>&1
