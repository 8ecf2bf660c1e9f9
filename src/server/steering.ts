/**
 * What one request is steered with, and the record of what was decided. The ASA controller runs when the server
 * has an asset and the request offers tools, unless the request turns it off: it reads the prompt's own row at the
 * asset's layer (last prompt token), gates, and injects once, through the engine's per-item `decide` hook. With ASA
 * off but an asset loaded, the row is still read, so the gate, the probe's score and the readout are reported.
 */
import type { SteeringAsset } from "../assets/index.js";
import type { GenerateItem } from "../engine/context.js";
import type { SteeringSpec } from "../engine/steering.js";
import { asaDecide, asaSteering, type AsaDecision, type AsaGateRecord } from "../science/asa.js";
import { planToolReadout, readWithPlan } from "../science/readout.js";
import type { SteeringVector } from "../vectors/steeringVector.js";
import { HttpError } from "./errors.js";
import type { SteeringRequest } from "./steeringRequest.js";

export interface ServerSteering {
  /** Assets by name; the first is the default for requests that offer tools. */
  assets: ReadonlyMap<string, SteeringAsset>;
  /** Vectors requests may add by name. */
  vectors: ReadonlyMap<string, SteeringVector>;
  nLayer: number;
  nEmbd: number;
}

/** The `llama_steer.steering` block of a response. */
export interface SteeringRecord extends AsaGateRecord {
  asset: string;
}

/** The `llama_steer.readout` block: cosine readout over the offered tools that have a mean in the asset. */
export interface ReadoutRecord {
  layer: number;
  top_tool: string;
  runner_up: string;
  gap: number;
  scores: Record<string, number>;
}

export interface SteeringPlan {
  /** Fields for the engine item: steer, decide or capture. */
  item: Pick<GenerateItem, "steer" | "decide" | "capture">;
  /** What the request asked for beyond ASA, for the response ("name×strength" or "layer L×strength"). */
  vectors: string[];
  /** Filled from the prompt's row once the generation has run. */
  record(captured: ReadonlyMap<number, Float32Array> | undefined): { steering: SteeringRecord | null; readout: ReadoutRecord | null };
}

export function planSteering(server: ServerSteering, request: SteeringRequest | undefined, offeredTools: readonly string[]): SteeringPlan {
  const steer: SteeringSpec[] = [];
  const described: string[] = [];
  (request?.vectors ?? []).forEach((v, i) => {
    if ("name" in v) {
      const vector = server.vectors.get(v.name);
      if (!vector) throw new HttpError(400, `steering.vectors[${i}].name "${v.name}" is not a loaded vector (loaded: ${[...server.vectors.keys()].join(", ") || "none"})`, "invalid_request_error", `steering.vectors[${i}].name`);
      steer.push(...vector.toSpecs({ strength: v.strength, positions: v.positions }));
      described.push(`${v.name}×${v.strength}`);
    } else {
      if (v.layer < 0 || v.layer >= server.nLayer) throw new HttpError(400, `steering.vectors[${i}].layer must be from 0 to ${server.nLayer - 1} (the model has ${server.nLayer} layers); got ${v.layer}`, "invalid_request_error", `steering.vectors[${i}].layer`);
      if (v.vector.length !== server.nEmbd) throw new HttpError(400, `steering.vectors[${i}].vector must hold ${server.nEmbd} numbers (the model's embedding size); got ${v.vector.length}`, "invalid_request_error", `steering.vectors[${i}].vector`);
      steer.push({ layer: v.layer, vector: v.vector, strength: v.strength, positions: v.positions });
      described.push(`layer ${v.layer}×${v.strength}`);
    }
  });

  const off = request?.asset === false;
  if (typeof request?.asset === "string" && !server.assets.has(request.asset)) {
    throw new HttpError(400, `steering.asset "${request.asset}" is not loaded (loaded: ${[...server.assets.keys()].join(", ") || "none; start the server with --asset FILE"})`, "invalid_request_error", "steering.asset");
  }
  const assetName = typeof request?.asset === "string" ? request.asset : [...server.assets.keys()][0];
  const asset = assetName === undefined ? undefined : server.assets.get(assetName);
  if (!asset || offeredTools.length === 0) {
    if ((request?.alpha !== undefined || request?.tau !== undefined) && offeredTools.length === 0 && asset) {
      throw new HttpError(400, "steering.alpha and steering.tau tune the ASA controller, which runs only on requests that offer tools", "invalid_request_error", "steering");
    }
    return { item: steer.length > 0 ? { steer } : {}, vectors: described, record: () => ({ steering: null, readout: null }) };
  }
  const alpha = request?.alpha ?? asset.params.alpha;
  const tau = request?.tau ?? asset.params.tau;
  let decision: AsaDecision | undefined;
  const readout = planToolReadout(asset.toolMeans, asset.layer, offeredTools);
  const base = steer.length > 0 ? { steer } : {};
  return {
    item: off
      ? // Off: read the row (a capture leaves the logits alone) so the gate and readout are still reported.
        { ...base, capture: [asset.layer] }
      : {
      ...base,
      decide: {
        layer: asset.layer,
        choose: (row: Float32Array) => {
          decision = asaDecide(asset, row, { tau });
          return asaSteering(asset, decision, { alpha });
        },
      },
    },
    vectors: described,
    record(captured) {
      const row = captured?.get(asset.layer);
      if (!row) return { steering: null, readout: null };
      decision ??= asaDecide(asset, row, { tau });
      const read = readout ? readWithPlan(readout, row) : undefined;
      return {
        steering: { asset: assetName!, enabled: !off, alpha, tau, domain: decision.domain, p: decision.p, gate: decision.gate },
        readout: read && readout ? { layer: readout.layer, top_tool: read.predicted, runner_up: read.runnerUp, gap: read.gap, scores: Object.fromEntries(read.classes.map((c, i) => [c, read.scores[i]])) } : null,
      };
    },
  };
}
