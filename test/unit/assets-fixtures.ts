/** A small but complete steering asset for the asset tests (not a test file itself). */
import type { SteeringAssetInput } from "../../src/assets/index.js";
import { fitLogisticProbe, fitSoftmaxRouter } from "../../src/probes/index.js";
import { SeededRandom } from "../../src/synthetic/random.js";
import { seededVector } from "../../src/util/arrays.js";
import { SteeringVector } from "../../src/vectors/index.js";

export const FIXTURE_N_EMBD = 16;
export const FIXTURE_FINGERPRINT = "0123456789abcdef";

function vector(seed: number, method: string, layers = [3]): SteeringVector {
  return SteeringVector.create(new Map(layers.map((l) => [l, seededVector(FIXTURE_N_EMBD, seed * 10 + l)])), { method, modelFingerprint: FIXTURE_FINGERPRINT, source: `seed ${seed}` });
}

export function fixtureAsset(): SteeringAssetInput {
  const r = new SeededRandom(5, "asset rows");
  const rows = Array.from({ length: 60 }, (_, i) => Float32Array.from({ length: FIXTURE_N_EMBD }, (_, j) => r.gaussian() + (j === i % 3 ? 2 : 0)));
  const domains = rows.map((_, i) => ["math", "weather", "email"][i % 3]);
  const { router } = fitSoftmaxRouter(rows, domains);
  const { probe } = fitLogisticProbe(rows, rows.map((_, i) => (i % 3 === 0 ? 1 : 0)));
  return {
    createdAt: "2025-01-02T03:04:05.000Z",
    modelFingerprint: FIXTURE_FINGERPRINT,
    nEmbd: FIXTURE_N_EMBD,
    layer: 3,
    method: "asa-mov",
    datasetHash: "sha256:feedface",
    tools: ["add", "get_weather", "send_email"],
    params: { alpha: 4, beta: 0.5, tau: 0.6 },
    vectors: {
      global: vector(1, "mean-diff", [2, 3]),
      domains: new Map([
        ["math", vector(2, "mean-diff")],
        ["weather", vector(3, "mean-diff")],
        ["email", vector(4, "mean-diff")],
      ]),
    },
    toolMeans: new Map([
      ["get_weather", vector(5, "class-mean")],
      ["send_email", vector(6, "class-mean")],
    ]),
    router,
    probe,
    notes: "fixture",
  };
}
