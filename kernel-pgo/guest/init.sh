#!/bin/sh
# kernel-pgo guest init (busybox sh). PID 1 of a UML guest booted with rootfstype=hostfs, or of an
# x86_64 qemu guest (initramfs made of the same root directory).
#
# Parameters, as key=value on the kernel command line (UML and Linux pass unknown ones to init's
# environment; /proc/cmdline is read as well):
#   workload=A|B      A: redis-server + redis-benchmark   B: nginx + wrk   (both over lo)
#   harvest=0|dir|disk  after the workload copy every .gcda out of DebugFS with cat:
#                     dir: into /harvest (a host directory under hostfs), disk: tar.gz onto /dev/vda
#   a_requests=N      redis-benchmark requests per test (default 20000)
#   a_clients=N       redis-benchmark parallel connections (default 10)
#   b_seconds=N       wrk duration in seconds (default 10)
#   b_connections=N   wrk connections (default 10)
#   off=poweroff|reboot  how to end: UML stops on poweroff; qemu (-no-reboot, no ACPI) on reboot
# Output: lines "KPGO ..." on the console; the host parses "KPGO-RESULT key=value ..." lines.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
say() { echo "KPGO $*"; }
finish() { sync; say "POWEROFF"; if [ "${off:-poweroff}" = reboot ]; then reboot -f; else poweroff -f; fi; sleep 5; halt -f; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
grep -q '^devtmpfs /dev ' /proc/mounts || mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t tmpfs -o size=256m tmpfs /tmp
mkdir -p /dev/shm && mount -t tmpfs tmpfs /dev/shm

workload=${workload:-A}; harvest=${harvest:-0}
a_requests=${a_requests:-20000}; a_clients=${a_clients:-10}
b_seconds=${b_seconds:-10}; b_connections=${b_connections:-10}
for arg in $(cat /proc/cmdline); do
    case "$arg" in
        workload=*|harvest=*|a_requests=*|a_clients=*|b_seconds=*|b_connections=*|off=*) eval "${arg%%=*}='${arg#*=}'" ;;
    esac
done
say "kernel $(uname -r) $(uname -m) workload=$workload harvest=$harvest"

ifconfig lo 127.0.0.1 netmask 255.0.0.0 up || say "ERROR lo"

gcov=/sys/kernel/debug/gcov
if [ "$harvest" != 0 ] && [ ! -e $gcov/reset ]; then
    say "ERROR no $gcov/reset: not an instrumented kernel"; finish
fi

workload_A() {
    redis-server --bind 127.0.0.1 --port 6379 --save '' --appendonly no --daemonize yes \
        --protected-mode no --dir /tmp --logfile /tmp/redis.log || { say "ERROR redis-server"; return 1; }
    i=0; while ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; do i=$((i + 1)); [ $i -gt 100 ] && return 1; sleep 0.1; done
    [ -e $gcov/reset ] && echo 1 > $gcov/reset && say "gcov counters reset"
    t0=$(cut -d" " -f1 /proc/uptime)
    redis-benchmark -h 127.0.0.1 -p 6379 -q -c "$a_clients" -n "$a_requests" -t set,get,incr,lpush,lpop --csv > /tmp/a.csv
    t1=$(cut -d" " -f1 /proc/uptime)
    redis-cli -h 127.0.0.1 shutdown nosave >/dev/null 2>&1
    # --csv: "test","rps","avg_latency_ms",...
    sed -e 's/"//g' /tmp/a.csv | while IFS=, read -r test rps rest; do
        case "$test" in test|'') ;; *) say "A-TEST $test $rps" ;; esac
    done
    total=$(sed -e 's/"//g' /tmp/a.csv | awk -F, -v n="$a_requests" 'NR > 1 && $2 > 0 { s += n / $2; k += 1 } END { if (s > 0) printf "%.1f", k * n / s; else print 0 }')
    echo "KPGO-RESULT workload=A metric=rps value=$total tests=$(($(wc -l < /tmp/a.csv) - 1)) requests=$a_requests clients=$a_clients t0=$t0 t1=$t1"
}

