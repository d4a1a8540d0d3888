#!/bin/bash
# The whole loop, stage by stage, with a results table at the end.
# usage: kernel-pgo/run-all.sh WORKDIR [STAGE...]
#   With no STAGE, every stage runs in order. A stage whose outputs exist is skipped (FORCE=1 redoes
#   it), so an interrupted run resumes by running the same command again.
# Stages: packages source root uml-gcov harvest profiles uml-builds report bench x86 fixture summary
# Environment: JOBS (make -j, default 2), ROUNDS (benchmark rounds, default 15),
#   TRAIN_ARGS (training runs, default "a_requests=20000 b_seconds=10"), BENCH_ARGS (benchmark boots,
#   default "a_requests=5000 b_seconds=8"),
#   X86_ARGS (x86_64 training run, default "a_requests=2000"), X86_WORKLOAD (default A).
. "$(dirname "$0")/lib.sh"
workdir_init "${1:?usage: run-all.sh WORKDIR [STAGE...]}"
shift
all=(packages source root uml-gcov harvest profiles uml-builds report bench x86 summary)
stages=("$@"); [ ${#stages[@]} -gt 0 ] || stages=("${all[@]}")
read -r -a train <<< "${TRAIN_ARGS:-a_requests=20000 b_seconds=10}"
export BENCH_ARGS=${BENCH_ARGS:-a_requests=5000 b_seconds=8}
read -r -a x86args <<< "${X86_ARGS:-a_requests=2000}"
K=$KPGO_DIR
n=0
stage() { n=$((n + 1)); log "=== stage $1 ($(date -u +%FT%TZ))"; }

for s in "${stages[@]}"; do
    case "$s" in
        packages) stage packages; "$K/packages.sh" ;;
        source) stage source; "$K/prepare-source.sh" "$WORK" ;;
        root) stage root; "$K/mkroot.sh" "$WORK" ;;
        uml-gcov) stage uml-gcov; "$K/build-uml.sh" "$WORK" gcov ;;
        harvest)
            stage harvest
            "$K/harvest-uml.sh" "$WORK" A A "${train[@]}"
            "$K/harvest-uml.sh" "$WORK" B B "${train[@]}" ;;
        profiles)
            stage profiles
            for h in A B; do
                "$K/summarize.sh" "$HARVESTS/$h/tree" "$UML_OBJ" "$PROFILES/$h" "$PROFILES/nosum-$h"
            done ;;
        uml-builds)
            stage uml-builds
            "$K/build-uml.sh" "$WORK" vanilla
            "$K/build-uml.sh" "$WORK" pgo-A "$PROFILES/A"
            "$K/build-uml.sh" "$WORK" pgo-B "$PROFILES/B"
            "$K/build-uml.sh" "$WORK" nosum-A "$PROFILES/nosum-A" ;;
        report) stage report; node "$K/report.mjs" "$WORK" > "$WORK/report.md"; cat "$WORK/report.md" ;;
        bench) stage bench; "$K/bench.sh" "$WORK" "${ROUNDS:-15}" ;;
        x86)
            stage x86
            "$K/x86/build-x86.sh" "$WORK" gcov
            "$K/x86/harvest-x86.sh" "$WORK" "${X86_WORKLOAD:-A}" "${X86_WORKLOAD:-A}" "${x86args[@]}"
            "$K/summarize.sh" "$X86/harvest/${X86_WORKLOAD:-A}/tree" "$X86/obj" "$X86/profiles/${X86_WORKLOAD:-A}" "$X86/profiles/nosum-${X86_WORKLOAD:-A}"
            "$K/x86/build-x86.sh" "$WORK" "pgo-${X86_WORKLOAD:-A}" "$X86/profiles/${X86_WORKLOAD:-A}"
            "$K/x86/build-x86.sh" "$WORK" vanilla
            "$K/x86/build-x86.sh" "$WORK" "nosum-${X86_WORKLOAD:-A}" "$X86/profiles/nosum-${X86_WORKLOAD:-A}" ;;
        fixture) stage fixture; "$K/make-fixture.sh" "$WORK" "$KPGO_REPO/fixtures/kernel" ;;
        summary) stage summary; node "$K/report.mjs" "$WORK" | tee "$WORK/report.md" ;;
        *) die "unknown stage '$s' (stages: ${all[*]} fixture)" ;;
    esac
done
log "done: ${stages[*]}"
