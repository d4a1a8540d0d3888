#!/bin/bash
# Stage "harvest-NAME": boot the instrumented UML kernel, reset the counters, run WORKLOAD, copy
# every .gcda out of DebugFS with cat into the hostfs root, and keep it as WORKDIR/harvest/NAME/.
# usage: harvest-uml.sh WORKDIR NAME WORKLOAD [KEY=VALUE...]
# Result: harvest/NAME/tree/ (rooted at /sys/kernel/debug/gcov: paths inside are the absolute build
# paths), harvest/NAME/harvest.tar.gz, harvest/NAME/console.log, harvest/NAME/stats.txt
. "$(dirname "$0")/lib.sh"
workdir_init "${1:?usage: harvest-uml.sh WORKDIR NAME WORKLOAD [KEY=VALUE...]}"
name=${2:?}; workload=${3:?}; shift 3
out=$HARVESTS/$name
stage_done "$out/harvest.tar.gz" && exit 0
kernel=$UML_KERNELS/gcov/linux
[ -x "$kernel" ] || die "no instrumented kernel: run build-uml.sh WORKDIR gcov"
rm -rf "$out" "$GUEST_ROOT/harvest"
mkdir -p "$out" "$GUEST_ROOT/harvest"
log "harvest $name: booting the instrumented kernel with workload $workload"
"$KPGO_DIR/boot-uml.sh" "$WORK" "$kernel" "$out" "$workload" harvest=dir "$@"
grep -q '^KPGO HARVEST-DONE' "$out/console.log" || die "no harvest in $out/console.log"
mv "$GUEST_ROOT/harvest" "$out/tree"
mkdir -p "$GUEST_ROOT/harvest"
n=$(find "$out/tree" -name '*.gcda' | wc -l)
empty=$(find "$out/tree" -name '*.gcda' -size 0 | wc -l)
[ "$n" -gt 0 ] && [ "$empty" = 0 ] || die "harvest $name: $n files, $empty empty"
( cd "$out/tree" && LC_ALL=C find . -name '*.gcda' -print0 | LC_ALL=C sort -z | \
    tar --null -T - --owner=0 --group=0 --numeric-owner --mtime=@0 -czf "$out/harvest.tar.gz" )
{
    echo "files $n"
    echo "bytes $(find "$out/tree" -name '*.gcda' -print0 | xargs -0 cat | wc -c)"
    echo "tar.gz $(stat -c %s "$out/harvest.tar.gz")"
    grep -E '^KPGO-RESULT|^KPGO HARVEST ' "$out/console.log"
} > "$out/stats.txt"
log "harvest $name: $n .gcda files ($(stat -c %s "$out/harvest.tar.gz") bytes tar.gz)"
