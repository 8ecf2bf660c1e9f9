/**
 * BFCL's schema dialect and answer lists, turned into this project's shapes. BFCL writes parameter schemas with
 * Python type names (`dict`, `float`, `tuple`, `any` ...) and gives, per argument, a list of acceptable values in
 * which nested dicts again hold per-key lists and `""` marks an argument that may be left out.
 */
import { isPlainObject } from "../validate.js";
import type { JsonSchema } from "../types.js";

/** BFCL type names and their JSON Schema types; `any` (and unknown names) leave the type unconstrained. */
const TYPE_NAMES: Readonly<Record<string, string | undefined>> = {
  dict: "object",
  object: "object",
  float: "number",
  number: "number",
  integer: "integer",
  int: "integer",
  string: "string",
  str: "string",
  boolean: "boolean",
  bool: "boolean",
  array: "array",
  list: "array",
  tuple: "array",
  null: "null",
};

/**
 * A BFCL schema as JSON Schema. Type names are mapped (an unknown or `any` type is dropped and kept under
 * `x-bfcl-type`, so the schema accepts any value as BFCL does), recursively through `properties` and `items`;
 * every other keyword (description, enum, default, required ...) is kept as written.
 */
export function toJsonSchema(schema: unknown): JsonSchema {
  if (!isPlainObject(schema)) return {};
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "type" && typeof value === "string") {
      const mapped = TYPE_NAMES[value.toLowerCase()];
      if (mapped !== undefined) out.type = mapped;
      else out["x-bfcl-type"] = value;
    } else if (key === "properties" && isPlainObject(value)) {
      out.properties = Object.fromEntries(Object.entries(value).map(([name, property]) => [name, toJsonSchema(property)]));
    } else if (key === "items") {
      out.items = Array.isArray(value) ? value.map(toJsonSchema) : toJsonSchema(value);
    } else {
      out[key] = value;
    }
  }
  return out;
}

/** The parameters of a BFCL function: always an object schema, whatever the file says at the top. */
export function toParametersSchema(parameters: unknown): JsonSchema {
  const schema = toJsonSchema(parameters);
  return { ...schema, type: "object", properties: isPlainObject(schema.properties) ? schema.properties : {} };
}

/** At most this many literal alternatives are built from one answer's nested per-key lists (products grow fast). */
export const MAX_ALTERNATIVES = 64;

/**
 * The literal values one BFCL acceptable value stands for. A dict holds a list of acceptable values per key
 * (`""`: the key may be absent), so it stands for every combination; a list stands for the combinations of its
 * elements. Capped at `MAX_ALTERNATIVES`, in file order.
 */
export function expandAcceptable(value: unknown): unknown[] {
  if (Array.isArray(value)) {
    return product(value.map(expandAcceptable), (parts) => parts);
  }
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    const options = keys.map((key) => {
      const listed = value[key];
      if (!Array.isArray(listed)) return [{ present: true, value: listed }];
      return listed.flatMap((v) => (v === "" ? [{ present: false, value: undefined }] : expandAcceptable(v).map((e) => ({ present: true, value: e }))));
    });
    return product(options, (parts) => Object.fromEntries(parts.flatMap((p, i) => (p.present ? [[keys[i], p.value]] : []))));
  }
  return [value];
}

/** The acceptable values of one argument, as listed in BFCL's answer: `""` kept as the mark of an omittable one. */
export function acceptableValues(listed: unknown): unknown[] {
  const values = Array.isArray(listed) ? listed : [listed];
  const out: unknown[] = [];
  for (const v of values) {
    for (const e of v === "" ? [""] : expandAcceptable(v)) {
      if (out.length < MAX_ALTERNATIVES) out.push(e);
    }
  }
  return out;
}

function product<T, R>(choices: T[][], build: (parts: T[]) => R): R[] {
  let partials: T[][] = [[]];
  for (const options of choices) {
    const next: T[][] = [];
    for (const partial of partials) {
      for (const option of options) {
        if (next.length === MAX_ALTERNATIVES) break;
        next.push([...partial, option]);
      }
    }
    partials = next;
  }
  return partials.map(build);
}
