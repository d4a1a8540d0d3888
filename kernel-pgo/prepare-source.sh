#!/bin/bash
# Stage "source": unpack Debian's linux-source-6.1 into WORKDIR/src and apply the UML gcov start-up patch.
# usage: prepare-source.sh WORKDIR
#
# The patch: under UML the gcov constructors (__gcov_init, kernel/gcov/gcc_base.c) run from the C
# library's start-up code before the kernel exists; their one pr_info() crashes the binary. We delete
# that line (it only prints the gcov version once). It is compiled only with CONFIG_GCOV_KERNEL, so
# the patched tree serves all builds.
. "$(dirname "$0")/lib.sh"
workdir_init "${1:?usage: prepare-source.sh WORKDIR}"
stamp=$KSRC/.kernel-pgo-prepared
stage_done "$stamp" && exit 0
[ -f "$LINUX_SOURCE_TARBALL" ] || die "$LINUX_SOURCE_TARBALL missing (apt-get install linux-source-6.1)"
if [ ! -f "$KSRC/Makefile" ]; then
    log "unpacking $LINUX_SOURCE_TARBALL"
    mkdir -p "$WORK/src"
    tar -C "$WORK/src" -xf "$LINUX_SOURCE_TARBALL"
fi
"$KPGO_DIR/patch-gcov-uml.sh" "$KSRC"
touch "$stamp"
log "source ready: $KSRC ($(make -s -C "$KSRC" kernelversion))"
