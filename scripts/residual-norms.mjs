#!/usr/bin/env node
// How large an ASA asset's injection is next to the residual stream it is added to: the L2 norm of the unsteered
// row at the asset's layer (last prompt token, the injection point) over every K-th CAL sample of the data, and
// α·‖MoV‖ per domain as a multiple of its mean. Prints one JSON document.
//   node scripts/residual-norms.mjs MODEL ASSET [DATA=necessity] [FORMAT=asa] [EVERY=10]
// (needs `npm run build:ts`; MODEL is a manifest name or a GGUF path)
import { loadAsset } from "../dist/assets/index.js";
import { loadDataset } from "../dist/data/load.js";
import { renderSamples } from "../dist/eval/prompts.js";
import { getFormat } from "../dist/formats/index.js";
import { loadModel } from "../dist/index.js";
import { resolveModelPath } from "../dist/models/index.js";
import { mixture } from "../dist/science/asa.js";
import { l2Norm } from "../dist/util/arrays.js";

const [modelArg, assetPath, data = "necessity", formatName = "asa", everyArg = "10"] = process.argv.slice(2);
if (!modelArg || !assetPath) {
  console.error("usage: node scripts/residual-norms.mjs MODEL ASSET [DATA] [FORMAT] [EVERY]");
  process.exit(2);
}
const every = Number(everyArg);
const model = await loadModel(await resolveModelPath(modelArg));
try {
  const asset = await loadAsset(assetPath, { expectFingerprint: model.info.fingerprint });
  const ctx = await model.createContext({ contextSize: 8192, batchSize: 512, sequences: 16, threads: 2 });
  const cal = (await loadDataset(data)).filter((s) => s.split === "cal").filter((_, i) => i % every === 0);
  const prompts = await renderSamples(model, cal, getFormat(formatName));
  const rows = await ctx.generateBatch(prompts.map((prompt) => ({ prompt, capture: [asset.layer] })), { maxTokens: 0 });
  const norms = rows.map((r) => l2Norm(r.captured.get(asset.layer))).sort((a, b) => a - b);
  const mean = norms.reduce((s, x) => s + x, 0) / norms.length;
  const domains = Object.fromEntries(
    [...asset.vectors.domains.keys()].map((d) => {
      const movNorm = l2Norm(mixture(asset, d));
      return [d, { mov_norm: movNorm, mov_over_residual: movNorm / mean, injection_over_residual: (asset.params.alpha * movNorm) / mean }];
    }),
  );
  console.log(JSON.stringify({ model: model.info.path, asset: assetPath, layer: asset.layer, alpha: asset.params.alpha, data, format: formatName, every, n: norms.length, residual_norm: { mean, median: norms[norms.length >> 1], min: norms[0], max: norms.at(-1) }, domains }, null, 2));
  await ctx.dispose();
} finally {
  await model.dispose();
}
