#!/bin/bash
# Regenerate fixtures/kernel/uml-harvest.tar.gz: a small, stored UML harvest for the CI tests of the
# summarize + profile-dir layout step, including the objects compiled through a '..' path.
# usage: make-fixture.sh WORKDIR FIXTURE_DIR [HARVEST_NAME]     (default harvest A)
# Contents (paths relative to the UML object tree, whose absolute path is replaced by obj/):
#   harvest/...gcda   every object compiled through '..' plus every 16th other object, as harvested
#                     (a tree rooted at the object tree: summarize with --path-prefix DIR/harvest)
#   obj/.../.NAME.o.cmd  the first line of each of their .cmd files, with the object tree path
#                     replaced by @OBJTREE@ (the test substitutes its own directory), the source
#                     tree by @SRCTREE@
#   compiled-objects.txt  every C object of the instrumented build (obj path, '..' kept), with a flag
#                     "instrumented" when its command had -fprofile-arcs
. "$(dirname "$0")/lib.sh"
workdir_init "${1:?usage: make-fixture.sh WORKDIR FIXTURE_DIR [HARVEST_NAME]}"
dest=${2:?}; name=${3:-A}
tree=$HARVESTS/$name/tree/${UML_OBJ#/}
[ -d "$tree" ] || die "no harvest $HARVESTS/$name/tree for $UML_OBJ"
cmdgz=$UML_KERNELS/gcov/cmd-lines.txt.gz
[ -f "$cmdgz" ] || die "no $cmdgz"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/harvest" "$tmp/obj"
# objects through '..' (as compiled) and their resolved paths (as harvested)
zcat "$cmdgz" | sed -n 's/^cmd_\(\S*\.o\) := .*/\1/p' | grep '/\.\./' > "$tmp/dotdot.txt" || true
(cd "$tree" && find . -name '*.gcda' | sed 's|^\./||' | LC_ALL=C sort) > "$tmp/all.txt"
{
    while read -r o; do realpath -m --relative-to=/ "/x/${o%.o}.gcda" | sed 's|^x/||'; done < "$tmp/dotdot.txt"
    awk 'NR % 16 == 1' "$tmp/all.txt"
    printf '%s\n' kernel/sched/core.gcda mm/memory.gcda net/ipv4/tcp.gcda fs/read_write.gcda
} | LC_ALL=C sort -u > "$tmp/pick.txt"
while read -r f; do
    [ -f "$tree/$f" ] || continue
    mkdir -p "$tmp/harvest/$(dirname "$f")"
    cp "$tree/$f" "$tmp/harvest/$f"
done < "$tmp/pick.txt"
# first .cmd lines of the picked objects and of the '..' objects, under obj/
zcat "$cmdgz" | while IFS= read -r line; do
    o=${line#cmd_}; o=${o%% :=*}
    case "$o" in *.o) ;; *) continue ;; esac
    res=$(realpath -m --relative-to=/ "/x/${o%.o}.gcda" | sed 's|^x/||')
    if grep -qxF "$res" "$tmp/pick.txt"; then
        d=$(dirname "$o"); b=$(basename "$o")
        mkdir -p "$tmp/obj/$d"
        line=${line//$UML_OBJ/@OBJTREE@}; line=${line//$KSRC/@SRCTREE@}
        printf '%s\n' "${line//$WORK/@WORKDIR@}" > "$tmp/obj/$d/.$b.cmd"
    fi
done
zcat "$cmdgz" | awk '/^cmd_[^ ]*\.o := .*gcc.* -c .*\.c *$/ { o = $1; sub(/^cmd_/, "", o); print o (index($0, "-fprofile-arcs") ? " instrumented" : "") }' > "$tmp/compiled-objects.txt"
mkdir -p "$dest"
(cd "$tmp" && LC_ALL=C find harvest obj compiled-objects.txt -print0 | LC_ALL=C sort -z | \
    tar --null --no-recursion --owner=0 --group=0 --numeric-owner --mtime=@0 -T - -cf - | gzip -9n > "$dest/uml-harvest.tar.gz")
log "fixture: $(find "$tmp/harvest" -name '*.gcda' | wc -l) .gcda, $(find "$tmp/obj" -name '*.cmd' | wc -l) .cmd lines, $(wc -l < "$tmp/dotdot.txt") '..' objects -> $dest/uml-harvest.tar.gz ($(stat -c %s "$dest/uml-harvest.tar.gz") bytes)"
