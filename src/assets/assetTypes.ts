/** Types and constants of the steering asset file (see asset.ts for the format and its rationale). */
import type { LinearProbe } from "../probes/logistic.js";
import type { SoftmaxRouter } from "../probes/router.js";
import type { SteeringVector } from "../vectors/steeringVector.js";

export const ASSET_FORMAT = "llama-steer-asset";
/** The version this build writes; it reads versions 1..ASSET_VERSION. */
export const ASSET_VERSION = 1;
/** Larger files are refused before they are read (a real asset is kilobytes to a few megabytes). */
export const MAX_ASSET_BYTES = 256 * 1024 * 1024;

export interface SteeringAssetParams {
  /** Injection strength α (h' = h + gate·α·MoV, or gate·α·residualNorm·MoV/‖MoV‖ when alphaUnit is "residual"). */
  alpha: number;
  /** Weight β of the global vector in the mixture MoV = v_domain + β·v_global. */
  beta: number;
  /** Gate threshold τ in [0.5, 1]: +1 when p > τ, −1 when p < 1 − τ, else 0. */
  tau: number;
  /**
   * Which sides of the ternary gate act. "ternary" (the paper's): both; "negative": only −1 (push an eager model
   * down when the probe says no tool); "positive": only +1 (push a lazy model up). Default "ternary".
   */
  gate?: GateMode;
  /**
   * What α counts in. "raw" (the paper's, default): multiples of the mixture vector as measured. "residual": multiples
   * of the residual stream's own size at the layer: the injection has norm α·residualNorm whatever the mixture's
   * norm, so one α grid means the same push on every model, layer and domain.
   */
  alphaUnit?: AlphaUnit;
  /** Mean L2 norm of the unsteered residual at the layer (last prompt token, CAL prompts); required by alphaUnit "residual". */
  residualNorm?: number;
  /**
   * Where the gated injection goes. "last-prompt" (the paper's, default): the last prompt token only, during prefill.
   * "prompt": every prompt token (the prompt is decoded again once the gate has read it, so no shared prefix is reused).
   */
  positions?: InjectionPositions;
  /**
   * Which direction the injection follows. "mov" (the paper's, default): the routed domain's vector plus β times the
   * global one; "global": the global vector alone (no router needed); "domain": the routed domain's vector alone.
   */
  vectors?: VectorSet;
}

export const INJECTION_POSITIONS = ["last-prompt", "prompt"] as const;
export type InjectionPositions = (typeof INJECTION_POSITIONS)[number];

export const VECTOR_SETS = ["mov", "global", "domain"] as const;
export type VectorSet = (typeof VECTOR_SETS)[number];

export const ALPHA_UNITS = ["raw", "residual"] as const;
export type AlphaUnit = (typeof ALPHA_UNITS)[number];

export const GATE_MODES = ["ternary", "negative", "positive"] as const;
export type GateMode = (typeof GATE_MODES)[number];

export interface SteeringAsset {
  /** The file format version it was read from (ASSET_VERSION when built in memory). */
  readonly version: number;
  /** ISO 8601 time the asset was made. */
  readonly createdAt: string;
  /** `ModelInfo.fingerprint` of the model every vector and probe was measured on. */
  readonly modelFingerprint: string;
  readonly nEmbd: number;
  /** Where vectors are injected and the probe and router read, in the l_out convention (the residual after block `layer`). */
  readonly layer: number;
  /** How the asset was built, e.g. "asa-mov". */
  readonly method: string;
  /** `datasetHash` of the data the asset was fitted on. */
  readonly datasetHash: string;
  /** The tools the controller may steer toward. */
  readonly tools: readonly string[];
  readonly params: SteeringAssetParams;
  /** Each vector has a direction at least for `layer`; their fingerprints equal modelFingerprint. */
  readonly vectors: {
    readonly global: SteeringVector;
    readonly domains: ReadonlyMap<string, SteeringVector>;
  };
  /** Per-tool mean activations for cosine readout and tool switching; absent when not measured. */
  readonly toolMeans?: ReadonlyMap<string, SteeringVector>;
  /** Routes a row to a domain; every class names a domain of `vectors.domains`. Null when routing is not used. */
  readonly router: SoftmaxRouter | null;
  /** Tool-intent probe for the gate. Null when not used. */
  readonly probe: LinearProbe | null;
  /** Per-domain tool-intent probes (the gate uses the routed domain's probe, falling back to `probe`). */
  readonly domainProbes?: ReadonlyMap<string, LinearProbe>;
  readonly notes?: string;
}

/** What saveAsset takes: version is always ASSET_VERSION, createdAt defaults to now. */
export type SteeringAssetInput = Omit<SteeringAsset, "version" | "createdAt"> & { createdAt?: string };

export interface LoadAssetOptions {
  /** Refuse an asset made for another model: its fingerprint must equal this one. Default: not checked. */
  expectFingerprint?: string;
}

