/** The options that say how a controller is chosen on VAL, shared by `eval` and `build`. */
import { ALPHA_UNITS, GATE_MODES, INJECTION_POSITIONS, VECTOR_SETS, type AlphaUnit, type GateMode, type InjectionPositions, type VectorSet } from "../assets/index.js";
import type { BuildAsaResult } from "../science/buildAsa.js";
import { SELECTION_RULES, SELECTION_RULE_DESCRIPTIONS, parseSelectionRule, type SelectionRule } from "../science/selection.js";
import { UsageError, type OptionSpec } from "./command.js";
import { parseInteger, parseLayers } from "./shared.js";

export const gateOption: OptionSpec = { type: "string", description: `gate modes tried on VAL, or one to force: ${GATE_MODES.join(", ")} (default all)`, valueName: "MODES" };
export const selectOption: OptionSpec = { type: "string", description: `rule choosing α, τ and the gate on VAL: ${SELECTION_RULES.join(", ")} (default mcc)`, valueName: "RULE" };
export const alphaUnitOption: OptionSpec = {
  type: "string",
  description: "what the α grid counts in: raw (multiples of the mixture vector, the paper's) or residual (multiples of the residual's mean norm at the layer, the same push on any model) (default raw)",
  valueName: "UNIT",
};
export const valLayersOption: OptionSpec = {
  type: "string",
  description: "candidate layers chosen on VAL together with α, τ and the gate, by the same rule (each layer costs one VAL selection's generations) (default: the best probe-AUC layer on TRAIN)",
  valueName: "LIST|A..B",
};
export const positionsOption: OptionSpec = {
  type: "string",
  description: `injection positions tried on VAL, or one to force: ${INJECTION_POSITIONS.join(", ")} (last-prompt: the paper's, shares the tools' prefix; prompt: every prompt token, a full prefill per steered prompt) (default last-prompt)`,
  valueName: "LIST",
};
export const vectorsOption: OptionSpec = {
  type: "string",
  description: `directions tried on VAL, or one to force: ${VECTOR_SETS.join(", ")} (mov: domain + β·global, the paper's; global or domain alone) (default mov)`,
  valueName: "LIST",
};
export const randomControlOption: OptionSpec = {
  type: "boolean",
  description: "also run the chosen point on VAL with a norm-matched random direction (same gate, α, positions) and report the paired counts: one more steered VAL pass",
};
export const maxTokensOption: OptionSpec = { type: "string", description: "new tokens per sample, or auto: the data's longest expected call + 32 (default auto)", valueName: "N|auto" };

export function parseGateModes(value: unknown): GateMode[] {
  if (value === undefined) return [...GATE_MODES];
  const modes = String(value).split(",").map((m) => m.trim());
  if (modes.some((m) => !GATE_MODES.includes(m as GateMode))) throw new UsageError(`--gate must list modes among ${GATE_MODES.join(", ")} (got ${JSON.stringify(String(value))})`);
  return modes as GateMode[];
}

/** A comma-separated list of allowed values (--positions, --vectors); undefined when the option is absent. */
function parseChoices<T extends string>(option: string, value: unknown, allowed: readonly T[]): T[] | undefined {
  if (value === undefined) return undefined;
  const list = String(value).split(",").map((v) => v.trim());
  if (list.some((v) => !allowed.includes(v as T))) throw new UsageError(`--${option} must list values among ${allowed.join(", ")} (got ${JSON.stringify(String(value))})`);
  return [...new Set(list)] as T[];
}

export const parsePositions = (value: unknown): InjectionPositions[] | undefined => parseChoices("positions", value, INJECTION_POSITIONS);
export const parseVectorSets = (value: unknown): VectorSet[] | undefined => parseChoices("vectors", value, VECTOR_SETS);

export function parseSelect(value: unknown): SelectionRule {
  try {
    return parseSelectionRule(value, "--select");
  } catch {
    throw new UsageError(`--select must be one of ${SELECTION_RULES.join(", ")} (got ${JSON.stringify(String(value))})`);
  }
}

/** undefined for "auto" (the default): the budget then comes from the data. */
export function parseMaxTokens(value: unknown): number | undefined {
  return value === undefined || value === "auto" ? undefined : parseInteger("max-tokens", value, 96, 1);
}

export function parseAlphaUnit(value: unknown): AlphaUnit {
  if (value === undefined) return "raw";
  if (!ALPHA_UNITS.includes(value as AlphaUnit)) throw new UsageError(`--alpha-unit must be one of ${ALPHA_UNITS.join(", ")} (got ${JSON.stringify(String(value))})`);
  return value as AlphaUnit;
}

/** --val-layers, which cannot be combined with a fixed --layer. */
export function parseValLayers(values: { layer?: unknown; "val-layers"?: unknown }): number[] | undefined {
  const layers = parseLayers(values["val-layers"], "val-layers");
  if (layers !== undefined && values.layer !== undefined) throw new UsageError("--val-layers chooses the layer on VAL; it cannot be combined with --layer");
  return layers;
}

/** The VAL selection as `build --json` and `eval --json` report it: every point tried, tagged with its layer. */
export function selectionJson(selection: BuildAsaResult["selection"], maxTokens: number) {
  const { baseline, points, rule, fallback, chosen, layers, randomControl } = selection;
  return {
    rule,
    rule_description: SELECTION_RULE_DESCRIPTIONS[rule],
    fallback,
    chosen: { layer: chosen.layer, positions: chosen.positions, vectors: chosen.vectors, alpha: chosen.alpha, tau: chosen.tau, gate: chosen.gate },
    layers,
    max_tokens: maxTokens,
    val_baseline: baseline,
    points: points.map((p) => ({ layer: p.layer, positions: p.positions, vectors: p.vectors, alpha: p.alpha, tau: p.tau, gate: p.gate, ...p.metrics })),
    ...(randomControl ? { random_control: randomControl } : {}),
  };
}
