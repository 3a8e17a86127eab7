#!/usr/bin/env bash
# Installs what `cargo test` needs besides Docker, idempotently and without questions: a Compose
# to bring exported projects up (the `docker compose` plugin when the Docker CLI has one, else
# Debian's docker-compose), and kubernetes-validate (pinned, in tests/tools/.venv) to check the
# exported Kubernetes manifests against the Kubernetes schemas offline. Run as root (or with
# sudo). Everything comes from apt and PyPI; the tests themselves fetch nothing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"; else
        echo "need root for: $*" >&2
        return 1
    fi
}
step() { printf '[test tools +%ss] %s\n' "$SECONDS" "$*"; }

missing=()
if ! docker compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null 2>&1; then
    missing+=(docker-compose)
fi
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
if [ "${#missing[@]}" -gt 0 ]; then
    step "apt-get install ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 apt-get update -q </dev/null
    as_root env DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 \
        apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null
fi
if docker compose version >/dev/null 2>&1; then
    step "compose: $(docker compose version)"
else
    step "compose: $(docker-compose version --short 2>/dev/null || docker-compose version | head -n1)"
fi

step "python venv + pip install -r requirements.txt"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
step "kubernetes-validate $(.venv/bin/kubernetes-validate --version 2>&1 | tail -n1)"
