/**
 * The steering asset: ONE small file with everything a controller needs to read and steer a model
 * (vectors, router, probe, standardisation statistics, α/β/τ, tools, provenance).
 *
 * Format: UTF-8 JSON, numeric arrays as base64 of little-endian float32 (vectors) or float64
 * (probe, router and standardiser weights, so predictions are bit-identical after a round trip).
 * JSON rather than GGUF because the content is nested and named (domains, tools, classes) where
 * GGUF metadata is a flat key list, because a person can read and diff the scalars (α, τ, the
 * fingerprint, the dataset hash), and because base64 keeps the arrays at 4/3 of their binary size,
 * which is small at these sizes (tens of vectors of a few thousand floats). Vectors that llama.cpp
 * itself should load are exported separately as control-vector GGUFs (controlVector.ts).
 */
import { readFile, stat } from "node:fs/promises";

import { ErrorCodes, SteerError, invalidArgument } from "../errors.js";
import type { LinearProbe } from "../probes/logistic.js";
import type { SoftmaxRouter } from "../probes/router.js";
import type { Standardizer } from "../probes/standardize.js";
import { assertKnownKeys, assertString } from "../util/validate.js";
import type { SteeringVector } from "../vectors/steeringVector.js";
import { decodeAsset } from "./assetDecode.js";
import { writeFileAtomic } from "./atomicWrite.js";
import { ASSET_FORMAT, ASSET_VERSION, MAX_ASSET_BYTES, type LoadAssetOptions, type SteeringAsset, type SteeringAssetInput } from "./assetTypes.js";
import { encodeArray } from "./encoding.js";

export { ALPHA_UNITS, ASSET_FORMAT, ASSET_VERSION, GATE_MODES, INJECTION_POSITIONS, MAX_ASSET_BYTES, VECTOR_SETS, type AlphaUnit, type GateMode, type InjectionPositions, type LoadAssetOptions, type SteeringAsset, type SteeringAssetInput, type SteeringAssetParams, type VectorSet } from "./assetTypes.js";

/**
 * Writes the asset atomically (temporary file + rename). The JSON is validated exactly as loadAsset
 * would validate it before anything is written, so a saved asset always loads.
 * @throws SteerError ASSET_INVALID (inconsistent asset), NOT_FINITE.
 */
export async function saveAsset(path: string, asset: SteeringAssetInput): Promise<void> {
  assertString("path", path, { nonEmpty: true });
  const text = serializeAsset(asset);
  decodeAsset(JSON.parse(text), `the asset for ${path}`);
  await writeFileAtomic(path, text);
}

/**
 * Reads and fully validates an asset: format, version, every field's type, array sizes against
 * nEmbd and class counts, finiteness, and cross-references (router classes ↔ domains, the layer of
 * each vector, fingerprints).
 * @throws SteerError ASSET_INVALID naming the file, the field and the problem (a fingerprint mismatch
 *   names both fingerprints), NOT_FINITE for NaN or infinite values.
 */
export async function loadAsset(path: string, options: LoadAssetOptions = {}): Promise<SteeringAsset> {
  assertString("path", path, { nonEmpty: true });
  if (options === null || typeof options !== "object") throw invalidArgument("options", "an options object", options);
  assertKnownKeys("loadAsset options", options, ["expectFingerprint"]);
  if (options.expectFingerprint !== undefined) assertString("options.expectFingerprint", options.expectFingerprint, { nonEmpty: true });
  let text: string;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error("not a regular file");
    if (info.size > MAX_ASSET_BYTES) throw new Error(`${info.size} bytes, more than the ${MAX_ASSET_BYTES} an asset may have`);
    text = await readFile(path, "utf8");
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new SteerError(ErrorCodes.ASSET_INVALID, `Cannot read steering asset ${path} (${reason})`, { path }, { cause: e });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new SteerError(ErrorCodes.ASSET_INVALID, `${path} is not a valid steering asset: it is not JSON (${(e as Error).message})`, { path }, { cause: e });
  }
  const asset = decodeAsset(json, path);
  if (options.expectFingerprint !== undefined && asset.modelFingerprint !== options.expectFingerprint) {
    throw new SteerError(
      ErrorCodes.ASSET_INVALID,
      `${path} was made for the model with fingerprint ${asset.modelFingerprint}, not for this model (fingerprint ${options.expectFingerprint})`,
      { path, fingerprint: asset.modelFingerprint, expectedFingerprint: options.expectFingerprint },
    );
  }
  return asset;
}

