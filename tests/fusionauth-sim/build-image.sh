#!/usr/bin/env bash
# Builds the two container images of the FusionAuth stand-in from the `fusionauth-sim` binary,
# with no base image (nothing is pulled from a registry):
#   mcp-fa-test/fusionauth-standin:<tag>  plays fusionauth/fusionauth-app (port 9011, user fusionauth, uid 1001)
#   mcp-fa-test/postgres-standin:<tag>    plays postgres (port 5432, $PGDATA, pg_isready)
# Neither is FusionAuth nor PostgreSQL: both run the test-only stand-in in tests/fusionauth-sim.
#
# <tag> is the first 12 hex digits of the binary's sha256, so a changed binary gives new images
# and an unchanged one reuses them (the import is skipped).
#
# Usage: build-image.sh [--release | --profile NAME]
#   --release, --profile NAME, CARGO_PROFILE=NAME  cargo profile to build with (default: dev,
#                                                  which shares the test build)
#   FUSIONAUTH_SIM_BIN=PATH                        use this binary instead of building one
#   DOCKER=CLIENT                                  docker client to use (default: docker)
#
# Prints, last and alone on stdout, two lines:
#   fusionauth=<image ref>
#   postgres=<image ref>
# Everything else goes to stderr.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/../.." && pwd)"
docker="${DOCKER:-docker}"
cargo="${CARGO:-cargo}"
profile="${CARGO_PROFILE:-dev}"

log() { printf 'build-image: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

while [ $# -gt 0 ]; do
    case "$1" in
        --release) profile=release ;;
        --profile) shift; profile="${1:?--profile needs a name}" ;;
        --profile=*) profile="${1#--profile=}" ;;
        -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 0 ;;
        *) die "unknown argument $1 (try --help)" ;;
    esac
    shift
done

# Layout of the root filesystem below; bump when it changes so existing images are re-imported
# even though the binary (and so the tag) did not change.
layout_version=5

"$docker" info >/dev/null 2>&1 || die "Docker is not reachable ('$docker info' failed); start dockerd or set DOCKER_HOST"

# --- 1. The binary ------------------------------------------------------------------------
if [ -n "${FUSIONAUTH_SIM_BIN:-}" ]; then
    binary="$FUSIONAUTH_SIM_BIN"
    [ -x "$binary" ] || die "FUSIONAUTH_SIM_BIN=$binary is not an executable file"
