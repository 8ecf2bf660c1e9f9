/**
 * Validation of parsed asset JSON into a SteeringAsset. Everything in the file is untrusted: each
 * field is checked for type, size (against nEmbd and the class counts), finiteness and its
 * references to other fields before any object is built.
 */
import { ErrorCodes, SteerError } from "../errors.js";
import type { LinearProbe } from "../probes/logistic.js";
import type { SoftmaxRouter } from "../probes/router.js";
import type { Standardizer } from "../probes/standardize.js";
import { SteeringVector } from "../vectors/steeringVector.js";
import { ALPHA_UNITS, ASSET_FORMAT, ASSET_VERSION, GATE_MODES, INJECTION_POSITIONS, VECTOR_SETS, type AlphaUnit, type GateMode, type InjectionPositions, type SteeringAsset, type VectorSet } from "./assetTypes.js";
import { FieldReader, kind } from "./encoding.js";

const TOP_KEYS = [
  "format", "version", "createdAt", "modelFingerprint", "nEmbd", "layer", "layerConvention", "method", "datasetHash",
  "tools", "params", "vectors", "toolMeans", "router", "probe", "domainProbes", "notes",
] as const;
/** A generous bound that still keeps a corrupt nEmbd from allocating gigabytes. */
const MAX_EMBEDDING = 1 << 20;
const MAX_LAYER = 100_000;

export function decodeAsset(json: unknown, file: string): SteeringAsset {
  const read = new FieldReader(file);
  const top = read.object("the top level", json);
  if (top.format !== ASSET_FORMAT) throw read.fail("format", `must be "${ASSET_FORMAT}" but is ${kind(top.format)}`);
  const version = read.integer("version", top.version, 1);
  if (version > ASSET_VERSION) {
    throw new SteerError(ErrorCodes.ASSET_INVALID, `${file} was written by a newer llama-steer (asset version ${version}); this one reads versions 1 to ${ASSET_VERSION}`, {
      path: file,
      version,
    });
  }
  read.onlyKeys("the top level", top, TOP_KEYS);
  const createdAt = read.string("createdAt", top.createdAt);
  if (Number.isNaN(Date.parse(createdAt))) throw read.fail("createdAt", `must be an ISO 8601 date but is ${kind(createdAt)}`);
  const modelFingerprint = read.string("modelFingerprint", top.modelFingerprint);
  const nEmbd = read.integer("nEmbd", top.nEmbd, 1, MAX_EMBEDDING);
  const layer = read.integer("layer", top.layer, 0, MAX_LAYER);
  if (top.layerConvention !== "l_out") throw read.fail("layerConvention", `must be "l_out" but is ${kind(top.layerConvention)}`);
  const method = read.string("method", top.method);
  const datasetHash = read.string("datasetHash", top.datasetHash);
  const tools = read.names("tools", top.tools);

  const paramsJson = read.object("params", top.params);
  read.onlyKeys("params", paramsJson, ["alpha", "beta", "tau", "gate", "alphaUnit", "residualNorm", "positions", "vectors"]);
  const oneOf = (field: string, allowed: readonly string[]) => {
    const value = paramsJson[field];
    if (value !== undefined && !allowed.includes(value as string)) throw read.fail(`params.${field}`, `must be one of ${allowed.map((m) => `"${m}"`).join(", ")} but is ${kind(value)}`);
  };
  oneOf("alphaUnit", ALPHA_UNITS);
  if (paramsJson.alphaUnit === "residual" && paramsJson.residualNorm === undefined) throw read.fail("params.residualNorm", 'is required when params.alphaUnit is "residual"');
  oneOf("gate", GATE_MODES);
  oneOf("positions", INJECTION_POSITIONS);
  oneOf("vectors", VECTOR_SETS);
  const params = {
    alpha: read.finite("params.alpha", paramsJson.alpha),
    beta: read.finite("params.beta", paramsJson.beta),
    tau: read.finite("params.tau", paramsJson.tau, 0.5, 1),
    ...(paramsJson.gate === undefined ? {} : { gate: paramsJson.gate as GateMode }),
    ...(paramsJson.alphaUnit === undefined ? {} : { alphaUnit: paramsJson.alphaUnit as AlphaUnit }),
    ...(paramsJson.residualNorm === undefined ? {} : { residualNorm: read.finite("params.residualNorm", paramsJson.residualNorm) }),
    ...(paramsJson.positions === undefined ? {} : { positions: paramsJson.positions as InjectionPositions }),
    ...(paramsJson.vectors === undefined ? {} : { vectors: paramsJson.vectors as VectorSet }),
  };
  if (params.residualNorm !== undefined && !(params.residualNorm > 0)) throw read.fail("params.residualNorm", `must be positive but is ${params.residualNorm}`);

  const vector = (field: string, value: unknown): SteeringVector => decodeVector(read, field, value, nEmbd, layer, modelFingerprint);
  const vectorsJson = read.object("vectors", top.vectors);
  read.onlyKeys("vectors", vectorsJson, ["global", "domains"]);
  const global = vector("vectors.global", vectorsJson.global);
  const domains = decodeVectorMap(read, "vectors.domains", vectorsJson.domains, vector);
  const toolMeans = top.toolMeans === undefined ? undefined : decodeVectorMap(read, "toolMeans", top.toolMeans, vector);
  if (toolMeans) {
    const unknown = [...toolMeans.keys()].filter((t) => !tools.includes(t));
    if (unknown.length > 0) throw read.fail("toolMeans", `has means for tools that are not in tools: ${unknown.map((t) => JSON.stringify(t)).join(", ")}`);
  }

  const router = top.router === null ? null : decodeRouter(read, top.router, nEmbd);
  if (router) {
    const missing = router.classes.filter((c) => !domains.has(c));
    if (missing.length > 0) throw read.fail("router.classes", `names classes without a vector in vectors.domains: ${missing.map((c) => JSON.stringify(c)).join(", ")}`);
  }
  const probe = top.probe === null ? null : decodeProbe(read, top.probe, nEmbd);
  let domainProbes: Map<string, LinearProbe> | undefined;
  if (top.domainProbes !== undefined) {
    domainProbes = new Map();
    for (const [domain, encoded] of Object.entries(read.object("domainProbes", top.domainProbes))) {
      if (!domains.has(domain)) throw read.fail("domainProbes", `has a probe for ${JSON.stringify(domain)}, which has no vector in vectors.domains`);
      domainProbes.set(domain, decodeProbe(read, encoded, nEmbd, `domainProbes.${domain}`));
    }
  }
  const notes = read.optionalString("notes", top.notes);
  return {
    version,
    createdAt,
    modelFingerprint,
    nEmbd,
    layer,
    method,
    datasetHash,
    tools,
    params,
    vectors: { global, domains },
    ...(toolMeans === undefined ? {} : { toolMeans }),
    router,
    probe,
    ...(domainProbes === undefined ? {} : { domainProbes }),
    ...(notes === undefined ? {} : { notes }),
  };
}

