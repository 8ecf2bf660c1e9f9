/**
 * A GBNF grammar for the rest of an opened call: one of the menu's tool names, then JSON arguments, then the
 * format's closing. It makes the tool choice a choice among the offered tools (the setting where steering a
 * choice can be measured at all) while leaving the arguments free JSON that the strict parser still judges.
 */

/** What follows the arguments object of an opened call, per format. */
const CALL_CLOSINGS: Readonly<Record<string, string>> = {
  asa: "}</functioncall>",
  hermes: "}\n</tool_call>",
  json: "}",
};

/** A GBNF string literal for `text`. */
function literal(text: string): string {
  return JSON.stringify(text);
}

/** Free JSON for the arguments object (the strict parser judges it afterwards). */
const JSON_OBJECT_RULES = [
  'object ::= "{" ws ( pair ( ws "," ws pair )* )? ws "}"',
  'pair ::= string ws ":" ws value',
  'value ::= string | number | object | array | "true" | "false" | "null"',
  'array ::= "[" ws ( value ( ws "," ws value )* )? ws "]"',
  'string ::= "\\"" ( [^"\\\\\\x00-\\x1f] | "\\\\" ["\\\\/bfnrt] )* "\\""',
  'number ::= "-"? [0-9]+ ( "." [0-9]+ )?',
  'ws ::= " "?',
];

/**
 * Grammar for `OPENING NAME", "arguments": {JSON}CLOSING` with NAME one of `names` (escaped as a JSON string's
 * content, since the name sits inside one).
 */
export function callGrammar(opening: string, names: readonly string[], closing: string): string {
  const head = opening === "" ? "" : `${literal(opening)} `;
  return [
    `root ::= ${head}name ${literal('", "arguments": ')} object ${literal(closing)}`,
    `name ::= ${names.map((n) => literal(JSON.stringify(n).slice(1, -1))).join(" | ")}`,
    ...JSON_OBJECT_RULES,
  ].join("\n");
}

/**
 * Grammar for `NAME", "arguments": {JSON}CLOSING` with NAME one of `names`. Undefined for a format without a
 * known closing.
 */
export function menuCallGrammar(formatName: string, names: readonly string[]): string | undefined {
  const closing = CALL_CLOSINGS[formatName];
  if (closing === undefined || names.length === 0) return undefined;
  return callGrammar("", names, closing);
}

/**
 * Grammar for the arguments object and the format's closing alone (a call whose name is already written).
 * Undefined for a format without a known closing.
 */
export function argumentsGrammar(formatName: string): string | undefined {
  const closing = CALL_CLOSINGS[formatName];
  if (closing === undefined) return undefined;
  return [`root ::= object ${literal(closing)}`, ...JSON_OBJECT_RULES].join("\n");
}
