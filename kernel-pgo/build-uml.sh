#!/bin/bash
# Stage "build-NAME": one UML kernel (ARCH=um, -O2) in the shared object tree WORKDIR/uml/obj.
# usage: build-uml.sh WORKDIR NAME [PROFILE_DIR]
#   NAME         gcov | vanilla | pgo-* | nosum-*   (pgo-*/nosum-* need PROFILE_DIR)
# All UML builds use the same O= directory after `make clean`: -fprofile-dir names are derived from
# each object's absolute path, so the PGO builds must compile every object where the instrumented
# build did. Results: WORKDIR/uml/kernels/NAME/{linux,build.log,build-seconds,size.txt,config}.
. "$(dirname "$0")/lib.sh"
. "$KPGO_DIR/kbuild.sh"
workdir_init "${1:?usage: build-uml.sh WORKDIR NAME [PROFILE_DIR]}"
name=${2:?usage: build-uml.sh WORKDIR NAME [PROFILE_DIR]}
profile=${3:-}
out=$UML_KERNELS/$name
stage_done "$out/linux" && exit 0
[ -f "$KSRC/.kernel-pgo-prepared" ] || die "run prepare-source.sh first"
case "$name" in
    gcov) variant=gcov ;;
    vanilla) variant=vanilla ;;
    pgo-*|nosum-*) variant=pgo
        [ -n "$profile" ] || die "$name needs a PROFILE_DIR"
        profile=$(cd "$profile" && pwd) ;;
    *) die "unknown kernel name '$name'" ;;
esac
mkdir -p "$out"
frag=$out/fragment.config
"$KPGO_DIR/kconfig-fragment.sh" um "$variant" > "$frag"
log "build $name: configure $UML_OBJ"
kconfig_apply um "$UML_OBJ" defconfig "$frag"
kcflags=
[ "$variant" = pgo ] && kcflags=$(profile_flags "$profile")
log "build $name: make clean; make ARCH=um -j$JOBS linux${kcflags:+ KCFLAGS=\"$kcflags\"}"
make -s -C "$KSRC" ARCH=um O="$UML_OBJ" clean
t0=$(date +%s.%N)
if ! python3 "$KPGO_DIR/runtimed.py" "$out/build-time.json" -- make -C "$KSRC" ARCH=um O="$UML_OBJ" -j"$JOBS" KCFLAGS="$kcflags" linux > "$out/build.log" 2>&1; then
    tail -30 "$out/build.log" >&2
    die "build $name failed (log: $out/build.log)"
fi
t1=$(date +%s.%N)
secs=$(echo "$t1 - $t0" | bc)
cp "$UML_OBJ/linux" "$out/linux"
record_build "$out" "$UML_OBJ" "$out/linux" "$secs"
echo "$kcflags" > "$out/kcflags"
# The exact compile command and -o path of every object (the tree is rebuilt by the next build).
record_cmdlines "$out" "$UML_OBJ"
[ "$variant" = pgo ] && record_coverage "$out" "$UML_OBJ" "$profile" "$UML_KERNELS/gcov"
log "build $name: done in ${secs%.*} s; $(grep -cE '^\s+CC ' "$out/build.log") C objects; $(grep -c 'Wmissing-profile' "$out/build.log" || true) -Wmissing-profile warnings"