workload_B() {
    mkdir -p /tmp/www /tmp/nginx
    i=0; while [ $i -lt 64 ]; do echo "kernel-pgo line $i of a small static page served by nginx to wrk"; i=$((i + 1)); done > /tmp/www/index.html
    cat > /tmp/nginx/nginx.conf <<NGINX
user root;
worker_processes 1;
pid /tmp/nginx/nginx.pid;
error_log /tmp/nginx/error.log;
events { worker_connections 1024; use epoll; }
http {
    access_log off;
    sendfile on;
    keepalive_requests 1000000;
    client_body_temp_path /tmp/nginx/body; proxy_temp_path /tmp/nginx/proxy;
    fastcgi_temp_path /tmp/nginx/fastcgi; uwsgi_temp_path /tmp/nginx/uwsgi; scgi_temp_path /tmp/nginx/scgi;
    server { listen 127.0.0.1:8080; root /tmp/www; }
}
NGINX
    nginx -p /tmp/nginx -c /tmp/nginx/nginx.conf -e /tmp/nginx/error.log || { say "ERROR nginx"; return 1; }
    i=0; while ! wget -q -O /dev/null http://127.0.0.1:8080/index.html; do i=$((i + 1)); [ $i -gt 100 ] && return 1; sleep 0.1; done
    [ -e $gcov/reset ] && echo 1 > $gcov/reset && say "gcov counters reset"
    t0=$(cut -d" " -f1 /proc/uptime)
    wrk -t1 -c"$b_connections" -d"${b_seconds}s" http://127.0.0.1:8080/index.html > /tmp/b.txt 2>&1
    t1=$(cut -d" " -f1 /proc/uptime)
    kill "$(cat /tmp/nginx/nginx.pid)" 2>/dev/null
    sed -e 's/^/KPGO B-WRK /' /tmp/b.txt
    rps=$(awk '/^Requests\/sec:/ { print $2 }' /tmp/b.txt)
    reqs=$(awk '/requests in/ { print $1 }' /tmp/b.txt)
    echo "KPGO-RESULT workload=B metric=rps value=${rps:-0} requests=${reqs:-0} connections=$b_connections seconds=$b_seconds t0=$t0 t1=$t1"
}

say "workload $workload start"
case "$workload" in
    A) workload_A || say "ERROR workload A" ;;
    B) workload_B || say "ERROR workload B" ;;
    none) ;;
    *) say "ERROR unknown workload '$workload'" ;;
esac
say "workload $workload end"

if [ "$harvest" != 0 ]; then
    # DebugFS reports size 0 for every .gcda: copy each one with cat (cp/tar would copy nothing).
    dest=/harvest
    [ "$harvest" = disk ] && dest=/tmp/harvest
    mkdir -p $dest
    cd $gcov
    find . -name '*.gcda' > /tmp/gcda.list
    while read -r f; do
        mkdir -p "$dest/${f%/*}"
        cat < "$f" > "$dest/$f"
    done < /tmp/gcda.list
    cd /
    say "HARVEST $(wc -l < /tmp/gcda.list) files $(find $dest -name '*.gcda' | xargs cat | wc -c) bytes"
    if [ "$harvest" = disk ]; then
        tar czf /tmp/harvest.tgz -C $dest .
        size=$(wc -c < /tmp/harvest.tgz); sum=$(md5sum < /tmp/harvest.tgz | cut -d' ' -f1)
        { printf 'GCOVHARVEST %s %s\n' "$size" "$sum"; dd if=/dev/zero bs=512 count=1 2>/dev/null; } | head -c 512 > /tmp/header
        dd if=/tmp/header of=/dev/vda bs=512 count=1 conv=fsync 2>/dev/null
        dd if=/tmp/harvest.tgz of=/dev/vda bs=512 seek=1 conv=fsync 2>/dev/null
        say "HARVEST-DISK $size $sum"
    fi
    say "HARVEST-DONE"
fi
finish