else
    # Cargo unifies dependency features over the selected packages, and adds dev-dependencies'
    # features only when a selected target needs them. `-p fusionauth-sim` alone would therefore
    # rebuild tokio, reqwest, rustls, aws-lc-rs... with other features than `cargo test
    # --workspace` and `cargo build --workspace --all-targets` do (over a minute on 2 cores) and
    # give another binary. `--workspace --examples` (there are no examples) selects the same
    # feature set as those, so this shares their build and compiles nothing else.
    log "cargo build --workspace --bin fusionauth-sim --examples --profile $profile"
    # The compiler-artifact message names the executable, wherever the target dir is.
    binary="$(cd "$repo_root" && "$cargo" build --workspace --bin fusionauth-sim --examples \
        --profile "$profile" --message-format=json-render-diagnostics \
        | sed -n 's/.*"executable":"\([^"]*\/fusionauth-sim\)".*/\1/p' | tail -n 1)"
    [ -n "$binary" ] && [ -x "$binary" ] || die "cargo did not report a fusionauth-sim executable"
fi
log "binary: $binary"

tag="$(sha256sum "$binary" | cut -c1-12)"
fusionauth_ref="mcp-fa-test/fusionauth-standin:$tag"
postgres_ref="mcp-fa-test/postgres-standin:$tag"

image_is_current() {
    local found
    found="$("$docker" image inspect --format '{{ index .Config.Labels "dev.mcp-fa.standin.layout" }}' "$1" 2>/dev/null)" || return 1
    [ "$found" = "$layout_version" ]
}

if image_is_current "$fusionauth_ref" && image_is_current "$postgres_ref"; then
    log "images for binary $tag exist; nothing to import"
    printf 'fusionauth=%s\npostgres=%s\n' "$fusionauth_ref" "$postgres_ref"
    exit 0
fi

# --- 2. A minimal root filesystem ---------------------------------------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/fusionauth-standin.XXXXXX")"
trap 'rm -rf "$work"' EXIT
root="$work/root"
mkdir -p "$root"/{etc,tmp,bin,usr/bin,usr/local/bin,var/lib/postgresql/data,usr/local/fusionauth/config,usr/local/fusionauth/logs}
chmod 1777 "$root/tmp"
chmod 0700 "$root/var/lib/postgresql/data"

cp "$binary" "$root/usr/local/bin/fusionauth-sim"
# Debug info is most of a dev build's size and no use inside the image.
if command -v strip >/dev/null 2>&1; then
    strip --strip-debug "$root/usr/local/bin/fusionauth-sim" 2>/dev/null || true
fi
chmod 0755 "$root/usr/local/bin/fusionauth-sim"
# The binary answers to its name: invoked as pg_isready, it is the database health check.
ln -s fusionauth-sim "$root/usr/local/bin/pg_isready"
ln -s ../local/bin/fusionauth-sim "$root/usr/bin/pg_isready"

# A shell, because Docker runs `--health-cmd 'pg_isready ...'` (and HEALTHCHECK CMD-SHELL) as
# `/bin/sh -c ...`; the postgres image has one too.
shell=""
for candidate in /bin/dash /usr/bin/dash /bin/sh; do
    if [ -x "$candidate" ]; then shell="$(readlink -f "$candidate")"; break; fi
done
[ -n "$shell" ] || die "no /bin/sh to put in the image"
cp "$shell" "$root/bin/sh"

# Shared libraries, from ldd, at the paths the loader will look for them.
copy_libraries() {
    local lib
    ldd "$1" | awk '/=> \// { print $3 } /^[[:space:]]*\// { print $1 }' | while read -r lib; do
        [ -e "$root$lib" ] && continue
        mkdir -p "$root$(dirname "$lib")"
        cp -L "$lib" "$root$lib"
    done
}
if ldd "$binary" 2>&1 | grep -q 'not a dynamic executable\|statically linked'; then
    log "binary is static: no libraries to copy"
else
    copy_libraries "$binary"
fi
copy_libraries "$shell"
# An empty cache is fine (the loader falls back to its default directories); a real one is faster.
if command -v ldconfig >/dev/null 2>&1; then
    ldconfig -r "$root" 2>/dev/null || true
fi

cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
postgres:x:999:999:PostgreSQL stand-in:/var/lib/postgresql:/bin/sh
fusionauth:x:1001:1001:FusionAuth stand-in:/usr/local/fusionauth:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
postgres:x:999:
fusionauth:x:1001:
nogroup:x:65534:
EOF
printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
# CA certificates, as FusionAuth's and PostgreSQL's images have: the stand-in's HTTP client
# (reqwest with rustls-platform-verifier) refuses to build without any system roots.
ca_bundle=""
for candidate in /etc/ssl/certs/ca-certificates.crt /etc/pki/tls/certs/ca-bundle.crt /etc/ssl/cert.pem; do
    if [ -s "$candidate" ]; then ca_bundle="$candidate"; break; fi
done
if [ -n "$ca_bundle" ]; then
    mkdir -p "$root/etc/ssl/certs"
    cp -L "$ca_bundle" "$root/etc/ssl/certs/ca-certificates.crt"
else
    log "warning: no CA certificate bundle on this machine; the image will have none"
fi
cat >"$root/etc/os-release" <<'EOF'
NAME="mcp-fa test stand-in"
ID=mcp-fa-standin
PRETTY_NAME="mcp-fa test stand-in (not FusionAuth, not PostgreSQL)"
EOF

# --- 3. Import ----------------------------------------------------------------------------
# Ownership is set in the archive, not on disk, so this works without root: everything is
# root's except the FusionAuth and PostgreSQL directories, appended with their owners (Docker
# refuses an archive naming a path twice, so they are left out of the first pass; they are empty).
rootfs="$work/rootfs.tar"
tar -C "$root" --numeric-owner --owner=0 --group=0 \
    --exclude=./usr/local/fusionauth --exclude=./var/lib/postgresql -cf "$rootfs" .
tar -C "$root" --numeric-owner --owner=1001 --group=1001 --no-recursion -rf "$rootfs" \
    ./usr/local/fusionauth ./usr/local/fusionauth/config ./usr/local/fusionauth/logs
tar -C "$root" --numeric-owner --owner=999 --group=999 --no-recursion -rf "$rootfs" \
    ./var/lib/postgresql ./var/lib/postgresql/data

common_changes=(
    --change "ENV PATH=/usr/local/bin:/usr/bin:/bin"
    --change "LABEL dev.mcp-fa.standin=true"
    --change "LABEL dev.mcp-fa.standin.layout=$layout_version"
    --change "LABEL dev.mcp-fa.standin.binary=$tag"
    --change 'LABEL org.opencontainers.image.description="Test-only stand-in built from tests/fusionauth-sim in mcp-fa. Not FusionAuth, not PostgreSQL."'
)

# FusionAuth's image says `USER fusionauth` (a `useradd -U` on ubuntu:noble, whose uid 1000 is
# taken by `ubuntu`, hence 1001 in /etc/passwd above), so Config.User reads the same here.
log "importing $fusionauth_ref"
"$docker" import "${common_changes[@]}" \
    --change 'ENTRYPOINT ["/usr/local/bin/fusionauth-sim"]' \
    --change "USER fusionauth" \
    --change "WORKDIR /usr/local/fusionauth" \
    --change "EXPOSE 9011" \
    --change "LABEL dev.mcp-fa.standin.role=fusionauth" \
    --message "fusionauth-sim $tag as a FusionAuth stand-in" \
    - "$fusionauth_ref" <"$rootfs" >&2

log "importing $postgres_ref"
"$docker" import "${common_changes[@]}" \
    --change 'ENTRYPOINT ["/usr/local/bin/fusionauth-sim","db"]' \
    --change "ENV PGDATA=/var/lib/postgresql/data" \
    --change "EXPOSE 5432" \
    --change "LABEL dev.mcp-fa.standin.role=postgres" \
    --message "fusionauth-sim $tag as a PostgreSQL stand-in" \
    - "$postgres_ref" <"$rootfs" >&2

# Re-importing a tag (after a layout change) leaves the previous image untagged: drop those.
"$docker" image prune -f --filter "label=dev.mcp-fa.standin=true" >/dev/null 2>&1 || true
old="$("$docker" images --filter "label=dev.mcp-fa.standin=true" --format '{{.Repository}}:{{.Tag}}' \
    | grep -v ":$tag\$" || true)"
if [ -n "$old" ]; then
    log "older stand-in images are kept; remove them with: $docker rmi $(echo $old)"
fi

printf 'fusionauth=%s\npostgres=%s\n' "$fusionauth_ref" "$postgres_ref"
