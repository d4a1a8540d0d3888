#!/bin/bash
# Stage "packages": what a fresh Debian 12 machine lacks for the loop. Installs the missing Debian
# packages (apt-get update + install, as root or through sudo), then the project's npm packages
# (npm ci) and its build (dist/), each only when absent, so on a prepared machine it does nothing.
# usage: kernel-pgo/packages.sh [--list]   (--list prints the Debian packages and exits)
. "$(dirname "$0")/lib.sh"
# The kernel source, its build tools, the guest's servers and load generators (busybox must be the
# static one: the guest root has no C library of its own for it), qemu for the x86_64 path,
# python3 for runtimed.py, file for mkroot.sh's static check.
debian=(linux-source-6.1 gcc-12 build-essential flex bison bc libelf-dev libssl-dev cpio xz-utils
    busybox-static redis-server redis-tools nginx wrk qemu-system-x86 python3 file)
if [ "${1:-}" = --list ]; then printf '%s\n' "${debian[@]}"; exit 0; fi

missing=()
for p in "${debian[@]}"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    log "skip: the ${#debian[@]} Debian packages are installed"
else
    if [ "$(id -u)" = 0 ]; then sudo=()
    elif command -v sudo > /dev/null; then sudo=(sudo)
    else die "missing Debian packages: ${missing[*]} (as root: apt-get update && apt-get install -y ${missing[*]})"
    fi
    log "installing ${#missing[@]} Debian packages: ${missing[*]}"
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${missing[@]}" > /dev/null
fi
if [ -f "$KPGO_REPO/node_modules/commander/package.json" ]; then
    log "skip: node_modules exists"
else
    log "npm ci"
    (cd "$KPGO_REPO" && npm ci --no-audit --no-fund > /dev/null)
fi
if [ -f "$KPGO_REPO/dist/cli/gcda-summarize.js" ]; then
    log "skip: dist/ is built"
else
    log "npm run build"
    (cd "$KPGO_REPO" && npm run build > /dev/null)
fi
