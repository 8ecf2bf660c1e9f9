#!/usr/bin/env bash
# The GPU check, for a machine with an NVIDIA GPU, nvcc, CMake and ninja, and neither Node nor network.
# Prepare here with scripts/device-prepare.sh, then run there with .device/ carried:
#   bash scripts/device-check.sh
# Steps, each logged to $OUT/device-check.log (figures and logs land in $OUT, or .device/out without one):
#   1. Node from .device/node.xz
#   2. llama.cpp with CUDA from .device/llama-src.tar.xz: shared libraries, the backends linked in
#   3. the addon against those libraries (plain CMake, the project's CMakeLists.txt and native/addon.json)
#   4. the gate: a GPU device must be registered, or the script stops with one line and exit code 1
#   5. doctor with every layer offloaded (all seven invariants, exactness on the device) -> doctor.json
#   6. the capture and steering bench keys, every layer offloaded, on a synthetic model -> bench.json
# Environment:
#   DEVICE_CHECK_DIR           the prepared folder (default .device)
#   DEVICE_CHECK_SKIP_BUILD=1  skip steps 1-3: use the node on PATH, $LLAMA_STEER_ADDON (else build/Release) and
#                              $DEVICE_CHECK_DIST (else dist/, else .device/dist); how the gate's refusal is tested on a machine without a GPU
#   DEVICE_CHECK_CUDA=0        build llama.cpp without CUDA (no nvcc needed): a rehearsal of steps 1-4 on a machine
#                              without a GPU, which must then stop at the gate
#   DEVICE_CHECK_CUDA_ARCH     CMAKE_CUDA_ARCHITECTURES (default "native": the card present)
#   DEVICE_CHECK_JOBS          parallel compile jobs (default: all cores)
#   DEVICE_CHECK_REPS          bench repetitions (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
dev=${DEVICE_CHECK_DIR:-$root/.device}
out=${OUT:-$dev/out}
work=${DEVICE_CHECK_WORK:-${TMPDIR:-/tmp}/llama-steer-device}
mkdir -p "$out" "$work"
log=$out/device-check.log
: > "$log"
started=$(date +%s)

say() { echo "device-check: $*" | tee -a "$log" >&2; }
die() {
  echo "device-check: FAIL: $*" | tee -a "$log" >&2
  echo "FAIL: $*" > "$out/result.txt"
  exit 1
}
# Runs a step with its output in $out/<name>.log; on failure, the log's tail and one line.
step() {
  local name=$1; shift
  local t0=$(date +%s)
  if ! "$@" > "$out/$name.log" 2>&1; then
    tail -n 30 "$out/$name.log" >&2
    die "$name failed (see $name.log)"
  fi
  say "$name: $(( $(date +%s) - t0 )) s"
}

if [ "${DEVICE_CHECK_SKIP_BUILD:-0}" = 1 ]; then
  command -v node >/dev/null || die "DEVICE_CHECK_SKIP_BUILD=1 needs node on PATH"
  node_bin=$(command -v node)
  addon=${LLAMA_STEER_ADDON:-$root/build/Release/llama_steer.node}
  dist=${DEVICE_CHECK_DIST:-$root/dist}
  [ -f "$dist/cli/main.js" ] || dist=$dev/dist
