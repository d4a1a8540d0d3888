# shellcheck shell=bash
# Common helpers for the kernel-pgo scripts. Source it: . "$(dirname "$0")/lib.sh"
#
# Layout of WORKDIR (every script takes it as its first argument):
#   src/linux-source-6.1/     the kernel source (Debian linux-source-6.1), patched once
#   uml/obj/                  the ONE object tree of all UML builds (same paths => same profile names)
#   uml/kernels/NAME/         linux binary, build.log, build-time, size.txt, config of each UML kernel
#   root/                     the guest root directory (hostfs root of the UML guests)
#   harvest/NAME/             .gcda harvests (tree rooted at /sys/kernel/debug/gcov) + tar.gz
#   profiles/NAME/            -fprofile-dir directories (summarized / raw control)
#   bench/                    benchmark results (results.tsv, per-boot console logs)
#   x86/                      the x86_64 path (obj/, kernels/, harvest/, profiles/)
set -euo pipefail

KPGO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KPGO_REPO=$(cd "$KPGO_DIR/.." && pwd)
LINUX_SOURCE_TARBALL=${LINUX_SOURCE_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
JOBS=${JOBS:-2}
FORCE=${FORCE:-0}

log() { printf '[kernel-pgo %s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { printf 'kernel-pgo: error: %s\n' "$*" >&2; exit 1; }

# workdir_init WORKDIR: creates it and sets the path variables.
workdir_init() {
    local w=${1:?WORKDIR missing}
    mkdir -p "$w"
    WORK=$(cd "$w" && pwd)
    KSRC=$WORK/src/linux-source-6.1
    UML_OBJ=$WORK/uml/obj
    UML_KERNELS=$WORK/uml/kernels
    GUEST_ROOT=$WORK/root
    HARVESTS=$WORK/harvest
    PROFILES=$WORK/profiles
    BENCH=$WORK/bench
    X86=$WORK/x86
    export WORK KSRC UML_OBJ UML_KERNELS GUEST_ROOT HARVESTS PROFILES BENCH X86
}

# stage_done FILE: true (and logs a skip) when FILE exists and FORCE is not 1.
stage_done() {
    if [ "$FORCE" != 1 ] && [ -e "$1" ]; then
        log "skip: $1 exists (FORCE=1 to redo)"
        return 0
    fi
    return 1
}

# gcda_summarize ARGS...: the project's CLI (built from this checkout if needed).
gcda_summarize() {
    if [ ! -f "$KPGO_REPO/dist/cli/gcda-summarize.js" ]; then
        (cd "$KPGO_REPO" && npm run build >/dev/null)
    fi
    node "$KPGO_REPO/bin/gcda-summarize.js" "$@"
}
