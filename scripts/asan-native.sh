#!/usr/bin/env bash
# The native test project under AddressSanitizer and LeakSanitizer.
#
#   bash scripts/asan-native.sh [VITEST FILTERS...]     e.g. bash scripts/asan-native.sh test/native/api.test.ts
#
# 1. Builds the addon with -fsanitize=address into build-asan/Release/ (build/Release, which every other test
#    loads, is left alone) and points the library at it through LLAMA_STEER_ADDON.
# 2. Runs `vitest --project native` with the compiler's libasan preloaded into node (node itself is not
#    instrumented; the addon is, and every malloc/free in the process goes through ASan). The test files run in
#    worker threads, so that their Node environments end, and free what they own, inside a process that exits
#    normally: vitest's child-process workers are killed, and a killed process never runs its leak check.
# 3. scripts/asan-report.mjs reads the per-process logs and fails on any ASan error, and on any leak whose
#    allocation stack enters the addon unless scripts/asan-suppressions.txt excuses its allocating frame.
# Needs gcc (or another compiler whose -print-file-name=libasan.so names its AddressSanitizer runtime).
set -euo pipefail
cd "$(dirname "$0")/.."

out="build-asan"
node scripts/build-addon.mjs --sanitize --out="$out"
addon="$PWD/$out/Release/llama_steer.node"
cxx="$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$out/CMakeCache.txt")"
libasan="$("${cxx:-gcc}" -print-file-name=libasan.so)"
if [ ! -e "$libasan" ] || [ "$libasan" = "libasan.so" ]; then
  echo "asan-native: ${cxx:-gcc} does not know where libasan.so is; install the compiler's AddressSanitizer runtime" >&2
  exit 1
fi

logs="$out/logs"
rm -rf "$logs"
mkdir -p "$logs"
echo "asan-native: addon $addon, runtime $libasan, logs in $logs" >&2

status=0
LLAMA_STEER_ADDON="$addon" \
  LD_PRELOAD="$libasan" \
  NODE_OPTIONS="--require $PWD/scripts/asan-preload.cjs" \
  LLAMA_STEER_ASAN=1 \
  ASAN_OPTIONS="detect_leaks=1:exitcode=0:abort_on_error=1:log_path=$PWD/$logs/asan:stack_trace_format='#%n %p in %f %S <%m>'" \
  npx vitest run --project native --pool=threads "$@" || status=$?
[ "$status" -eq 0 ] || echo "asan-native: the native tests failed under AddressSanitizer (exit $status)" >&2

node scripts/asan-report.mjs "$logs" scripts/asan-suppressions.txt || status=1
exit "$status"
