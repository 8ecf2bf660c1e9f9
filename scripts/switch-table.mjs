#!/usr/bin/env node
// Prints the figures of `llama-steer switch --json` documents for RESULTS.md: successes per method, arguments that
// follow the target's schema, the exact sign test of each direction against the random control (prompts one
// switched and the other did not), targets sharing their first token with another tool, readout by gap bucket.
// `llama-steer correct --json` documents get their own lines: name accuracy and exact calls per arm, the paired
// counts, and the gap buckets.
//   node scripts/switch-table.mjs results/switch-….json results/correct-….json [...]
import { readFileSync } from "node:fs";
function binom2(k, n) { // two-sided exact sign test p for k of n discordant in one direction
  if (n === 0) return 1;
  const lf = (x) => { let s = 0; for (let i = 2; i <= x; i++) s += Math.log(i); return s; };
  const pmf = (i) => Math.exp(lf(n) - lf(i) - lf(n - i) - n * Math.log(2));
  const m = Math.min(k, n - k); let p = 0; for (let i = 0; i <= m; i++) p += pmf(i);
  return Math.min(1, 2 * p);
}
for (const f of process.argv.slice(2)) {
  const r = JSON.parse(readFileSync(f, "utf8"));
  if (r.arms) { printCorrection(f, r); continue; }
  const o = r.outcomes;
  const sw = (m) => o.filter((x) => x.attempts[m].switched).length;
  const args = (m) => o.filter((x) => x.attempts[m].switched && x.attempts[m].args_ok).length;
  const vs = (m) => { const a = o.filter((x) => x.attempts[m].switched && !x.attempts.random.switched).length; const b = o.filter((x) => !x.attempts[m].switched && x.attempts.random.switched).length; return `${a}/${b} p=${binom2(a, a + b).toExponential(2)}`; };
  const base = o.filter((x) => x.baseline === x.expected).length;
  const already = o.filter((x) => x.baseline === x.target).length;
  console.log(f, `n=${r.n} layer=${r.layer} α=${r.alpha} max=${r.max_tokens} base_expected=${base} (${(base / r.n).toFixed(3)}) already_target=${already}`);
  for (const m of ["mean-diff", "unembed", "random"]) console.log(`  ${m}: ${sw(m)}/${r.n} (${(sw(m) / r.n).toFixed(3)}) args_ok ${args(m)}/${sw(m)}`);
  console.log(`  vs random (better/worse): mean-diff ${vs("mean-diff")}, unembed ${vs("unembed")}`);
  const sharedSw = (m) => o.filter((x) => x.target_first_token_shared && x.attempts[m].switched).length;
  console.log(`  first token shared: ${o.filter((x) => x.target_first_token_shared).length}; switched among them md ${sharedSw("mean-diff")} un ${sharedSw("unembed")}`);
  if (r.readout) console.log(`  readout acc ${r.readout.accuracy.toFixed(3)} buckets ${r.readout.gap_buckets.map((b) => `${b.error_rate.toFixed(3)}(n${b.n})`).join(" ")}`);
}

function printCorrection(f, r) {
  const gap = r.min_gap_selection ? ` (chosen on ${r.min_gap_selection.split}: n=${r.min_gap_selection.n}, ${r.min_gap_selection.fixed} fixed / ${r.min_gap_selection.broken} broken)` : "";
  console.log(f, `n=${r.n} layer=${r.layer} α=${r.alpha} min_gap=${r.min_gap.toFixed(3)}${gap} disagreements=${r.disagreements} steered=${r.steered}`);
  const arm = (a) => `names ${a.name_accuracy.toFixed(3)} exact ${a.exact_rate.toFixed(3)}`;
  for (const [name, a] of Object.entries(r.arms)) console.log(`  ${name}: ${arm(a)}`);
  for (const [name, p] of Object.entries(r.paired)) console.log(`  ${name} vs baseline: ${p.fixed} fixed / ${p.broken} broken, p=${p.p_value.toPrecision(2)}`);
  // Corrected against the random direction, sample by sample: right names one arm gets and the other misses (sign test).
  const right = (x, arm) => x.names[arm] === x.expected;
  const won = r.outcomes.filter((x) => right(x, "corrected") && !right(x, "random")).length;
  const lost = r.outcomes.filter((x) => !right(x, "corrected") && right(x, "random")).length;
  console.log(`  corrected vs random: ${won} better / ${lost} worse, p=${binom2(won, won + lost).toPrecision(2)}`);
  for (const b of r.gap_buckets) console.log(`  gap ${b.low.toFixed(3)}–${b.high.toFixed(3)} n${b.n} steered ${b.steered}: ${Object.entries(b.arms).map(([k, a]) => `${k} ${a.name_accuracy.toFixed(2)}`).join(", ")}`);
}
