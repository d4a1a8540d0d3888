#!/bin/bash
# Stage "x86-build-NAME": an x86_64 kernel (tinyconfig + config/x86_64-base.config, -O2) in the shared
# object tree WORKDIR/x86/obj (same path for every build, for the same reason as the UML builds).
# usage: x86/build-x86.sh WORKDIR NAME [PROFILE_DIR]      NAME: gcov | vanilla | pgo-* | nosum-*
# Results: WORKDIR/x86/kernels/NAME/{bzImage,vmlinux.size.txt,build.log,build-seconds,size.txt,config}
. "$(dirname "$0")/../lib.sh"
. "$KPGO_DIR/kbuild.sh"
workdir_init "${1:?usage: build-x86.sh WORKDIR NAME [PROFILE_DIR]}"
name=${2:?}; profile=${3:-}
obj=$X86/obj
out=$X86/kernels/$name
stage_done "$out/bzImage" && exit 0
[ -f "$KSRC/.kernel-pgo-prepared" ] || die "run prepare-source.sh first"
case "$name" in
    gcov) variant=gcov ;;
    vanilla) variant=vanilla ;;
    pgo-*|nosum-*) variant=pgo; [ -n "$profile" ] || die "$name needs a PROFILE_DIR"; profile=$(cd "$profile" && pwd) ;;
    *) die "unknown kernel name '$name'" ;;
esac
mkdir -p "$out"
"$KPGO_DIR/kconfig-fragment.sh" x86_64 "$variant" > "$out/fragment.config"
log "x86 build $name: configure $obj"
kconfig_apply x86_64 "$obj" tinyconfig "$out/fragment.config"
kcflags=
[ "$variant" = pgo ] && kcflags=$(profile_flags "$profile")
log "x86 build $name: make clean; make ARCH=x86_64 -j$JOBS bzImage${kcflags:+ KCFLAGS=\"$kcflags\"}"
make -s -C "$KSRC" ARCH=x86_64 O="$obj" clean
t0=$(date +%s.%N)
if ! python3 "$KPGO_DIR/runtimed.py" "$out/build-time.json" -- make -C "$KSRC" ARCH=x86_64 O="$obj" -j"$JOBS" KCFLAGS="$kcflags" bzImage > "$out/build.log" 2>&1; then
    tail -30 "$out/build.log" >&2; die "x86 build $name failed (log: $out/build.log)"
fi
secs=$(echo "$(date +%s.%N) - $t0" | bc)
cp "$obj/arch/x86/boot/bzImage" "$out/bzImage"
record_build "$out" "$obj" "$obj/vmlinux" "$secs"
echo "$kcflags" > "$out/kcflags"
record_cmdlines "$out" "$obj"
[ "$variant" = pgo ] && record_coverage "$out" "$obj" "$profile" "$X86/kernels/gcov"
log "x86 build $name: done in ${secs%.*} s"
