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

# ASA in the ASA format: the asset from every 2nd CAL/TRAIN/VAL sample (α, τ and the gate chosen on VAL by MCC),
# then TEST with the random-direction control, the paired tests and the logit check, on subsets that nest (every
# 4th sample, then every 2nd, which holds the first: the journal decodes only the other half, ...).
# asa_runs MODEL TAG FORMAT SUBSET...
asa_runs() {
  local model="$1" tag="$2" format="$3" k; shift 3
  step "results/build-asa-$tag-necessity-$format.json" "build-asa-$tag-necessity-$format" \
    build --model "$model" --controller asa --format "$format" --subset 2 --alpha 4,8,16 --select mcc \
    --journal "results/journals/$tag-necessity-$format-val.jsonl" --out "results/assets/asa-$tag-necessity-$format.json"
  for k in "$@"; do
    step "results/eval-asa-$tag-necessity-$format-s$k.json" "eval-asa-$tag-necessity-$format-s$k" \
      eval --model "$model" --asset "results/assets/asa-$tag-necessity-$format.json" --format "$format" --subset "$k" --ablation random_direction \
      --journal "results/journals/$tag-necessity-$format.jsonl" --report "results/eval-asa-$tag-necessity-$format-s$k.html"
  done
}
asa15() { asa_runs "$q15" q15 asa 4 2 1; }
# The same in the model's own chat template (its system prompt lists the tools; the 1.5B answers with ```json
# fenced calls there): an asset of its own, every 4th TEST sample.
asa15ct() { asa_runs "$q15" q15 chat-template 4; }
# The model's own chat template (what `serve` renders by default) steered with the asset built in the ASA format,
# nothing refitted: does the direction and the probe carry over to the other prompt? TEST every 4th sample, then
# every 2nd and all of it (nested: each decodes only what the journal does not hold).
transfer15() {
  local k
  for k in 4 2 1; do
    step "results/eval-asa-q15-necessity-chat-template-s$k.json" "eval-asa-q15-necessity-chat-template-s$k" \
      eval --model "$q15" --asset results/assets/asa-q15-necessity-asa.json --format chat-template --subset "$k" --ablation random_direction \
      --journal results/journals/q15-necessity-chat-template.jsonl --report "results/eval-asa-q15-necessity-chat-template-s$k.html"
  done
}

# The logit check again on the 1.5B's full TEST runs, now that it also reads the token the model's own calls open
# with (```json fences in the chat template, not the <tool_call> marker) and the controller's own α (8) next to the
# paper's 0.25 and 1: every generation comes from the journals, only rows and the check are computed.
logit15() {
  local format
  for format in asa chat-template; do
    step "results/eval-asa-q15-necessity-$format-s1-logit.json" "eval-asa-q15-necessity-$format-s1-logit" \
      eval --model "$q15" --asset results/assets/asa-q15-necessity-asa.json --format "$format" --ablation random_direction \
      --journal "results/journals/q15-necessity-$format.jsonl"
  done
}

# Where tool intent is readable, per layer (probe AUC on TRAIN, 5-fold CV, shuffled-label control), in the ASA
# format and in the model's own chat template, every 2nd TRAIN sample (n = 304). sweeps MODEL TAG
sweeps() {
  local format
  for format in asa chat-template; do
    step "results/sweep-$2-necessity-$format-s2.json" "sweep-$2-necessity-$format-s2" sweep --model "$1" --format "$format" --subset 2
  done
}
sweep15() { sweeps "$q15" q15; }
sweep05() { sweeps "$q05" q05; }

