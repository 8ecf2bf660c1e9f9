/**
 * A hand-made ASA asset for a synthetic model (not a test file itself): the router always picks "math", the probe
 * says p = sigmoid(3) ≈ 0.953 for every row (gate +1 for τ < 0.953, 0 above), and the vectors are seeded noise
 * strong enough to change a greedy reply. Tool means for calculator and web_search give the readout something to do.
 */
import { saveAsset, type SteeringAssetInput } from "../../src/assets/index.js";
import type { ModelInfo } from "../../src/engine/model.js";
import { seededVector } from "../../src/util/arrays.js";
import { SteeringVector } from "../../src/vectors/index.js";

export const CHAT_ASSET_LAYER = 1;
export const CHAT_ASSET_ALPHA = 6;
export const CHAT_ASSET_TAU = 0.6;
export const CHAT_ASSET_P = 1 / (1 + Math.exp(-3));

export function chatAsset(info: Pick<ModelInfo, "nEmbd" | "fingerprint">, fingerprint = info.fingerprint): SteeringAssetInput {
  const vector = (seed: number, method: string) =>
    SteeringVector.create(new Map([[CHAT_ASSET_LAYER, seededVector(info.nEmbd, seed, 2)]]), { method, modelFingerprint: fingerprint });
  return {
    modelFingerprint: fingerprint,
    nEmbd: info.nEmbd,
    layer: CHAT_ASSET_LAYER,
    method: "asa-mov",
    datasetHash: "hand-made",
    tools: ["calculator", "web_search"],
    params: { alpha: CHAT_ASSET_ALPHA, beta: 0.5, tau: CHAT_ASSET_TAU },
    vectors: { global: vector(11, "mean-diff"), domains: new Map([["math", vector(12, "mean-diff")], ["search", vector(13, "mean-diff")]]) },
    toolMeans: new Map([["calculator", vector(14, "class-mean")], ["web_search", vector(15, "class-mean")]]),
    router: { classes: ["math", "search"], standardizer: null, weights: new Float64Array(2 * info.nEmbd), bias: Float64Array.from([1, 0]) },
    probe: { standardizer: null, weights: new Float64Array(info.nEmbd), bias: 3 },
  };
}

export async function writeChatAsset(path: string, info: Pick<ModelInfo, "nEmbd" | "fingerprint">, fingerprint?: string): Promise<void> {
  await saveAsset(path, chatAsset(info, fingerprint));
}
