# What tests/e2e/install.sh and tests/tools/install.sh share, sourced by both (never run on its
# own): root for apt, progress lines, Debian packages installed only when missing, and a
# pinned Python venv. It fetches nothing itself; the caller decides what is missing.

# Runs "$@" as root: directly, through passwordless sudo, or not at all (saying why).
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"; else
        echo "need root for: $*" >&2
        return 1
    fi
}

# A progress line tagged with INSTALL_LABEL and the seconds since the script started.
step() { printf '[%s +%ss] %s\n' "$INSTALL_LABEL" "$SECONDS" "$*"; }

# apt-get install of the packages named, if any, without questions.
apt_install() {
    [ "$#" -gt 0 ] || return 0
    step "apt-get install $*"
    # NEEDRESTART_SUSPEND: Debian's needrestart must not restart services (dockerd) mid-CI.
    as_root env DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 apt-get update -q </dev/null
    as_root env DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 \
        apt-get install -y -q --no-install-recommends "$@" </dev/null
}

# The pinned requirements.txt of the current folder, installed into its .venv.
venv_install() {
    step "python venv + pip install -r requirements.txt"
    [ -x .venv/bin/python ] || python3 -m venv .venv
    .venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
}
