#!/usr/bin/env bash
# The steering runs on the Qwen2.5-Coder models, in the order they matter. Every generation goes to a journal in
# results/journals/, so the script can be stopped at any point and started again: a rerun decodes only what is
# missing, and a finished step (its result file exists) is skipped. Wall times go to results/qwen-runs-times.jsonl.
# Usage: bash scripts/qwen-runs.sh [STEP...]   (needs `npm run build:ts` first; default: every step in order)
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p results/journals results/assets
q15=qwen2.5-coder-1.5b-instruct-q4km
q05=qwen2.5-coder-0.5b-instruct-q4km
step() { # RESULT_FILE NAME COMMAND...: runs COMMAND unless RESULT_FILE exists; COMMAND's stdout becomes RESULT_FILE
  local result="$1" name="$2"; shift 2
  if [ -e "$result" ]; then echo "== $name: done already ($result)" >&2; return; fi
  echo "== $name: $*" >&2
  local start; start=$(date +%s)
  node dist/cli/main.js "$@" --json > "$result.partial"
  mv "$result.partial" "$result"
  echo "{\"step\":\"$name\",\"wall_s\":$(( $(date +%s) - start )),\"finished\":\"$(date -u +%FT%TZ)\"}" >> results/qwen-runs-times.jsonl
}

# ASA on the 1.5B in the ASA format: the asset from every 2nd CAL/TRAIN/VAL sample (α, τ and the gate chosen on VAL
# by MCC), then TEST with the random-direction control, the paired tests and the logit check: every 4th sample
# (n = 150), then every 2nd (n = 300, which holds the first 150: the journal decodes only the other half), then all.
asa15() {
  step results/build-asa-q15-necessity-asa.json build-asa-q15-necessity-asa \
    build --model "$q15" --controller asa --format asa --subset 2 --alpha 4,8,16 --select mcc \
    --journal results/journals/q15-necessity-asa-val.jsonl --out results/assets/asa-q15-necessity-asa.json
  for k in 4 2 1; do
    step "results/eval-asa-q15-necessity-asa-s$k.json" "eval-asa-q15-necessity-asa-s$k" \
      eval --model "$q15" --asset results/assets/asa-q15-necessity-asa.json --format asa --subset "$k" --ablation random_direction \
      --journal results/journals/q15-necessity-asa.jsonl --report "results/eval-asa-q15-necessity-asa-s$k.html"
  done
}

steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(asa15)
for s in "${steps[@]}"; do "$s"; done
