#!/usr/bin/env bash
# Unsteered baselines of every reachable model, on the TEST splits, in the formats that fit it.
# Writes results/baseline-<model>-<data>-<format>.json; `node scripts/results-table.mjs FILE` prints a table.
# Usage: bash scripts/first-numbers.sh [THREADS]   (needs `npm run build:ts` first)
# Subsets (every K-th TEST sample of each domain and class) keep the whole set near an hour on 2 CPU cores.
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${1:-$(nproc)}"
run() { # model data format subset
  local out="results/baseline-$1-$2-$3.json"
  echo "== $out (every K=$4 TEST sample)" >&2
  node dist/cli/main.js eval --controller none --model "$1" --data "$2" --format "$3" --subset "$4" --threads "$threads" --out "$out" > /dev/null
}
smol=smollm2-135m-instruct-q4_1
gemma=gemma3-270m-q4km
run "$smol" necessity asa 2
run "$smol" necessity hermes 2
run "$smol" necessity json 4
run "$gemma" necessity asa 8
run "$smol" tool-choice asa 6
run "$smol" within-topic asa 8
