/** The options that say how a controller is chosen on VAL, shared by `eval` and `build`. */
import { ALPHA_UNITS, GATE_MODES, type AlphaUnit, type GateMode } from "../assets/index.js";
import { SELECTION_RULES, parseSelectionRule, type SelectionRule } from "../science/selection.js";
import { UsageError, type OptionSpec } from "./command.js";
import { parseInteger } from "./shared.js";

export const gateOption: OptionSpec = { type: "string", description: `gate modes tried on VAL, or one to force: ${GATE_MODES.join(", ")} (default all)`, valueName: "MODES" };
export const selectOption: OptionSpec = { type: "string", description: `rule choosing α, τ and the gate on VAL: ${SELECTION_RULES.join(", ")} (default mcc)`, valueName: "RULE" };
export const alphaUnitOption: OptionSpec = {
  type: "string",
  description: "what the α grid counts in: raw (multiples of the mixture vector, the paper's) or residual (multiples of the residual's mean norm at the layer, the same push on any model) (default raw)",
  valueName: "UNIT",
};
export const maxTokensOption: OptionSpec = { type: "string", description: "new tokens per sample, or auto: the data's longest expected call + 32 (default auto)", valueName: "N|auto" };

export function parseGateModes(value: unknown): GateMode[] {
  if (value === undefined) return [...GATE_MODES];
  const modes = String(value).split(",").map((m) => m.trim());
  if (modes.some((m) => !GATE_MODES.includes(m as GateMode))) throw new UsageError(`--gate must list modes among ${GATE_MODES.join(", ")} (got ${JSON.stringify(String(value))})`);
  return modes as GateMode[];
}

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
