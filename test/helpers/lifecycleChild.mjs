// Child process of test/native/lifecycle.test.ts (run with --expose-gc, on the compiled library in dist/):
// create / capture / steer / generate / dispose cycles on a synthetic model, resident memory before and after,
// then a negative control that keeps contexts alive. Resident memory is also read every CHECKPOINT cycles, so the
// test can tell growth that goes on cycle after cycle (a leak) from a one-off step. Prints one JSON line.
//   node --expose-gc test/helpers/lifecycleChild.mjs CYCLES WARMUP CONTROL [CHECKPOINT]
import { loadModel } from "../../dist/index.js";
import { syntheticModelPath } from "../../dist/synthetic/index.js";

const [cycles, warmup, control, checkpoint = 100] = process.argv.slice(2).map(Number);
const CONTEXT = { contextSize: 64, batchSize: 32, sequences: 1, threads: 1 };

const model = await loadModel(await syntheticModelPath("llama"));
const vector = new Float32Array(model.info.nEmbd).map((_, i) => (i % 2 ? 2 : -2));

function settledRssMb() {
  for (let i = 0; i < 3; i++) globalThis.gc();
  return process.memoryUsage().rss / 2 ** 20;
}

async function use(ctx, i) {
  const prompt = `Cycle ${i}: once upon a time`;
  const cap = await ctx.capture([prompt], { layers: [1, 2], positions: "last", steer: [{ layer: 1, vector, positions: "all" }] });
  if (cap.prompts[0].layers.get(2).length !== model.info.nEmbd) throw new Error("capture returned a row of the wrong size");
  const out = await ctx.generate(prompt, { maxTokens: 4, ignoreEndOfGeneration: true, steer: [{ layer: 1, vector, positions: "generated" }] });
  if (out.tokens.length !== 4) throw new Error(`generated ${out.tokens.length} tokens instead of 4`);
}

async function cycle(i) {
  const ctx = await model.createContext(CONTEXT);
  try {
    await use(ctx, i);
  } finally {
    await ctx.dispose();
  }
}

for (let i = 0; i < warmup; i++) await cycle(i);
const before = settledRssMb();
const checkpointsMb = [before];
const started = performance.now();
for (let i = 0; i < cycles; i++) {
  await cycle(warmup + i);
  if ((i + 1) % checkpoint === 0) checkpointsMb.push(settledRssMb());
}
const seconds = (performance.now() - started) / 1000;
const after = settledRssMb();

const kept = [];
for (let i = 0; i < control; i++) {
  const ctx = await model.createContext(CONTEXT);
  kept.push(ctx);
  await use(ctx, i);
}
const withKept = settledRssMb();
for (const ctx of kept) await ctx.dispose();
await model.dispose();

console.log(JSON.stringify({ cycles, warmup, seconds, rssBeforeMb: before, rssAfterMb: after, checkpoint, checkpointsMb, control, rssWithKeptMb: withKept }));
