#!/bin/bash
# Stage "profile-NAME": the harvest -> the -fprofile-dir directories of the PGO build and its control.
# usage: summarize.sh HARVEST_TREE OBJTREE PROFILE_DIR [RAW_DIR]
#   HARVEST_TREE  a copy of /sys/kernel/debug/gcov (paths inside = absolute build paths)
#   OBJTREE       the kernel build's object tree: its .*.o.cmd files give the -o path GCC saw for
#                 objects compiled through '..' (gcda-summarize --kbuild)
#   PROFILE_DIR   gcda-summarize --layout profile-dir output (+ PROFILE_DIR.json: the report)
#   RAW_DIR       the control: the same files and names without what gcda-summarize added
#                 (no summary record, checksum 0, no end marker), i.e. the kernel's bytes
. "$(dirname "$0")/lib.sh"
tree=${1:?usage: summarize.sh HARVEST_TREE OBJTREE PROFILE_DIR [RAW_DIR]}
obj=${2:?}; prof=${3:?}; raw=${4:-}
if ! stage_done "$prof.json"; then
    rm -rf "$prof"; mkdir -p "$(dirname "$prof")"
    log "summarize: gcda-summarize $tree -o $prof --layout profile-dir --kbuild $obj"
    gcda_summarize "$tree" -o "$prof" --layout profile-dir --kbuild "$obj" --json --no-progress > "$prof.json.tmp"
    mv "$prof.json.tmp" "$prof.json"
    node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1]));console.log(`summarize: ${r.files} files, ${r.version}, runs ${r.summary.runs}, sum_max ${r.summary.sumMax}, through-.. ${r.compiledThroughDotDot}`)' "$prof.json" >&2
fi
if [ -n "$raw" ] && ! stage_done "$raw/.complete"; then
    rm -rf "$raw"
    node "$KPGO_DIR/raw-profile.mjs" "$prof" "$raw" >&2
    # The control must hold exactly the harvested bytes: compare the multisets of file hashes.
    a=$(find "$tree" -name '*.gcda' -print0 | xargs -0 sha256sum | cut -d' ' -f1 | LC_ALL=C sort | sha256sum)
    b=$(find "$raw" -name '*.gcda' -print0 | xargs -0 sha256sum | cut -d' ' -f1 | LC_ALL=C sort | sha256sum)
    [ "$a" = "$b" ] || die "control profile $raw differs from the harvest's bytes"
    log "control profile: $(find "$raw" -name '*.gcda' | wc -l) files, byte-identical to the harvest"
    touch "$raw/.complete"
fi
