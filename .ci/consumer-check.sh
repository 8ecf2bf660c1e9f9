#!/usr/bin/env bash
# Packs llama-steer, installs the tarball into an empty project, and runs `npx llama-steer doctor` there:
# the addon must build inside the consumer's tree against the node-llama-cpp it installed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$root"
tarball="$(npm pack --silent --pack-destination "$work" 2>/dev/null | tail -n 1)"
mkdir "$work/consumer"
cd "$work/consumer"
npm init -y >/dev/null
npm install --no-audit --no-fund "$work/$tarball" >/dev/null
test -f node_modules/llama-steer/build/Release/llama_steer.node
LLAMA_STEER_CACHE="$work/cache" npx llama-steer doctor --json > doctor.json
node -e '
const r = JSON.parse(require("fs").readFileSync("doctor.json", "utf8"));
const names = r.checks.map((c) => c.name);
for (const n of ["capture_deterministic","inject_exact","inject_rows_only","cvec_equals_hook","zero_strength_identity","batched_equals_unbatched","vector_change_takes_effect"])
  if (!names.includes(n)) { console.error("missing check " + n); process.exit(1); }
if (!r.ok) { console.error("doctor failed in the consumer project"); process.exit(1); }
console.log("consumer check: doctor passed (" + r.checks.length + " checks, backend " + r.backend + ")");
'
