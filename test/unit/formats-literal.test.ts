/** The payload reader on its own: strict JSON, and the safe Python-literal fallback. */
import { describe, expect, it } from "vitest";
import { MAX_LITERAL_DEPTH, parseLiteralAt } from "../../src/formats/index.js";

describe("parseLiteralAt", () => {
  const py = (text: string): unknown => {
    const r = parseLiteralAt(text, 0, "python");
    return r.ok ? r.value : `error: ${r.error}`;
  };
  const json = (text: string): unknown => {
    const r = parseLiteralAt(text, 0, "json");
    return r.ok ? r.value : `error: ${r.error}`;
  };

  it("reads Python literals", () => {
    expect(py("('a', 1, 2.5, -3e2, 1_000, .5)")).toEqual(["a", 1, 2.5, -300, 1000, 0.5]);
    expect(py("(1,)")).toEqual([1]);
    expect(py("(1)")).toBe(1);
    expect(py("()")).toEqual([]);
    expect(py("'''multi\nline'''")).toBe("multi\nline");
    expect(py("r'C:\\dir\\n'")).toBe("C:\\dir\\n");
    expect(py("u'\\t\\'q\\''")).toBe("\t'q'");
    expect(py("'\\d+'")).toBe("\\d+");
    expect(py("'\\101'")).toBe("A");
    expect(py("[True, False, None,]")).toEqual([true, false, null]);
  });

  it("refuses what Python literals cannot be, or would need evaluation for", () => {
    expect(py("b'bytes'")).toBe("error: bytes literals are not supported");
    expect(py("f'{x}'")).toBe("error: f-strings are not supported");
    expect(py("{1: 'a'}")).toBe("error: dict keys must be strings");
    expect(py("__import__('os')")).toBe("error: unexpected word '__import__'");
    expect(py("'open\nline'")).toBe("error: unterminated string");
    expect(py("Truely")).toBe("error: unexpected word 'Truely'");
  });

  it("keeps JSON strict", () => {
    expect(json('{"a": [1, -0.5, 2e3, true, null, "\\u00e9\\n"]}')).toEqual({ a: [1, -0.5, 2000, true, null, "é\n"] });
    expect(json("{'a': 1}")).toBe("error: expected a string key");
    expect(json("[1,]")).toBe('error: unexpected character "]"');
    expect(json("01")).toBe("error: malformed number");
    expect(json('"tab\there"')).toBe("error: control character in string");
    expect(json('"\\x41"')).toBe("error: invalid escape in string");
    expect(json("True")).toBe("error: unexpected word 'True'");
  });

  it("refuses nesting beyond MAX_LITERAL_DEPTH in both dialects, and accepts it up to there", () => {
    const nested = (depth: number): string => "[".repeat(depth) + "]".repeat(depth);
    expect(parseLiteralAt(nested(MAX_LITERAL_DEPTH), 0, "json").ok).toBe(true);
    expect(parseLiteralAt(nested(MAX_LITERAL_DEPTH + 1), 0, "json")).toEqual({ ok: false, error: "nesting deeper than 64 levels", position: 64 });
    expect(parseLiteralAt("(".repeat(1_000_000), 0, "python")).toEqual({ ok: false, error: "nesting deeper than 64 levels", position: 64 });
  });

  it("reports where a value ends, so callers can check what follows", () => {
    expect(parseLiteralAt('xx {"a": 1} tail', 2, "json")).toEqual({ ok: true, value: { a: 1 }, end: 11 });
  });
});
