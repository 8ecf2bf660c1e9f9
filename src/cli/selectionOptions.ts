/** The options that say how a controller is chosen on VAL, shared by `eval` and `build`. */
import { GATE_MODES, type GateMode } from "../assets/index.js";
import { SELECTION_RULES, parseSelectionRule, type SelectionRule } from "../science/selection.js";
import { UsageError, type OptionSpec } from "./command.js";
import { parseInteger } from "./shared.js";

export const gateOption: OptionSpec = { type: "string", description: `gate modes tried on VAL, or one to force: ${GATE_MODES.join(", ")} (default all)`, valueName: "MODES" };
export const selectOption: OptionSpec = { type: "string", description: `rule choosing α, τ and the gate on VAL: ${SELECTION_RULES.join(", ")} (default mcc)`, valueName: "RULE" };
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
