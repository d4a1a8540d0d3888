#!/bin/bash
# Print the kconfig fragment of one kernel variant (no side effects; used by the builds and the tests).
# usage: kconfig-fragment.sh ARCH VARIANT
#   ARCH     um | x86_64
#   VARIANT  gcov (instrumented) | vanilla | pgo (vanilla config; the profile comes in through KCFLAGS)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
arch=${1:?usage: kconfig-fragment.sh um|x86_64 gcov|vanilla|pgo}
variant=${2:?usage: kconfig-fragment.sh um|x86_64 gcov|vanilla|pgo}
case "$arch" in
    um) base=$here/config/uml-base.config ;;
    x86_64) base=$here/config/x86_64-base.config ;;
    *) echo "kconfig-fragment.sh: unknown arch '$arch'" >&2; exit 2 ;;
esac
case "$variant" in
    gcov) extra=$here/config/gcov.config ;;
    vanilla|pgo|pgo-*|nosum|nosum-*) extra=$here/config/nogcov.config ;;
    *) echo "kconfig-fragment.sh: unknown variant '$variant'" >&2; exit 2 ;;
esac
cat "$base" "$extra"
