#!/bin/bash
# Remove the pr_info() from __gcov_init (kernel/gcov/gcc_base.c): it crashes an instrumented UML
# kernel at start-up (constructors run before the kernel exists). Idempotent.
# usage: patch-gcov-uml.sh KSRC
set -euo pipefail
f=${1:?usage: patch-gcov-uml.sh KSRC}/kernel/gcov/gcc_base.c
[ -f "$f" ] || { echo "patch-gcov-uml.sh: $f not found" >&2; exit 1; }
if grep -q 'pr_info("version magic: 0x%x\\n", gcov_version);' "$f"; then
    sed -i 's|^\(\s*\)pr_info("version magic: 0x%x\\n", gcov_version);|\1/* kernel-pgo: pr_info removed, it crashes UML before the kernel exists */|' "$f"
    echo "patched $f"
else
    grep -q 'kernel-pgo: pr_info removed' "$f" || { echo "patch-gcov-uml.sh: pattern not found in $f" >&2; exit 1; }
    echo "already patched: $f"
fi
