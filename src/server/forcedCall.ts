/**
 * `tool_choice: "required"` and a named function are enforced with a GBNF grammar over the whole reply: the
 * format's call opening, one of the allowed tool names, a JSON arguments object, the format's closing. The name is
 * then a choice among the allowed tools only; the arguments stay free JSON that the strict parser still judges.
 */
import { callGrammar } from "../science/callGrammar.js";

/** Opening up to the tool name, and what follows the arguments object, per built-in format. */
const CALL_SHAPES: Readonly<Record<string, { open: string; close: string }>> = {
  "chat-template": { open: '<tool_call>\n{"name": "', close: "}\n</tool_call>" },
  hermes: { open: '<tool_call>\n{"name": "', close: "}\n</tool_call>" },
  asa: { open: '<functioncall>{"name": "', close: "}</functioncall>" },
  json: { open: '{"name": "', close: "}" },
};

export function forcedCallFormats(): string[] {
  return Object.keys(CALL_SHAPES);
}

/** GBNF for one call to one of `names` in the format's syntax; undefined for a format without a known call shape. */
export function forcedCallGrammar(formatName: string, names: readonly string[]): string | undefined {
  const shape = CALL_SHAPES[formatName];
  if (shape === undefined || names.length === 0) return undefined;
  return callGrammar(shape.open, names, shape.close);
}
