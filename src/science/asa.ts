/**
 * The ASA controller. From the prompt's own residual row at the asset's layer (last prompt token):
 * router → domain; that domain's probe → p(tool needed); ternary gate (+1 if p > τ, −1 if p < 1 − τ,
 * else 0); one injection gate·α·MoV at the same layer on the last prompt token during prefill, where
 * MoV = v_domain + β·v_global (with α in residual units, gate·α·‖h‖·MoV/‖MoV‖: see SteeringAssetParams.alphaUnit).
 * Nothing is added while decoding. The gate may act on one side only (negative-only
 * for an eager model, positive-only for a lazy one), the injection may cover every prompt token, and the direction
 * may be the global or the domain vector alone: options of the asset, chosen on VAL like α and τ.
 */
import type { GateMode, InjectionPositions, SteeringAsset, VectorSet } from "../assets/index.js";
import type { SteeringSpec } from "../engine/steering.js";
import { predictProba, route } from "../probes/index.js";
import { l2Norm, normMatched, seededVector } from "../util/arrays.js";

export interface AsaDecision {
  domain: string;
  /** Probability that the prompt needs a tool. */
  p: number;
  gate: -1 | 0 | 1;
}

export interface AsaOverrides {
  alpha?: number;
  beta?: number;
  tau?: number;
  /** Which sides of the gate act (see SteeringAssetParams.gate). Default: the asset's, else "ternary". */
  gate?: GateMode;
  /** Ablation: always +1 (no gate). */
  noGate?: boolean;
  /** Ablation: use this domain instead of the router's (oracle router, or a deliberate mismatch). */
  domain?: string;
  /** Which direction: the mixture or one of its parts (see SteeringAssetParams.vectors). Default: the asset's, else "mov". */
  vectors?: VectorSet;
  /** Ablation: replace MoV by this direction (e.g. a norm-matched random vector). */
  direction?: Float32Array;
  /** Where the injection goes (see SteeringAssetParams.positions). Default: the asset's, else "last-prompt". */
  positions?: InjectionPositions;
}

/** What a gated request reports about its decision (chat turns, server responses). */
export interface AsaGateRecord {
  /** Whether the injection was applied (false: the gate was read only). */
  enabled: boolean;
  alpha: number;
  tau: number;
  domain: string;
  /** The probe's p(tool needed). */
  p: number;
  gate: -1 | 0 | 1;
}

export function gateOf(p: number, tau: number, mode: GateMode = "ternary"): -1 | 0 | 1 {
  if (p > tau) return mode === "negative" ? 0 : 1;
  if (p < 1 - tau) return mode === "positive" ? 0 : -1;
  return 0;
}

export function asaDecide(asset: SteeringAsset, row: Float32Array, overrides: AsaOverrides = {}): AsaDecision {
  const tau = overrides.tau ?? asset.params.tau;
  const routed = asset.router ? asset.router.classes[route(asset.router, row).index] : ([...asset.vectors.domains.keys()][0] ?? "global");
  const domain = overrides.domain ?? routed;
  const probe = asset.domainProbes?.get(domain) ?? asset.probe;
  const p = probe ? predictProba(probe, row) : 1;
  return { domain, p, gate: overrides.noGate ? 1 : gateOf(p, tau, overrides.gate ?? asset.params.gate) };
}

/** The mixture direction MoV for a domain at the asset's layer. */
export function mixture(asset: SteeringAsset, domain: string, overrides: AsaOverrides = {}): Float32Array {
  if (overrides.direction) return overrides.direction;
  const beta = overrides.beta ?? asset.params.beta;
  const global = asset.vectors.global.get(asset.layer);
  const local = asset.vectors.domains.get(domain)?.get(asset.layer);
  const which = overrides.vectors ?? asset.params.vectors ?? "mov";
  // An asset without domain vectors (a plain vector) steers with its global vector alone.
  if (!local || which === "global") return global;
  return global.map((g, k) => (which === "domain" ? local[k] : local[k] + beta * g));
}

/**
 * The random-direction control of a controller: a seeded direction at the norm of the mixture it stands in for
 * (per domain), steered with the same gate, α and positions.
 */
export function randomDirectionFor(asset: SteeringAsset, domain: string, seed = 0, overrides: AsaOverrides = {}): Float32Array {
  return normMatched(seededVector(asset.nEmbd, seed), mixture(asset, domain, overrides));
}

export function asaSteering(asset: SteeringAsset, decision: AsaDecision, overrides: AsaOverrides = {}): SteeringSpec[] {
  if (decision.gate === 0) return [];
  const alpha = overrides.alpha ?? asset.params.alpha;
  const vector = mixture(asset, decision.domain, overrides);
  return [{ layer: asset.layer, vector, strength: decision.gate * alpha * alphaScale(asset, vector), positions: overrides.positions ?? asset.params.positions ?? "last-prompt" }];
}

/**
 * What one unit of α multiplies `vector` by: 1 in raw units; in residual units the factor that gives the vector the
 * residual's mean norm (0 for a zero vector, which has no direction to push along).
 */
export function alphaScale(asset: SteeringAsset, vector: Float32Array): number {
  if ((asset.params.alphaUnit ?? "raw") === "raw") return 1;
  const norm = l2Norm(vector);
  return norm > 0 ? asset.params.residualNorm! / norm : 0;
}
