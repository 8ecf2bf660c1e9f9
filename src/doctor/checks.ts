/**
 * The invariants that prove an install really steers: each check runs the engine on a model and
 * measures how far reality is from what must hold. `llama-steer doctor` and the native tests share them.
 */
import type { SteerContext } from "../engine/context.js";
import type { SteerModel } from "../engine/model.js";
import { maxAbsDiff, maxRelDiff, rowOf, seededVector } from "../util/arrays.js";

export interface CheckResult {
  name: string;
  ok: boolean;
  max_abs_diff?: number;
  detail?: string;
}

export const DOCTOR_PROMPTS = ["The weather today is", "Please compute 17 times 23 for me.", "Hi", "Translate 'good morning' into French and Spanish."];

/** Layer used for injections: mid-network, never the first or last block when the model has room. */
export function probeLayer(nLayer: number): number {
  return Math.max(1, Math.min(nLayer - 2, Math.floor(nLayer / 2)));
}

/** The vector injected by the checks: a seeded direction about as large as a typical residual row. */
export async function probeVector(ctx: SteerContext, layer: number): Promise<Float32Array> {
  const base = await ctx.capture(DOCTOR_PROMPTS.slice(0, 1), { layers: [layer], positions: "last" });
  const row = base.prompts[0].layers.get(layer)!;
  const norm = Math.sqrt(row.reduce((s, x) => s + x * x, 0));
  const v = seededVector(row.length, 1234);
  const vnorm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => (x / vnorm) * Math.max(norm, 1));
}

export async function checkCaptureDeterministic(ctx: SteerContext): Promise<CheckResult> {
  const a = await ctx.capture(DOCTOR_PROMPTS, { layers: "all", positions: "all" });
  const b = await ctx.capture(DOCTOR_PROMPTS, { layers: "all", positions: "all" });
  let diff = 0;
  a.prompts.forEach((p, i) => p.layers.forEach((rows, layer) => (diff = Math.max(diff, maxAbsDiff(rows, b.prompts[i].layers.get(layer)!)))));
  // Reading the residual stream must not change what the model predicts.
  const plain = await ctx.evaluate(DOCTOR_PROMPTS, { topK: 0 });
  const withCapture = await ctx.evaluate(DOCTOR_PROMPTS, { topK: 0, capture: { layers: "all", positions: "all" } });
  const logitDiff = Math.max(...plain.map((r, i) => maxAbsDiff(r.logits, withCapture[i].logits)));
  return { name: "capture_deterministic", ok: diff === 0 && logitDiff === 0, max_abs_diff: Math.max(diff, logitDiff), detail: `captures differ by ${diff}, logits with/without capture by ${logitDiff}` };
}

/**
 * Adds v at `layer` to token `row` of the first prompt only and compares every captured layer with the
 * unsteered capture: layer `layer` must move by exactly v on that row (float rounding aside) and nowhere else,
 * and the layers below must not move at all.
 */
export async function checkInjection(ctx: SteerContext, vector: Float32Array, layer: number, row = 1): Promise<CheckResult[]> {
  const nEmbd = vector.length;
  const layers = Array.from({ length: layer + 1 }, (_, i) => i);
  const base = await ctx.capture(DOCTOR_PROMPTS, { layers, positions: "all" });
  const steered = await ctx.capture(DOCTOR_PROMPTS, { layers, positions: "all", steer: [{ layer, vector, positions: { ranges: [[row, row + 1]] } }] });
  let exact = 0;
  let others = 0;
  let below = 0;
  steered.prompts.forEach((p, pi) => {
    for (const l of layers) {
      const s = p.layers.get(l)!;
      const b = base.prompts[pi].layers.get(l)!;
      for (let r = 0; r < p.indices.length; r++) {
        const sr = rowOf(s, r, nEmbd);
        const br = rowOf(b, r, nEmbd);
        if (l < layer) below = Math.max(below, maxAbsDiff(sr, br));
        else if (p.indices[r] === row) exact = Math.max(exact, maxAbsDiff(sr, br.map((x, k) => x + vector[k])));
        else others = Math.max(others, maxAbsDiff(sr, br));
      }
    }
  });
  const scale = Math.max(...vector.map(Math.abs), 1);
  return [
    { name: "inject_exact", ok: exact <= 1e-5 * scale, max_abs_diff: exact, detail: `layer ${layer}, row ${row}: steered - (unsteered + v)` },
    { name: "inject_rows_only", ok: others === 0 && below === 0, max_abs_diff: Math.max(others, below), detail: `other rows moved by ${others}, layers below by ${below}` },
  ];
}

