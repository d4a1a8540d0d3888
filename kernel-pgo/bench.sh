#!/bin/bash
# Stage "bench": the cross-evaluation matrix. Every kernel of KERNELS on every workload, ROUNDS
# rounds; in each round and workload every kernel boots once, the order reversed every other round
# (K1 K2 K3 K4 K4 K3 K2 K1 ...), so that each PGO boot has a vanilla boot of the same round to pair
# with and slow drifts of the machine hit all kernels alike.
# usage: bench.sh WORKDIR [ROUNDS]          (default ROUNDS=15)
# Environment: KERNELS (default "vanilla pgo-A pgo-B nosum-A"), WORKLOADS (default "A B"),
#   BENCH_ARGS (extra guest parameters, default "a_requests=5000 b_seconds=8").
# Output: WORKDIR/bench/results.tsv (one line per boot, appended; an interrupted run resumes where it
# stopped), WORKDIR/bench/boots/R-KERNEL-WORKLOAD/console.log, then analyze.mjs writes results.md,
# results.json and chart.svg.
. "$(dirname "$0")/lib.sh"
workdir_init "${1:?usage: bench.sh WORKDIR [ROUNDS]}"
rounds=${2:-15}
read -r -a kernels <<< "${KERNELS:-vanilla pgo-A pgo-B nosum-A}"
read -r -a workloads <<< "${WORKLOADS:-A B}"
read -r -a args <<< "${BENCH_ARGS:-a_requests=5000 b_seconds=8}"
for k in "${kernels[@]}"; do [ -x "$UML_KERNELS/$k/linux" ] || die "kernel $k not built"; done
mkdir -p "$BENCH/boots"
res=$BENCH/results.tsv
[ -f "$res" ] || printf 'round\tseq\tkernel\tworkload\tvalue\twall\tutime\tstime\tload1_before\tload1_after\tutc\n' > "$res"
seq=$(($(wc -l < "$res") - 1))
total=$((rounds * ${#kernels[@]} * ${#workloads[@]}))
for ((r = 1; r <= rounds; r++)); do
    order=("${kernels[@]}")
    if ((r % 2 == 0)); then
        order=(); for ((i = ${#kernels[@]} - 1; i >= 0; i--)); do order+=("${kernels[i]}"); done
    fi
    for w in "${workloads[@]}"; do
        for k in "${order[@]}"; do
            if awk -F'\t' -v r="$r" -v k="$k" -v w="$w" '$1 == r && $3 == k && $4 == w { f = 1 } END { exit !f }' "$res"; then
                continue
            fi
            d=$BENCH/boots/$r-$k-$w
            rm -rf "$d"
            seq=$((seq + 1))
            if ! "$KPGO_DIR/boot-uml.sh" "$WORK" "$UML_KERNELS/$k/linux" "$d" "$w" "${args[@]}" > /dev/null; then
                log "bench: boot $r $k $w failed, retrying once"
                rm -rf "$d"
                "$KPGO_DIR/boot-uml.sh" "$WORK" "$UML_KERNELS/$k/linux" "$d" "$w" "${args[@]}" > /dev/null
            fi
            value=$(sed -n 's/^KPGO-RESULT .*value=\([0-9.]*\).*/\1/p' "$d/console.log" | head -1)
            [ -n "$value" ] || die "no result in $d/console.log"
            t=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("\t".join(str(r[k]) for k in ("wall","utime","stime","load1_before","load1_after")))' "$d/time.json")
            printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$seq" "$k" "$w" "$value" "$t" "$(date -u +%FT%TZ)" >> "$res"
            log "bench $seq/$total: round $r kernel $k workload $w: $value req/s ($(echo "$t" | cut -f1-3 | tr '\t' ' ') wall/user/sys s, load $(echo "$t" | cut -f4))"
        done
    done
done
node "$KPGO_DIR/analyze.mjs" "$res" "$BENCH"