/** The asset as the JSON text saveAsset writes (not validated; saveAsset validates). */
export function serializeAsset(asset: SteeringAssetInput): string {
  if (asset === null || typeof asset !== "object") throw invalidArgument("asset", "a steering asset object", asset);
  const vectors = asset.vectors as SteeringAsset["vectors"] | undefined;
  if (!vectors || typeof vectors !== "object" || !(vectors.domains instanceof Map)) throw invalidArgument("asset.vectors", "{global, domains: Map}", vectors);
  if (asset.toolMeans !== undefined && !(asset.toolMeans instanceof Map)) throw invalidArgument("asset.toolMeans", "a Map from tool name to SteeringVector", asset.toolMeans);
  for (const [name, v] of namedVectors(asset)) {
    const own = (v as Partial<SteeringVector> | null)?.meta?.modelFingerprint;
    if (own !== undefined && own !== asset.modelFingerprint) {
      throw new SteerError(ErrorCodes.ASSET_INVALID, `The vector ${name} was measured on the model with fingerprint ${own}, not on the asset's model (fingerprint ${asset.modelFingerprint})`, {
        fingerprint: own,
        expectedFingerprint: asset.modelFingerprint,
      });
    }
  }
  const json = {
    format: ASSET_FORMAT,
    version: ASSET_VERSION,
    createdAt: asset.createdAt ?? new Date().toISOString(),
    modelFingerprint: asset.modelFingerprint,
    nEmbd: asset.nEmbd,
    layer: asset.layer,
    layerConvention: "l_out",
    method: asset.method,
    datasetHash: asset.datasetHash,
    tools: asset.tools,
    params: asset.params === null || typeof asset.params !== "object" ? asset.params : encodeParams(asset.params),
    vectors: { global: encodeVector(vectors.global), domains: encodeVectorMap(vectors.domains) },
    ...(asset.toolMeans === undefined ? {} : { toolMeans: encodeVectorMap(asset.toolMeans) }),
    router: asset.router === null ? null : encodeRouter(asset.router),
    probe: asset.probe === null ? null : encodeProbe(asset.probe),
    ...(asset.domainProbes === undefined ? {} : { domainProbes: Object.fromEntries([...asset.domainProbes].map(([d, p]) => [d, encodeProbe(p)])) }),
    ...(asset.notes === undefined ? {} : { notes: asset.notes }),
  };
  const refuseNonFinite = (key: string, value: unknown): unknown => {
    // JSON would silently turn NaN into null; say what is wrong instead.
    if (typeof value === "number" && !Number.isFinite(value)) throw new SteerError(ErrorCodes.NOT_FINITE, `The asset's ${key} is ${value}; it must be finite`, { field: key });
    return value;
  };
  return `${JSON.stringify(json, refuseNonFinite, 1)}\n`;
}

function namedVectors(asset: SteeringAssetInput): [string, SteeringVector][] {
  return [
    ["vectors.global", asset.vectors.global],
    ...[...asset.vectors.domains].map(([n, v]): [string, SteeringVector] => [`vectors.domains.${n}`, v]),
    ...[...(asset.toolMeans ?? new Map<string, SteeringVector>())].map(([n, v]): [string, SteeringVector] => [`toolMeans.${n}`, v]),
  ];
}

function encodeVector(v: SteeringVector): unknown {
  if (v === null || typeof v !== "object" || typeof (v as Partial<SteeringVector>).entries !== "function") return v;
  return {
    method: v.meta.method,
    ...(v.meta.source === undefined ? {} : { source: v.meta.source }),
    ...(v.meta.notes === undefined ? {} : { notes: v.meta.notes }),
    layers: Object.fromEntries(v.entries().map(([layer, direction]) => [String(layer), encodeArray(direction)])),
  };
}

function encodeVectorMap(map: ReadonlyMap<string, SteeringVector>): Record<string, unknown> {
  return Object.fromEntries([...map].map(([name, v]) => [name, encodeVector(v)]));
}

function encodeStandardizer(s: Standardizer | null): unknown {
  if (s === null || typeof s !== "object" || !ArrayBuffer.isView(s.mean) || !ArrayBuffer.isView(s.scale)) return s;
  return { mean: encodeArray(Float64Array.from(s.mean)), scale: encodeArray(Float64Array.from(s.scale)) };
}

function encodeRouter(r: SoftmaxRouter): unknown {
  if (r === null || typeof r !== "object" || !(r.weights instanceof Float64Array) || !(r.bias instanceof Float64Array)) return r;
  return { classes: r.classes, standardizer: encodeStandardizer(r.standardizer), weights: encodeArray(r.weights), bias: encodeArray(r.bias) };
}

function encodeProbe(p: LinearProbe): unknown {
  if (p === null || typeof p !== "object" || !(p.weights instanceof Float64Array)) return p;
  return { standardizer: encodeStandardizer(p.standardizer), weights: encodeArray(p.weights), bias: p.bias };
}

function encodeParams(params: SteeringAssetInput["params"]) {
  return {
    alpha: params.alpha,
    beta: params.beta,
    tau: params.tau,
    ...(params.gate === undefined ? {} : { gate: params.gate }),
    ...(params.alphaUnit === undefined ? {} : { alphaUnit: params.alphaUnit }),
    ...(params.residualNorm === undefined ? {} : { residualNorm: params.residualNorm }),
    ...(params.positions === undefined ? {} : { positions: params.positions }),
    ...(params.vectors === undefined ? {} : { vectors: params.vectors }),
  };
}