else
  for f in node.xz llama-src.tar.xz dist/cli/main.js node_modules/node-addon-api/napi.h; do
    [ -e "$dev/$f" ] || die ".device/$f is missing: run scripts/device-prepare.sh on a machine with Node and carry .device"
  done
  cuda=${DEVICE_CHECK_CUDA:-1}
  for tool in cmake ninja xz $([ "$cuda" = 1 ] && echo nvcc); do command -v $tool >/dev/null || die "$tool is not on PATH"; done
  jobs=${DEVICE_CHECK_JOBS:-$(nproc)}
  dist=$dev/dist

  say "1. Node"
  mkdir -p "$work/bin"
  xz -dc "$dev/node.xz" > "$work/bin/node"
  chmod +x "$work/bin/node"
  node_bin=$work/bin/node
  "$node_bin" --version >> "$log" || die "the carried Node does not run here"

  say "2. llama.cpp $(cat "$dev/llama-src.tag")$([ "$cuda" = 1 ] && echo " with CUDA" || echo ", CPU only (rehearsal)")"
  rm -rf "$work/llama.cpp"
  mkdir -p "$work/llama.cpp"
  tar -xJf "$dev/llama-src.tar.xz" -C "$work/llama.cpp"
  step llama-configure cmake -S "$work/llama.cpp" -B "$work/llama-build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DBUILD_SHARED_LIBS=ON -DGGML_CUDA=$([ "$cuda" = 1 ] && echo ON || echo OFF) -DCMAKE_CUDA_ARCHITECTURES="${DEVICE_CHECK_CUDA_ARCH:-native}" -DGGML_NATIVE=ON \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF \
    -DLLAMA_BUILD_COMMON=OFF -DLLAMA_BUILD_APP=OFF -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF
  step llama-build cmake --build "$work/llama-build" --target llama -j "$jobs"
  lib=$work/llama-build/bin  # llama.cpp's CMakeLists puts every library there
  [ -f "$lib/libllama.so" ] || die "no libllama.so in $lib after the build"

  say "3. the addon"
  step addon-configure cmake -S "$root" -B "$work/addon-build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DNODE_ADDON_API_DIR="$dev/node_modules/node-addon-api" -DCMAKE_JS_INC="$dev/node_modules/node-api-headers/include" \
    -DLLAMA_INCLUDE_DIRS="$work/llama.cpp/include;$work/llama.cpp/ggml/include" \
    -DLLAMA_LIBRARIES="$lib/libllama.so;$lib/libggml.so;$lib/libggml-base.so" -DLLAMA_RUNPATH="$lib"
  step addon-build cmake --build "$work/addon-build" -j "$jobs"
  addon=$(find "$work/addon-build" -name llama_steer.node | head -n 1)
  [ -n "$addon" ] || die "no llama_steer.node after the addon build"
fi

export LLAMA_STEER_ADDON=$addon
export NODE_LLAMA_CPP_GPU=${NODE_LLAMA_CPP_GPU:-auto}
cli() { "$node_bin" "$dist/cli/main.js" "$@"; }
# An expression over a JSON file's document `d`, through Node (present by now).
field() { "$node_bin" -e 'const d = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(new Function("d", "return " + process.argv[2])(d))' "$1" "$2"; }

say "4. gate: a GPU backend must load"
cli info --json > "$out/info.json" 2> "$out/info.log" || die "llama-steer info failed: $(tail -n 1 "$out/info.log")"
gpus=$(field "$out/info.json" 'd.devices.filter((x) => x.type === "gpu" || x.type === "igpu").map((x) => x.name + " " + x.description).join(", ")')
if [ -z "$gpus" ]; then
  devices=$(field "$out/info.json" 'd.devices.map((x) => x.type + ":" + x.name).join(", ")')
  reason=$(field "$out/info.json" '(d.backends && d.backends.fallbackReason) || "no GPU backend in these binaries"')
  die "no GPU backend loaded (devices: $devices; $reason)"
fi
say "GPU: $gpus"
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader > "$out/card.txt" 2>/dev/null || true

say "5. doctor, every layer offloaded"
cli doctor --gpu-layers all --json > "$out/doctor.json" 2> "$out/doctor.log" || die "doctor failed on the GPU: $(grep -m1 FAIL "$out/doctor.log" || tail -n 1 "$out/doctor.log")"
[ "$(field "$out/doctor.json" 'd.ok && d.gpu !== null')" = true ] || die "doctor ran without the GPU: $(field "$out/doctor.json" 'd.backend')"

say "6. capture and steering bench keys, every layer offloaded"
model=$("$node_bin" --input-type=module -e "const { syntheticModelPath } = await import('$dist/synthetic/index.js'); console.log(await syntheticModelPath('llama'))")
keys=capture_vs_prefill,all_layers_capture_vs_prefill,capture_vs_prefill_full_graph,all_layers_capture_vs_prefill_full_graph,steered_decode_vs_plain,per_sequence_steering_vs_plain,capture_batched_vs_sequential
cli bench --model "$model" --gpu-layers all --only "$keys" --reps "${DEVICE_CHECK_REPS:-3}" --json > "$out/bench.json" 2> "$out/bench.log" || die "bench failed: $(tail -n 1 "$out/bench.log")"

echo "OK: $gpus; doctor passed with every layer offloaded; bench keys in bench.json; $(( $(date +%s) - started )) s" | tee "$out/result.txt" | tee -a "$log"
