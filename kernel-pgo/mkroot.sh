#!/bin/bash
# Stage "root": the guest root directory WORKDIR/root (UML's hostfs root; also packed as the x86_64
# initramfs): busybox-static with its applets, redis-server/redis-benchmark/redis-cli, nginx, wrk,
# the shared libraries they load (found with ldd, copied at their own paths) and /init.sh.
# usage: mkroot.sh WORKDIR [ROOTDIR]
. "$(dirname "$0")/lib.sh"
workdir_init "${1:?usage: mkroot.sh WORKDIR [ROOTDIR]}"
root=${2:-$GUEST_ROOT}
# The init script is always refreshed (cheap), the rest only when missing or forced.
if [ "$FORCE" != 1 ] && [ -x "$root/usr/bin/redis-server" ] && [ -x "$root/bin/busybox" ]; then
    install -m 755 "$KPGO_DIR/guest/init.sh" "$root/init.sh"
    log "skip: $root exists (init.sh refreshed; FORCE=1 to rebuild)"
    exit 0
fi
bb=${BUSYBOX:-/bin/busybox}
file -L "$bb" | grep -q 'statically linked' || die "$bb is not static (apt-get install busybox-static)"
bins=()
for b in redis-server redis-benchmark redis-cli nginx wrk; do
    p=$(command -v "$b") || die "$b not found (apt-get install redis-server redis-tools nginx wrk)"
    bins+=("$p")
done
rm -rf "$root"
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run,root,harvest,var/log/nginx,var/lib/nginx}
cp "$bb" "$root/bin/busybox"
for a in $("$bb" --list); do
    [ "$a" = busybox ] || [ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
done
copy_file() {   # copy_file PATH: copy a host file (resolving symlinks) to the same path in the root
    local src=$1 real
    real=$(readlink -f "$src")
    mkdir -p "$root/$(dirname "$src")"
    cp "$real" "$root/$src"
}
for p in "${bins[@]}"; do
    copy_file "$p"
    ldd "$p" | awk '/=> \// { print $3 } /^\s*\/[^ ]*ld-linux/ { print $1 }' | while read -r lib; do
        [ -e "$root/$lib" ] || copy_file "$lib"
    done
done
# /lib64 -> dynamic loader path used by the binaries
[ -e "$root/lib64/ld-linux-x86-64.so.2" ] || copy_file /lib64/ld-linux-x86-64.so.2
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
printf 'passwd: files\ngroup: files\nhosts: files\n' > "$root/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n' > "$root/etc/hosts"
install -m 755 "$KPGO_DIR/guest/init.sh" "$root/init.sh"
log "guest root ready: $root ($(du -sh "$root" | cut -f1))"