# Every ablation of eval on the 1.5B's TEST, every 4th sample (n = 152): prompt-only variants, no gate, random
# direction, global-only and domain-only MoV, oracle and mismatched router, injection over the whole prompt, and
# the logit check. The baseline, ASA and random replies come from the asa15 journal.
ablate15() {
  step results/eval-asa-q15-necessity-asa-s4-ablations.json eval-asa-q15-necessity-asa-s4-ablations \
    eval --model "$q15" --asset results/assets/asa-q15-necessity-asa.json --format asa --subset 4 --ablations \
    --journal results/journals/q15-necessity-asa.jsonl --report results/eval-asa-q15-necessity-asa-s4-ablations.html
}
# Injection positions and direction chosen on VAL on the 1.5B (ASA format), as `build --positions --vectors` does for
# any user: the asa15 asset's fitted parts (layer 11, vectors from every 2nd CAL sample, probes from every 2nd TRAIN
# sample), α 16 and the negative gate as asa15 chose them, τ from the grid; the last prompt token or every prompt token,
# times the domain mixture or the global vector alone, judged on every 4th VAL sample (n = 100: injection over the
# whole prompt costs a full prefill per steered prompt). Then TEST every 4th sample (n = 152) with the chosen variant,
# the random direction at the same positions, and the other position and direction (from the ablations' journal).
variants15() {
  step results/build-asa-q15-necessity-asa-variants.json build-asa-q15-necessity-asa-variants \
    build --model "$q15" --controller asa --format asa --subset 2 --val-subset 2 --layer 11 --alpha 16 --gate negative --positions last-prompt,prompt --vectors mov,global --select mcc \
    --journal results/journals/q15-necessity-asa-val.jsonl --out results/assets/asa-q15-necessity-asa-variants.json
  step results/eval-asa-q15-necessity-asa-variants-s4.json eval-asa-q15-necessity-asa-variants-s4 \
    eval --model "$q15" --asset results/assets/asa-q15-necessity-asa-variants.json --format asa --subset 4 --ablation random_direction,mov,last_prompt \
    --journal results/journals/q15-necessity-asa.jsonl --report results/eval-asa-q15-necessity-asa-variants-s4.html
  # The same build with --random-control: could VAL have seen that the random direction matches the chosen point?
  # Every selection reply comes from the journal; only the random direction's VAL replies are decoded.
  step results/build-asa-q15-necessity-asa-variants-random.json build-asa-q15-necessity-asa-variants-random \
    build --model "$q15" --controller asa --format asa --subset 2 --val-subset 2 --layer 11 --alpha 16 --gate negative --positions last-prompt,prompt --vectors mov,global --select mcc \
    --random-control --journal results/journals/q15-necessity-asa-val.jsonl --out results/assets/asa-q15-necessity-asa-variants-random.json
}

# The 0.5B (the paper's ASA fails there): every 4th TEST sample, then every 2nd and all of it.
asa05() { asa_runs "$q05" q05 asa 4 2 1; }
# The 0.5B in its own template, where it names an offered tool far more often (70 % of calls vs 6 % in the ASA format).
asa05ct() { asa_runs "$q05" q05 chat-template 4 2 1; }

# α in residual units on the 1.5B (ASA format): the grid {0.5, 1, 2, 4} counts multiples of the residual's mean norm
# at the chosen layer (the raw grid 4, 8, 16 is about 1.2, 2.4 and 4.8 of them), chosen on VAL by MCC, every 2nd
# sample of each split as in asa15; the gate and τ fixed to what asa15 chose (negative, 0.7: τ from 0.5 to 0.8 gave
# identical points there) to keep the build short; then TEST every 4th sample.
residual15() {
  step results/build-asa-q15-necessity-asa-residual.json build-asa-q15-necessity-asa-residual \
    build --model "$q15" --controller asa --format asa --subset 2 --alpha 0.5,1,2,4 --gate negative --tau 0.7 --alpha-unit residual --select mcc \
    --journal results/journals/q15-necessity-asa-residual-val.jsonl --out results/assets/asa-q15-necessity-asa-residual.json
  step results/eval-asa-q15-necessity-asa-residual-s4.json eval-asa-q15-necessity-asa-residual-s4 \
    eval --model "$q15" --asset results/assets/asa-q15-necessity-asa-residual.json --format asa --subset 4 --ablation random_direction \
    --journal results/journals/q15-necessity-asa.jsonl --report results/eval-asa-q15-necessity-asa-residual-s4.html
}

