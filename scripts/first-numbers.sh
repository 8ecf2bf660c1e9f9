#!/usr/bin/env bash
# Unsteered baselines of every reachable model, on the TEST splits, in every format that fits it.
# Writes results/baseline-<model>-<data>-<format>.json; `node scripts/results-table.mjs FILE` prints a table.
# Usage: bash scripts/first-numbers.sh [THREADS]   (needs `npm run build:ts` first)
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${1:-$(nproc)}"
run() { # model data format subset
  local out="results/baseline-$1-$2-$3.json"
  echo "== $out (every $4th TEST sample)" >&2
  node dist/cli/main.js eval --controller none --model "$1" --data "$2" --format "$3" --subset "$4" --threads "$threads" --out "$out" > /dev/null
}
smol=smollm2-135m-instruct-q4_1
gemma=gemma3-270m-q4km
for f in asa hermes json; do run "$smol" necessity "$f" 2; done
for f in asa hermes; do run "$smol" tool-choice "$f" 2; done
run "$smol" within-topic asa 1
for f in asa json; do run "$gemma" necessity "$f" 4; done
run "$gemma" tool-choice asa 4
