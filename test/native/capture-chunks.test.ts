// Reading chosen positions of a prompt longer than one decode. The chunks before the one holding the read rows
// have nothing to read but still stop at the highest captured layer; such a chunk used to be reported as a
// decode the callback could not map (ERR_ROW_MAPPING, "layer N was never seen").
import { afterAll, beforeAll, describe, expect, test } from "vitest";

import type { SteerContext } from "../../src/engine/context.js";
import type { CapturePositions } from "../../src/engine/positions.js";
import type { SteerModel } from "../../src/engine/model.js";
import { maxAbsDiff } from "../../src/util/arrays.js";
import { ARCHITECTURES, loadSynthetic } from "../helpers/models.js";

const LONG = "The river bends twice before it reaches the old mill, and then it widens into a lake. ".repeat(2);

describe.each(ARCHITECTURES)("%s", (arch) => {
  let model: SteerModel;
  let chunked: SteerContext;
  let whole: SteerContext;
  beforeAll(async () => {
    model = await loadSynthetic(arch);
    chunked = await model.createContext({ contextSize: 256, batchSize: 8, sequences: 2, threads: 1 });
    whole = await model.createContext({ contextSize: 256, batchSize: 256, sequences: 2, threads: 1 });
  });
  afterAll(async () => {
    await model.dispose();
  });

  const cases: [string, readonly number[] | "all", CapturePositions][] = [
    ["the last position of every layer", "all", "last"],
    ["the last layer alone, at the last position", [-1], "last"],
    ["explicit and negative indices of two layers", [1, -1], [0, 9, -2]],
    ["the mean of a middle layer", [1], "mean"],
  ];
  test.each(cases)("%s: chunked decodes (early stop and full graph) read what one decode reads", async (_name, layerSpec, positions) => {
    expect(model.tokenize(LONG).length).toBeGreaterThan(4 * 8);
    const layers = layerSpec === "all" ? "all" : layerSpec.map((l) => (l < 0 ? model.info.nLayer + l : l));
    const prompts = [LONG, "A short second prompt"];
    const reference = await whole.capture(prompts, { layers, positions });
    for (const fullGraph of [false, true]) {
      const got = await chunked.capture(prompts, { layers, positions, fullGraph });
      got.prompts.forEach((p, i) => {
        expect(p.indices).toEqual(reference.prompts[i].indices);
        for (const [layer, rows] of reference.prompts[i].layers) expect(maxAbsDiff(p.layers.get(layer)!, rows), `prompt ${i} layer ${layer}`).toBeLessThanOrEqual(1e-4);
      });
    }
  });
});
