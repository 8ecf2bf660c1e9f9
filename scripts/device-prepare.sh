#!/usr/bin/env bash
# Prepares .device/ (ignored by git) for scripts/device-check.sh, which runs on a GPU machine that has a CUDA
# compiler, CMake and ninja but no Node and no network, and receives only 64 MiB of this tree:
#   .device/node.xz            this machine's Node binary, xz-compressed (made once per Node version)
#   .device/llama-src.tar.xz   the part of node-llama-cpp's bundled llama.cpp a library build needs (~4 MB)
#   .device/dist/              the compiled TypeScript
#   .device/node_modules/      the runtime dependencies of dist/ and the headers the addon compiles against
# Fails when the folder would not fit in the 64 MiB that travels. Then, through the device tool:
#   run(command="bash scripts/device-check.sh", carry=[".device"])
set -euo pipefail
cd "$(dirname "$0")/.."
dev=.device
die() { echo "device-prepare: $*" >&2; exit 1; }
command -v xz >/dev/null || die "xz is needed to compress Node"
mkdir -p "$dev"

node_bin=$(command -v node)
node_ver=$(node --version)
if [ ! -f "$dev/node.xz" ] || [ "$(cat "$dev/node.version" 2>/dev/null)" != "$node_ver" ]; then
  echo "device-prepare: compressing $node_bin ($node_ver; about 2 minutes)"
  xz -T0 -6 -c "$node_bin" > "$dev/node.xz.part"
  mv "$dev/node.xz.part" "$dev/node.xz"
  echo "$node_ver" > "$dev/node.version"
fi

nlc=node_modules/node-llama-cpp
tag=$(node -p "require('./$nlc/llama/llama.cpp.info.json').tag")
if [ "$(cat "$dev/llama-src.tag" 2>/dev/null)" != "$tag" ]; then
  echo "device-prepare: llama.cpp $tag from $nlc/llama/gitRelease.bundle"
  tmp=$(mktemp -d)
  git -C "$tmp" init -q
  git -C "$tmp" fetch -q "$PWD/$nlc/llama/gitRelease.bundle" HEAD
  git -C "$tmp" archive --format=tar FETCH_HEAD CMakeLists.txt cmake ggml src include vendor common LICENSE licenses | xz -T0 -6 > "$dev/llama-src.tar.xz"
  rm -rf "$tmp"
  echo "$tag" > "$dev/llama-src.tag"
fi

echo "device-prepare: TypeScript into $dev/dist"
rm -rf "$dev/dist"
npx tsc -p tsconfig.build.json --outDir "$dev/dist" || die "the TypeScript does not compile"

rm -rf "$dev/node_modules"
for p in ajv fast-deep-equal fast-uri json-schema-traverse require-from-string @huggingface/jinja node-addon-api node-api-headers; do
  [ -d "node_modules/$p" ] || die "node_modules/$p is missing (npm install first)"
  mkdir -p "$dev/node_modules/$(dirname "$p")"
  cp -r "node_modules/$p" "$dev/node_modules/$p"
done
rm -rf "$dev/out"

bytes=$(du -sb "$dev" | cut -f1)
echo "device-prepare: $dev is $((bytes / 1048576)) MiB ($(du -sh "$dev/node.xz" | cut -f1) Node, $(du -sh "$dev/llama-src.tar.xz" | cut -f1) llama.cpp, $(du -sh "$dev/dist" | cut -f1) dist, $(du -sh "$dev/node_modules" | cut -f1) node_modules)"
[ "$bytes" -le $((60 * 1048576)) ] || die "$dev is over the 60 MiB left of the 64 MiB that travels with the tracked tree"
