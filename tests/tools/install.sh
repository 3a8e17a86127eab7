#!/usr/bin/env bash
# Installs what `cargo test` needs besides Docker, idempotently and without questions: a Compose
# to bring exported projects up (the `docker compose` plugin when the Docker CLI has one, else
# Debian's docker-compose), and kubernetes-validate (pinned, in tests/tools/.venv) to check the
# exported Kubernetes manifests against the Kubernetes schemas offline. Run as root (or with
# sudo). Everything comes from apt and PyPI; the tests themselves fetch nothing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

INSTALL_LABEL="test tools"
# shellcheck source=../install-lib.sh
source ../install-lib.sh

missing=()
if ! docker compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null 2>&1; then
    missing+=(docker-compose)
fi
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
apt_install "${missing[@]}"
if docker compose version >/dev/null 2>&1; then
    step "compose: $(docker compose version)"
else
    step "compose: $(docker-compose version --short 2>/dev/null || docker-compose version | head -n1)"
fi

venv_install
step "kubernetes-validate $(.venv/bin/kubernetes-validate --version 2>&1 | tail -n1)"