export async function checkControlVectorEqualsHook(ctx: SteerContext, vector: Float32Array, layer: number): Promise<CheckResult> {
  const viaHook = await ctx.evaluate(DOCTOR_PROMPTS, { topK: 0, steer: [{ layer, vector }] });
  await ctx.setControlVector(new Map([[layer, vector]]));
  let viaCvec;
  try {
    viaCvec = await ctx.evaluate(DOCTOR_PROMPTS, { topK: 0 });
  } finally {
    await ctx.setControlVector(null);
  }
  const diff = Math.max(...viaHook.map((r, i) => maxAbsDiff(r.logits, viaCvec[i].logits)));
  return { name: "cvec_equals_hook", ok: diff <= 1e-4, max_abs_diff: diff, detail: `logits, llama_set_adapter_cvec vs callback at layer ${layer}` };
}

export async function checkZeroStrengthIdentity(ctx: SteerContext, vector: Float32Array, layer: number): Promise<CheckResult> {
  const plain = await ctx.evaluate(DOCTOR_PROMPTS, { topK: 0 });
  const zero = new Float32Array(vector.length);
  const difference = vector.map((x, i) => x - vector[i]);
  const variants = {
    "strength 0": [{ layer, vector, strength: 0 }],
    "zero vector": [{ layer, vector: zero }],
    "v - v": [{ layer, vector: difference }],
  };
  let worst = 0;
  const parts: string[] = [];
  for (const [name, steer] of Object.entries(variants)) {
    const out = await ctx.evaluate(DOCTOR_PROMPTS, { topK: 0, steer });
    const diff = Math.max(...out.map((r, i) => maxAbsDiff(r.logits, plain[i].logits)));
    parts.push(`${name}: ${diff}`);
    worst = Math.max(worst, diff);
  }
  return { name: "zero_strength_identity", ok: worst === 0, max_abs_diff: worst, detail: parts.join(", ") };
}

export async function checkBatchedEqualsUnbatched(model: SteerModel, batched: SteerContext): Promise<CheckResult> {
  const together = await batched.capture(DOCTOR_PROMPTS, { layers: "all", positions: "all" });
  const single = await model.createContext({ contextSize: batched.contextSize, sequences: 1, threads: batched.threads });
  try {
    let worst = 0;
    for (let i = 0; i < DOCTOR_PROMPTS.length; i++) {
      const alone = await single.capture([DOCTOR_PROMPTS[i]], { layers: "all", positions: "all" });
      alone.prompts[0].layers.forEach((rows, layer) => (worst = Math.max(worst, maxRelDiff(together.prompts[i].layers.get(layer)!, rows))));
    }
    return { name: "batched_equals_unbatched", ok: worst <= 1e-4, max_abs_diff: worst, detail: `${DOCTOR_PROMPTS.length} prompts in one decode vs one at a time (relative)` };
  } finally {
    await single.dispose();
  }
}

export async function checkVectorChangeTakesEffect(model: SteerModel, ctx: SteerContext, vector: Float32Array, layer: number): Promise<CheckResult> {
  const other = vector.map((x) => -2 * x);
  const first = await ctx.evaluate(DOCTOR_PROMPTS, { topK: 0, steer: [{ layer, vector }] });
  const second = await ctx.evaluate(DOCTOR_PROMPTS, { topK: 0, steer: [{ layer, vector: other }] });
  const fresh = await model.createContext({ contextSize: ctx.contextSize, threads: ctx.threads });
  try {
    const reference = await fresh.evaluate(DOCTOR_PROMPTS, { topK: 0, steer: [{ layer, vector: other }] });
    const changed = Math.max(...first.map((r, i) => maxAbsDiff(r.logits, second[i].logits)));
    const stale = Math.max(...second.map((r, i) => maxAbsDiff(r.logits, reference[i].logits)));
    return { name: "vector_change_takes_effect", ok: changed > 1e-3 && stale <= 1e-5, max_abs_diff: stale, detail: `second call moved logits by ${changed}; differs from a fresh context by ${stale}` };
  } finally {
    await fresh.dispose();
  }
}

/** Runs every check on one model. */
export async function runChecks(model: SteerModel, onCheck?: (check: CheckResult) => void): Promise<CheckResult[]> {
  const ctx = await model.createContext({ contextSize: 512, sequences: DOCTOR_PROMPTS.length });
  const results: CheckResult[] = [];
  const add = (c: CheckResult | CheckResult[]) => {
    for (const one of Array.isArray(c) ? c : [c]) {
      results.push(one);
      onCheck?.(one);
    }
  };
  try {
    const layer = probeLayer(model.info.nLayer);
    const vector = await probeVector(ctx, layer);
    add(await checkCaptureDeterministic(ctx));
    add(await checkInjection(ctx, vector, layer));
    add(await checkControlVectorEqualsHook(ctx, vector, layer));
    add(await checkZeroStrengthIdentity(ctx, vector, layer));
    add(await checkBatchedEqualsUnbatched(model, ctx));
    add(await checkVectorChangeTakesEffect(model, ctx, vector, layer));
  } finally {
    await ctx.dispose();
  }
  return results;
}