# The layer chosen on VAL (`--val-layers`) on the 0.5B in its own template: an asset at each of layers 6, 10, 14,
# 18 and 22 (vectors CAL, probes TRAIN, every 2nd sample as in asa05ct), α ∈ {2, 4, 8} chosen with the layer by MCC
# on VAL; τ 0.5 and the negative gate fixed to what asa05ct chose (to keep it to 15 VAL points), then TEST every
# 4th sample with the random-direction control when the layer differs from asa05ct's (18).
layers05() {
  local layer
  step results/build-asa-q05-necessity-chat-template-layers.json build-asa-q05-necessity-chat-template-layers \
    build --model "$q05" --controller asa --format chat-template --subset 2 --val-layers 6,10,14,18,22 --alpha 2,4,8 --tau 0.5 --gate negative --select mcc \
    --journal results/journals/q05-necessity-chat-template-val.jsonl --out results/assets/asa-q05-necessity-chat-template-layers.json
  layer=$(node -e 'process.stdout.write(String(JSON.parse(require("fs").readFileSync("results/assets/asa-q05-necessity-chat-template-layers.json", "utf8")).layer))')
  echo "== layer chosen on VAL (0.5B, chat template): $layer" >&2
  [ "$layer" = 18 ] && return
  step results/eval-asa-q05-necessity-chat-template-layers-s4.json eval-asa-q05-necessity-chat-template-layers-s4 \
    eval --model "$q05" --asset results/assets/asa-q05-necessity-chat-template-layers.json --format chat-template --subset 4 --ablation random_direction \
    --journal results/journals/q05-necessity-chat-template.jsonl --report results/eval-asa-q05-necessity-chat-template-layers-s4.html
}

# Tool switching on the 1.5B (ASA format, middle layer, names kept on the menu by a grammar): α ∈ {1, 4, 16} chosen on
# tool-choice VAL (every 4th sample, n = 41; --subset also takes every 4th CAL sample for the means there, 45) by
# the mean-diff success rate (the name alone decides it, so VAL replies stop after 12 tokens), then TEST: tool-choice every 2nd sample
# (n = 126), within-topic TEST and TRAIN (n = 182; switching fits nothing on TRAIN, the means come from CAL).
# Readout-guided correction on the same prompts: its unsteered calls are the switch baseline's (one journal). The
# first runs kept the whole steered reply (--steer-span reply, the only span then); correction and the *-name runs
# keep only the steered tool name and let the unsteered model write the arguments.
# switch_alpha MODEL TAG: runs the VAL switches at α 1, 4 and 16 and prints the α with the best mean-diff success
# rate (ties to the smaller α).
switch_alpha() {
  local model="$1" tag="$2" a
  for a in 1 4 16; do
    step "results/switch-$tag-tool-choice-val-a$a.json" "switch-$tag-tool-choice-val-a$a" \
      switch --model "$model" --data tool-choice --split val --subset 4 --alpha "$a" --max-tokens 12 --steer-span reply --journal "results/journals/$tag-switch.jsonl"
  done
  node -e '
    const fs = require("fs");
    const runs = [1, 4, 16].map((a) => ({ a, r: JSON.parse(fs.readFileSync(`results/switch-${process.argv[1]}-tool-choice-val-a${a}.json`, "utf8")).success_rate }));
    runs.sort((x, y) => y.r - x.r || x.a - y.a);
    process.stdout.write(String(runs[0].a));' "$tag"
}
switch15() {
  local best
  best=$(switch_alpha "$q15" q15)
  echo "== switch α chosen on VAL: $best" >&2
  step results/switch-q15-tool-choice-test.json switch-q15-tool-choice-test \
    switch --model "$q15" --data tool-choice --split test --subset 2 --alpha "$best" --steer-span reply --journal results/journals/q15-switch.jsonl
  step results/switch-q15-within-topic.json switch-q15-within-topic \
    switch --model "$q15" --data within-topic --split test,train --alpha "$best" --steer-span reply --journal results/journals/q15-switch-within.jsonl
  step results/correct-q15-tool-choice-test.json correct-q15-tool-choice-test \
    correct --model "$q15" --data tool-choice --split test --subset 2 --alpha "$best" --steer-span name --journal results/journals/q15-switch.jsonl
  step results/correct-q15-within-topic.json correct-q15-within-topic \
    correct --model "$q15" --data within-topic --split test,train --alpha "$best" --steer-span name --journal results/journals/q15-switch-within.jsonl
  # The same switches with the name span: the steered replies come from the journals, only the arguments written
  # by the unsteered model after each switched name are decoded.
  step results/switch-q15-tool-choice-test-name.json switch-q15-tool-choice-test-name \
    switch --model "$q15" --data tool-choice --split test --subset 2 --alpha "$best" --steer-span name --journal results/journals/q15-switch.jsonl
  step results/switch-q15-within-topic-name.json switch-q15-within-topic-name \
    switch --model "$q15" --data within-topic --split test,train --alpha "$best" --steer-span name --journal results/journals/q15-switch-within.jsonl
  # Correction from a readout gap chosen on VAL (every disagreement corrected there first).
  step results/correct-q15-within-topic-auto.json correct-q15-within-topic-auto \
    correct --model "$q15" --data within-topic --split test,train --alpha "$best" --min-gap auto --journal results/journals/q15-switch-within.jsonl
  step results/correct-q15-tool-choice-test-auto.json correct-q15-tool-choice-test-auto \
    correct --model "$q15" --data tool-choice --split test --subset 2 --alpha "$best" --min-gap auto --journal results/journals/q15-switch.jsonl
}

