/**
 * Scoring argument values, the way BFCL's checker does it: a schema-valid call with the wrong city, number or date
 * is still a wrong call. A dataset gives acceptable values per argument (`expected.acceptable_arguments`), or the
 * values must equal `expected.arguments`. Parallel calls (several in one answer) are matched as a set.
 */
import type { ExpectedCall } from "../data/index.js";
import type { ToolCall } from "../formats/index.js";

/** The verdict on one answer's calls against what was expected; `problems` says why they do not match. */
export interface CallsMatch {
  ok: boolean;
  problems: string[];
}

/** In an acceptable-value list, `""` means the argument may be left out (BFCL's convention, kept as is). */
export const OMITTABLE = "";

/**
 * Strings are compared as BFCL compares them: case, whitespace and the punctuation , . / - _ * ^ do not count, and
 * a single quote equals a double one ("New York, NY" matches "new york ny"). Models write free text in arguments;
 * the checker's reference tolerance is what scores are compared against.
 */
export function normalizeString(text: string): string {
  return text.replace(/[\s,./\-_*^]/g, "").toLowerCase().replace(/'/g, '"');
}

/**
 * Whether a value written by the model matches one acceptable value. Numbers compare as numbers (an integer
 * matches the same float: JSON has one number type, and BFCL lets an int stand for a float), strings as
 * `normalizeString`, lists element by element in order, objects key by key with the same keys.
 */
export function valueMatches(actual: unknown, acceptable: unknown): boolean {
  if (typeof acceptable === "number") return typeof actual === "number" && actual === acceptable;
  if (typeof acceptable === "string") return typeof actual === "string" && normalizeString(actual) === normalizeString(acceptable);
  if (acceptable === null || typeof acceptable === "boolean") return actual === acceptable;
  if (Array.isArray(acceptable)) {
    return Array.isArray(actual) && actual.length === acceptable.length && acceptable.every((v, i) => valueMatches(actual[i], v));
  }
  if (isRecord(acceptable)) {
    if (!isRecord(actual)) return false;
    const keys = Object.keys(acceptable);
    return keys.length === Object.keys(actual).length && keys.every((k) => Object.hasOwn(actual, k) && valueMatches(actual[k], acceptable[k]));
  }
  return false;
}

/** Why one call does not match one expected call (empty when it does). */
export function callProblems(call: ToolCall, expected: ExpectedCall): string[] {
  if (call.name !== expected.name) return [`called ${JSON.stringify(call.name)}, expected ${JSON.stringify(expected.name)}`];
  const explicit = expected.acceptable_arguments;
  const acceptable = explicit ?? Object.fromEntries(Object.entries(expected.arguments).map(([k, v]) => [k, [v]]));
  const problems: string[] = [];
  for (const [argument, values] of Object.entries(acceptable)) {
    if (!Object.hasOwn(call.arguments, argument)) {
      if (!values.includes(OMITTABLE)) problems.push(`argument ${JSON.stringify(argument)} is missing`);
      continue;
    }
    const actual = call.arguments[argument];
    if (!values.some((v) => valueMatches(actual, v))) {
      problems.push(`argument ${JSON.stringify(argument)} is ${short(actual)}, expected ${values.length === 1 ? short(values[0]) : `one of ${values.map(short).join(", ")}`}`);
    }
  }
  // Listed acceptable values name every argument the call may pass (BFCL lists optional ones with ""). The equality
  // fallback pins only what the dataset wrote, so an optional argument it left out is no error there.
  if (explicit !== undefined) {
    for (const argument of Object.keys(call.arguments)) {
      if (!Object.hasOwn(explicit, argument)) problems.push(`argument ${JSON.stringify(argument)} is not expected`);
    }
  }
  return problems;
}

/** Every call an answer is expected to hold: the labelled one and its parallel companions. */
export function expectedCallsOf(expected: ExpectedCall): ExpectedCall[] {
  return [expected, ...(expected.parallel_calls ?? [])];
}

/**
 * Matches an answer's calls against the expected ones as a set: same count, and some one-to-one pairing in which
 * every call matches its expected call (order is free, as parallel calls have none).
 */
export function matchCalls(calls: readonly ToolCall[], expected: ExpectedCall): CallsMatch {
  const wanted = expectedCallsOf(expected);
  if (calls.length !== wanted.length) return { ok: false, problems: [`${calls.length} call${calls.length === 1 ? "" : "s"}, expected ${wanted.length}`] };
  if (wanted.length === 1) {
    const problems = callProblems(calls[0], wanted[0]);
    return { ok: problems.length === 0, problems };
  }
  const fits = calls.map((call) => wanted.map((w) => callProblems(call, w).length === 0));
  if (perfectMatching(fits)) return { ok: true, problems: [] };
  return { ok: false, problems: [`no pairing of the ${calls.length} calls with the expected ones matches every value`] };
}

/** Kuhn's augmenting paths on a square compatibility table: n is the number of calls in one answer (small). */
function perfectMatching(fits: readonly boolean[][]): boolean {
  const owner: number[] = new Array(fits.length).fill(-1);
  const tryAssign = (call: number, seen: boolean[]): boolean => {
    for (let slot = 0; slot < fits.length; slot++) {
      if (!fits[call][slot] || seen[slot]) continue;
      seen[slot] = true;
      if (owner[slot] < 0 || tryAssign(owner[slot], seen)) {
        owner[slot] = call;
        return true;
      }
    }
    return false;
  };
  return fits.every((_, call) => tryAssign(call, new Array(fits.length).fill(false)));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
