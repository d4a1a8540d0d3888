#!/bin/bash
# Boot one UML kernel unattended with WORKDIR/root as its hostfs root, run one workload, power off.
# usage: boot-uml.sh WORKDIR KERNEL OUTDIR WORKLOAD [KEY=VALUE...]
#   KERNEL   path of a UML `linux` binary
#   OUTDIR   receives console.log (CR stripped) and time.json (wall, process-tree user/system CPU, load)
#   extra KEY=VALUE go to the guest init (harvest=dir, a_requests=N, b_seconds=N, ...)
# Environment: UML_MEM (default 512M), BOOT_TIMEOUT seconds (default 300).
. "$(dirname "$0")/lib.sh"
workdir_init "${1:?usage: boot-uml.sh WORKDIR KERNEL OUTDIR WORKLOAD [KEY=VALUE...]}"
kernel=${2:?}; out=${3:?}; workload=${4:?}; shift 4
[ -x "$kernel" ] || die "no kernel $kernel"
[ -x "$GUEST_ROOT/init.sh" ] || die "no guest root: run mkroot.sh"
mkdir -p "$out"
umldir=$(mktemp -d "$WORK/uml/run.XXXXXX")
set +e
timeout "${BOOT_TIMEOUT:-300}" python3 "$KPGO_DIR/runtimed.py" "$out/time.json" -- \
    "$kernel" mem="${UML_MEM:-512M}" rootfstype=hostfs rootflags="$GUEST_ROOT" rw init=/init.sh \
    uml_dir="$umldir" con=null con0=null,fd:1 "workload=$workload" "$@" \
    < /dev/null > "$out/console.raw" 2>&1
rc=$?
set -e
rm -rf "$umldir"
tr -d '\r' < "$out/console.raw" > "$out/console.log" && rm -f "$out/console.raw"
[ $rc = 0 ] || { tail -20 "$out/console.log" >&2; die "UML exited with status $rc (log: $out/console.log)"; }
grep -q '^KPGO POWEROFF' "$out/console.log" || die "guest did not finish (log: $out/console.log)"
if grep -q '^KPGO ERROR' "$out/console.log"; then grep '^KPGO ERROR' "$out/console.log" >&2; die "guest reported an error"; fi
grep '^KPGO-RESULT' "$out/console.log" || true
