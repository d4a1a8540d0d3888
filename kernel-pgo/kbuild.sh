# shellcheck shell=bash
# Shared by build-uml.sh and x86/build-x86.sh: configure an objtree from a fragment, build, record.
# (sourced after lib.sh)

# kconfig_apply ARCH OBJ DEFCONFIG_TARGET FRAGMENT_FILE: defconfig + fragment + olddefconfig, then
# verify that every line of the fragment holds in the final .config.
kconfig_apply() {
    local arch=$1 obj=$2 target=$3 frag=$4
    mkdir -p "$obj"
    make -s -C "$KSRC" ARCH="$arch" O="$obj" "$target" >/dev/null
    "$KSRC/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$frag" >/dev/null
    make -s -C "$KSRC" ARCH="$arch" O="$obj" olddefconfig >/dev/null
    kconfig_verify "$obj/.config" "$frag"
}

# kconfig_verify CONFIG FRAGMENT: every CONFIG_X=v / "# CONFIG_X is not set" of FRAGMENT holds.
kconfig_verify() {
    local config=$1 frag=$2 bad=0 line sym got
    while IFS= read -r line; do
        case "$line" in
            CONFIG_*=*) sym=${line%%=*} ;;
            "# CONFIG_"*" is not set") sym=${line#\# }; sym=${sym%% *} ;;
            *) continue ;;
        esac
        got=$(grep -E "^($sym=|# $sym is not set)" "$config" || true)
        if [ "$got" != "$line" ]; then
            # "is not set" may also be satisfied by the symbol being absent (dependency off)
            case "$line" in "# CONFIG_"*) [ -z "$got" ] && continue ;; esac
            echo "config mismatch: wanted '$line' got '${got:-<absent>}'" >&2
            bad=1
        fi
    done < "$frag"
    [ $bad = 0 ] || die "config verification failed for $config"
}

# profile_flags PROFILE_DIR: the only flags the PGO build adds (see docs/kernel-pgo.md).
profile_flags() {
    printf '%s' "-fprofile-use -fprofile-dir=$1 -Wno-error=coverage-mismatch"
}

# record_build OUTDIR OBJ IMAGE SECONDS: copy the image and record sizes + config.
record_build() {
    local out=$1 obj=$2 image=$3 secs=$4
    cp "$obj/.config" "$out/config"
    echo "$secs" > "$out/build-seconds"
    size -A "$image" > "$out/size.txt"
    # The kernel's linker script folds .text.hot/.text.unlikely into .text of the final image; the
    # relocatable vmlinux.o (ld -r of all built-in objects) still shows them apart.
    if [ -f "$obj/vmlinux.o" ]; then size -A "$obj/vmlinux.o" > "$out/vmlinux.o.size.txt"; fi
}

# record_cmdlines OUTDIR OBJ: the first line of every .*.o.cmd (the exact compile command and -o
# path of each object), gzip'ed: the coverage report needs them after the tree is rebuilt.
record_cmdlines() {
    (cd "$2" && find . -name '.*.o.cmd' -print0 | xargs -0 head -qn1) | LC_ALL=C sort | gzip -9 > "$1/cmd-lines.txt.gz"
}

# record_coverage OUTDIR OBJ PROFILE_DIR GCOV_OUTDIR: which objects found their profile (coverage.json).
record_coverage() {
    node "$KPGO_DIR/report.mjs" coverage "$1/cmd-lines.txt" "$4/cmd-lines.txt" "$3" "$2" "$1/build.log" > "$1/coverage.json"
    node -e 'const c=JSON.parse(require("fs").readFileSync(process.argv[1]));console.log(`coverage: ${c.withProfile} of ${c.compiled} C objects got a profile (${c.throughDotDot.length} through ..), ${c.missingProfileWarnings} -Wmissing-profile warnings, ${c.unusedProfileFiles.length} profile files unused`)' "$1/coverage.json" >&2
}
