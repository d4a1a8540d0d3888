#!/bin/bash
# Stage "x86-harvest-NAME": boot the instrumented x86_64 kernel under qemu-system-x86_64 (TCG) with
# the guest root as initramfs, run WORKLOAD, and carry the .gcda files out on a raw virtio disk
# (sector 0: "GCOVHARVEST <bytes> <md5>", tar.gz from byte 512), as shared/kernel/recipe does.
# usage: x86/harvest-x86.sh WORKDIR NAME WORKLOAD [KEY=VALUE...]
# Environment: GUEST_ACCEL (tcg; kvm on hosts with real hardware virtualisation), GUEST_CPU,
#   GUEST_MEM (1024M), GUEST_TIMEOUT (1200 s).
# Result: x86/harvest/NAME/{tree/,harvest.tar.gz,console.log,stats.txt}
. "$(dirname "$0")/../lib.sh"
workdir_init "${1:?usage: harvest-x86.sh WORKDIR NAME WORKLOAD [KEY=VALUE...]}"
name=${2:?}; workload=${3:?}; shift 3
out=$X86/harvest/$name
stage_done "$out/harvest.tar.gz" && exit 0
kernel=$X86/kernels/gcov/bzImage
[ -f "$kernel" ] || die "no instrumented x86_64 kernel: run x86/build-x86.sh WORKDIR gcov"
[ -x "$GUEST_ROOT/init.sh" ] || die "no guest root: run mkroot.sh"
rm -rf "$out"; mkdir -p "$out"
initrd=$X86/initramfs.cpio.gz
if [ ! -f "$initrd" ] || [ "$GUEST_ROOT/init.sh" -nt "$initrd" ]; then
    tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
    cp -a "$GUEST_ROOT/." "$tmp/"
    rm -rf "$tmp/harvest"/*
    mknod -m 600 "$tmp/dev/console" c 5 1; mknod -m 666 "$tmp/dev/null" c 1 3
    (cd "$tmp" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --owner=0:0 --quiet) | gzip -6 > "$initrd"
    log "x86 initramfs: $initrd ($(stat -c %s "$initrd") bytes)"
fi
case "${GUEST_ACCEL:-tcg}" in
    kvm) accel=(-enable-kvm -cpu "${GUEST_CPU:-host}") ;;
    *) accel=(-accel tcg -cpu "${GUEST_CPU:-max}") ;;
esac
truncate -s 128M "$out/disk.img"
log "x86 harvest $name: qemu (${GUEST_ACCEL:-tcg}) workload $workload"
t0=$(date +%s)
timeout "${GUEST_TIMEOUT:-1200}" qemu-system-x86_64 "${accel[@]}" -m "${GUEST_MEM:-1024M}" -smp 1 \
    -kernel "$kernel" -initrd "$initrd" \
    -append "console=ttyS0 panic=-1 rdinit=/init.sh off=reboot harvest=disk workload=$workload $*" \
    -drive "file=$out/disk.img,format=raw,if=virtio" \
    -display none -vga none -no-reboot -monitor none -serial stdio < /dev/null 2>&1 | tr -d '\r' > "$out/console.log" \
    || die "qemu failed or timed out (log: $out/console.log)"
log "x86 harvest $name: guest ran $(( $(date +%s) - t0 )) s (emulated)"
grep -q '^KPGO HARVEST-DONE' "$out/console.log" || die "guest did not finish the harvest (log: $out/console.log)"
read -r magic size sum < <(head -c 512 "$out/disk.img" | tr -d '\0' | head -1)
[ "$magic" = GCOVHARVEST ] || die "no harvest header on the disk"
dd if="$out/disk.img" of="$out/gcda.tar.gz" bs=512 skip=1 count=$(( (size + 511) / 512 )) status=none
truncate -s "$size" "$out/gcda.tar.gz"
[ "$(md5sum < "$out/gcda.tar.gz" | cut -d' ' -f1)" = "$sum" ] || die "md5 mismatch on the harvest"
rm -f "$out/disk.img"
mkdir -p "$out/tree" && tar xzf "$out/gcda.tar.gz" -C "$out/tree" && rm -f "$out/gcda.tar.gz"
n=$(find "$out/tree" -name '*.gcda' | wc -l)
( cd "$out/tree" && LC_ALL=C find . -name '*.gcda' -print0 | LC_ALL=C sort -z | \
    tar --null -T - --owner=0 --group=0 --numeric-owner --mtime=@0 -czf "$out/harvest.tar.gz" )
{ echo "files $n"; grep -E '^KPGO-RESULT|^KPGO HARVEST ' "$out/console.log"; } > "$out/stats.txt"
log "x86 harvest $name: $n .gcda files"