# Tool switching on the 0.5B, the same protocol as switch15 with the name span (the default): α from {1, 4, 16} on
# tool-choice VAL by the mean-diff success rate, then tool-choice TEST every 2nd sample and within-topic TEST + TRAIN.
switch05() {
  local best
  best=$(switch_alpha "$q05" q05)
  echo "== switch α chosen on VAL (0.5B): $best" >&2
  step results/switch-q05-tool-choice-test.json switch-q05-tool-choice-test \
    switch --model "$q05" --data tool-choice --split test --subset 2 --alpha "$best" --journal results/journals/q05-switch.jsonl
  step results/switch-q05-within-topic.json switch-q05-within-topic \
    switch --model "$q05" --data within-topic --split test,train --alpha "$best" --journal results/journals/q05-switch-within.jsonl
}

# Readout-guided correction on the 0.5B, where the readout is far better than the model at naming the tool (94 %
# against 12 % on necessity in the ASA format): every disagreement corrected, then only above the gap chosen on
# VAL; the unsteered calls come from switch05's journals (run switch05 first: its α is reused).
correct05() {
  local best
  best=$(switch_alpha "$q05" q05)
  step results/correct-q05-tool-choice-test.json correct-q05-tool-choice-test \
    correct --model "$q05" --data tool-choice --split test --subset 2 --alpha "$best" --journal results/journals/q05-switch.jsonl
  step results/correct-q05-within-topic.json correct-q05-within-topic \
    correct --model "$q05" --data within-topic --split test,train --alpha "$best" --journal results/journals/q05-switch-within.jsonl
  step results/correct-q05-tool-choice-test-auto.json correct-q05-tool-choice-test-auto \
    correct --model "$q05" --data tool-choice --split test --subset 2 --alpha "$best" --min-gap auto --journal results/journals/q05-switch.jsonl
  step results/correct-q05-within-topic-auto.json correct-q05-within-topic-auto \
    correct --model "$q05" --data within-topic --split test,train --alpha "$best" --min-gap auto --journal results/journals/q05-switch-within.jsonl
}

# Unsteered tool-choice and within-topic TEST on the 1.5B in the ASA format: which tool it names and whether the
# argument values match (args_match_acc, exact_success), every 2nd sample.
values15() {
  local data
  for data in tool-choice within-topic; do
    step "results/baseline-q15-$data-asa-s2.json" "baseline-q15-$data-asa-s2" \
      eval --model "$q15" --data "$data" --controller none --format asa --subset 2 --journal "results/journals/q15-$data-asa.jsonl"
  done
  imported15
}

# Benchmark-shaped data the project did not write its asset on (the importers' fixtures: BFCL v4 and When2Call
# shapes, dotted tool names), evaluated unchanged on the 1.5B with the asset shipped for it: every sample, no
# fitting (--split all needs an asset from other data).
imported15() {
  local kind
  mkdir -p results/imported
  node dist/cli/main.js data --import bfcl test/fixtures/import/BFCL_v4_sample.json --answers test/fixtures/import/BFCL_v4_sample_answers.json --out results/imported/bfcl-sample.jsonl
  node dist/cli/main.js data --import when2call test/fixtures/import/when2call_sample.jsonl --out results/imported/when2call-sample.jsonl
  for kind in bfcl when2call; do
    step "results/eval-q15-imported-$kind.json" "eval-q15-imported-$kind" \
      eval --model "$q15" --data "results/imported/$kind-sample.jsonl" --split all --asset models/assets/qwen2.5-coder-1.5b-instruct-q4km.asa.json --format asa
  done
}

steps=("$@")
[ ${#steps[@]} -gt 0 ] || steps=(asa15 switch15 values15 asa05 transfer15 sweep15 sweep05 asa05ct logit15 switch05 correct05 ablate15 variants15 layers05 residual15 asa15ct)
for s in "${steps[@]}"; do "$s"; done