function decodeVector(read: FieldReader, field: string, value: unknown, nEmbd: number, layer: number, modelFingerprint: string): SteeringVector {
  const o = read.object(field, value);
  read.onlyKeys(field, o, ["method", "source", "notes", "layers"]);
  const method = read.string(`${field}.method`, o.method);
  const source = read.optionalString(`${field}.source`, o.source);
  const notes = read.optionalString(`${field}.notes`, o.notes);
  const layers = read.object(`${field}.layers`, o.layers);
  const directions = new Map<number, Float32Array>();
  for (const [key, encoded] of Object.entries(layers)) {
    if (!/^(0|[1-9][0-9]*)$/.test(key) || Number(key) > MAX_LAYER) throw read.fail(`${field}.layers`, `has the key ${JSON.stringify(key)}, which is not a layer number`);
    directions.set(Number(key), read.array(`${field}.layers.${key}`, encoded, "f32", nEmbd));
  }
  if (!directions.has(layer)) throw read.fail(`${field}.layers`, `has no direction for the asset's layer ${layer}`);
  return SteeringVector.create(directions, { modelFingerprint, nEmbd, method, source, notes });
}

function decodeVectorMap(read: FieldReader, field: string, value: unknown, vector: (field: string, value: unknown) => SteeringVector): Map<string, SteeringVector> {
  const o = read.object(field, value);
  const out = new Map<string, SteeringVector>();
  for (const [name, encoded] of Object.entries(o)) {
    if (name.length === 0) throw read.fail(field, "has an empty name");
    out.set(name, vector(`${field}.${name}`, encoded));
  }
  return out;
}

function decodeStandardizer(read: FieldReader, field: string, value: unknown, nEmbd: number): Standardizer | null {
  if (value === null) return null;
  const o = read.object(field, value);
  read.onlyKeys(field, o, ["mean", "scale"]);
  const mean = read.array(`${field}.mean`, o.mean, "f64", nEmbd);
  const scale = read.array(`${field}.scale`, o.scale, "f64", nEmbd);
  const bad = scale.findIndex((s) => !(s > 0));
  if (bad >= 0) throw read.fail(`${field}.scale`, `must be positive but element ${bad} is ${scale[bad]}`);
  return { mean, scale };
}

function decodeRouter(read: FieldReader, value: unknown, nEmbd: number): SoftmaxRouter {
  const o = read.object("router", value);
  read.onlyKeys("router", o, ["classes", "standardizer", "weights", "bias"]);
  const classes = read.names("router.classes", o.classes);
  if (classes.length < 2) throw read.fail("router.classes", `must name at least two classes but names ${classes.length}`);
  if (classes.length * nEmbd > 1 << 28) throw read.fail("router.classes", `names ${classes.length} classes, too many for nEmbd ${nEmbd}`);
  return {
    classes,
    standardizer: decodeStandardizer(read, "router.standardizer", o.standardizer, nEmbd),
    weights: read.array("router.weights", o.weights, "f64", classes.length * nEmbd),
    bias: read.array("router.bias", o.bias, "f64", classes.length),
  };
}

function decodeProbe(read: FieldReader, value: unknown, nEmbd: number, field = "probe"): LinearProbe {
  const o = read.object(field, value);
  read.onlyKeys(field, o, ["standardizer", "weights", "bias"]);
  return {
    standardizer: decodeStandardizer(read, `${field}.standardizer`, o.standardizer, nEmbd),
    weights: read.array(`${field}.weights`, o.weights, "f64", nEmbd),
    bias: read.finite(`${field}.bias`, o.bias),
  };
}
