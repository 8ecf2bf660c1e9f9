/**
 * A small, safe reader for the two payload dialects models emit: strict JSON, and Python literals (dict, list,
 * tuple, str, int, float, True/False/None, single quotes, trailing commas). Nothing is ever evaluated.
 *
 * The reader is iterative with an explicit stack capped at `MAX_LITERAL_DEPTH`, so hostile nesting yields an
 * error instead of a stack overflow, and every character is visited a bounded number of times (linear time).
 */

export type LiteralDialect = "json" | "python";

/** Containers nested deeper than this are refused. */
export const MAX_LITERAL_DEPTH = 64;

export type LiteralParse = { ok: true; value: unknown; end: number } | { ok: false; error: string; position: number };

type Frame =
  | { kind: "array"; items: unknown[]; closer: "]" | ")"; sawComma: boolean }
  | { kind: "object"; entries: Record<string, unknown>; key: string };

class LiteralSyntaxError {
  constructor(
    readonly message: string,
    readonly position: number,
  ) {}
}

const QUOTE_DOUBLE = 0x22;
const QUOTE_SINGLE = 0x27;
const BACKSLASH = 0x5c;

/** Reads one value of `dialect` starting at `start` (leading whitespace allowed). `end` is the index just after it. */
export function parseLiteralAt(text: string, start: number, dialect: LiteralDialect): LiteralParse {
  try {
    return new LiteralReader(text, dialect).read(start);
  } catch (e) {
    if (e instanceof LiteralSyntaxError) return { ok: false, error: e.message, position: e.position };
    // Only a bug (or an engine limit such as a string too long) lands here; report it rather than throw.
    return { ok: false, error: `unreadable payload (${e instanceof Error ? e.message : String(e)})`, position: start };
  }
}

class LiteralReader {
  private pos = 0;
  private readonly python: boolean;

  constructor(
    private readonly text: string,
    dialect: LiteralDialect,
  ) {
    this.python = dialect === "python";
  }

  read(start: number): LiteralParse {
    this.pos = start;
    const stack: Frame[] = [];
    let value: unknown;
    let wantValue = true;
    for (;;) {
      if (wantValue) {
        this.skipWhitespace();
        const c = this.text.charCodeAt(this.pos);
        if (c === 0x7b /* { */ || c === 0x5b /* [ */ || (c === 0x28 /* ( */ && this.python)) {
          if (stack.length >= MAX_LITERAL_DEPTH) this.fail(`nesting deeper than ${MAX_LITERAL_DEPTH} levels`);
          this.pos++;
          this.skipWhitespace();
          if (c === 0x7b) {
            if (this.text.charCodeAt(this.pos) === 0x7d /* } */) {
              this.pos++;
              value = {};
              wantValue = false;
              continue;
            }
            stack.push({ kind: "object", entries: {}, key: this.readKeyAndColon() });
            continue;
          }
          const closer = c === 0x5b ? "]" : ")";
          if (this.text[this.pos] === closer) {
            this.pos++;
            value = [];
            wantValue = false;
            continue;
          }
          stack.push({ kind: "array", items: [], closer, sawComma: false });
          continue;
        }
        value = this.readScalar();
        wantValue = false;
        continue;
      }

      const top = stack[stack.length - 1];
      if (top === undefined) return { ok: true, value, end: this.pos };
      if (top.kind === "array") top.items.push(value);
      else setOwn(top.entries, top.key, value);
      this.skipWhitespace();
      const closer = top.kind === "array" ? top.closer : "}";
      const next = this.text[this.pos];
      if (next === ",") {
        this.pos++;
        if (top.kind === "array") top.sawComma = true;
        this.skipWhitespace();
        // Python allows a trailing comma before the closing bracket; JSON does not.
        if (!(this.python && this.text[this.pos] === closer)) {
          if (top.kind === "object") top.key = this.readKeyAndColon();
          wantValue = true;
          continue;
        }
      } else if (next !== closer) {
        this.fail(this.pos >= this.text.length ? "unexpected end of input" : `expected ',' or '${closer}'`);
      }
      this.pos++;
      stack.pop();
      // A parenthesised single value without a comma is just that value in Python, not a tuple.
      if (top.kind === "array") value = top.closer === ")" && top.items.length === 1 && !top.sawComma ? top.items[0] : top.items;
      else value = top.entries;
    }
  }

  private readKeyAndColon(): string {
    this.skipWhitespace();
    const c = this.text.charCodeAt(this.pos);
    if (c !== QUOTE_DOUBLE && !(this.python && this.startsPythonString())) {
      this.fail(this.pos >= this.text.length ? "unexpected end of input" : this.python ? "dict keys must be strings" : "expected a string key");
    }
    const key = this.readString();
    this.skipWhitespace();
    if (this.text.charCodeAt(this.pos) !== 0x3a /* : */) this.fail("expected ':' after key");
    this.pos++;
    return key;
  }

  private readScalar(): unknown {
    const c = this.text.charCodeAt(this.pos);
    if (Number.isNaN(c)) this.fail("unexpected end of input");
    if (c === QUOTE_DOUBLE || (this.python && this.startsPythonString())) {
      return this.readString();
    }
    if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39) || (this.python && (c === 0x2b /* + */ || c === 0x2e) /* . */)) {
      return this.readNumber();
    }
    const word = this.readWord();
    if (this.python) {
      if (word === "True") return true;
      if (word === "False") return false;
      if (word === "None") return null;
    } else {
      if (word === "true") return true;
      if (word === "false") return false;
      if (word === "null") return null;
    }
    this.pos -= word.length;
    return this.fail(word.length > 0 ? `unexpected word '${word.slice(0, 20)}'` : `unexpected character ${JSON.stringify(this.text[this.pos])}`);
  }

  private startsPythonString(): boolean {
    const c = this.text.charCodeAt(this.pos);
    if (c === QUOTE_SINGLE || c === QUOTE_DOUBLE) return true;
    if (!isStringPrefix(c)) return false;
    const next = this.text.charCodeAt(this.pos + 1);
    return next === QUOTE_SINGLE || next === QUOTE_DOUBLE;
  }

  private readWord(): string {
    const begin = this.pos;
    while (this.pos < this.text.length && this.pos - begin < 32 && isWordChar(this.text.charCodeAt(this.pos))) this.pos++;
    return this.text.slice(begin, this.pos);
  }

  private readNumber(): number {
    const begin = this.pos;
    const text = this.text;
    if (text[this.pos] === "-" || (this.python && text[this.pos] === "+")) this.pos++;
    const intStart = this.pos;
    this.skipDigits();
    const intDigits = this.pos - intStart;
    if (!this.python && (intDigits === 0 || (intDigits > 1 && text[intStart] === "0"))) this.fail("malformed number", begin);
    let fracDigits = 0;
    if (text[this.pos] === ".") {
      this.pos++;
      const fracStart = this.pos;
      this.skipDigits();
      fracDigits = this.pos - fracStart;
      if (!this.python && fracDigits === 0) this.fail("malformed number", begin);
    }
    if (intDigits === 0 && fracDigits === 0) this.fail("malformed number", begin);
    if (text[this.pos] === "e" || text[this.pos] === "E") {
      this.pos++;
      if (text[this.pos] === "+" || text[this.pos] === "-") this.pos++;
      const expStart = this.pos;
      this.skipDigits();
      if (this.pos === expStart) this.fail("malformed number", begin);
    }
    if (isWordChar(text.charCodeAt(this.pos))) this.fail("malformed number", begin);
    const literal = text.slice(begin, this.pos);
    const value = Number(this.python ? literal.replaceAll("_", "") : literal);
    if (!Number.isFinite(value)) this.fail("malformed number", begin);
    return value;
  }

  private skipDigits(): void {
    const text = this.text;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      // Python permits one underscore between digits ("1_000").
      const digitSeparator = this.python && c === 0x5f && isDigit(text.charCodeAt(this.pos - 1)) && isDigit(text.charCodeAt(this.pos + 1));
      if (!isDigit(c) && !digitSeparator) return;
      this.pos++;
    }
  }

  private readString(): string {
    let raw = false;
    const prefix = this.text.charCodeAt(this.pos);
    if (this.python && isStringPrefix(prefix)) {
      const p = this.text[this.pos].toLowerCase();
      if (p === "b") this.fail("bytes literals are not supported");
      if (p === "f") this.fail("f-strings are not supported");
      raw = p === "r";
      this.pos++;
    }
    const quote = this.text.charCodeAt(this.pos);
    const triple = this.python && this.text.charCodeAt(this.pos + 1) === quote && this.text.charCodeAt(this.pos + 2) === quote;
    const begin = this.pos;
    this.pos += triple ? 3 : 1;
    const text = this.text;
    const parts: string[] = [];
    let chunkStart = this.pos;
    for (;;) {
      if (this.pos >= text.length) this.fail("unterminated string", begin);
      const c = text.charCodeAt(this.pos);
      if (c === quote && (!triple || (text.charCodeAt(this.pos + 1) === quote && text.charCodeAt(this.pos + 2) === quote))) {
        parts.push(text.slice(chunkStart, this.pos));
        this.pos += triple ? 3 : 1;
        return parts.join("");
      }
      if (c === BACKSLASH) {
        parts.push(text.slice(chunkStart, this.pos));
        if (raw) {
          // A raw string keeps the backslash and the character after it, which cannot end the string.
          parts.push(text.slice(this.pos, this.pos + 2));
          this.pos += 2;
        } else {
          parts.push(this.python ? this.readPythonEscape() : this.readJsonEscape());
        }
        chunkStart = this.pos;
        continue;
      }
      if (c < 0x20 && (!this.python || ((c === 0x0a || c === 0x0d) && !triple))) {
        this.fail(this.python ? "unterminated string" : "control character in string");
      }
      this.pos++;
    }
  }

  private readJsonEscape(): string {
    const e = this.text[this.pos + 1];
    this.pos += 2;
    switch (e) {
      case '"':
        return '"';
      case "\\":
        return "\\";
      case "/":
        return "/";
      case "b":
        return "\b";
      case "f":
        return "\f";
      case "n":
        return "\n";
      case "r":
        return "\r";
      case "t":
        return "\t";
      case "u":
        return String.fromCharCode(this.readHex(4));
      default:
        return this.fail("invalid escape in string", this.pos - 2);
    }
  }

  private readPythonEscape(): string {
    const e = this.text[this.pos + 1];
    this.pos += 2;
    switch (e) {
      case "\n":
        return ""; // a backslash at the end of a line continues the string
      case "\\":
      case "'":
      case '"':
        return e;
      case "a":
        return "\x07";
      case "b":
        return "\b";
      case "f":
        return "\f";
      case "n":
        return "\n";
      case "r":
        return "\r";
      case "t":
        return "\t";
      case "v":
        return "\v";
      case "x":
        return String.fromCharCode(this.readHex(2));
      case "u":
        return String.fromCharCode(this.readHex(4));
      case "U": {
        const code = this.readHex(8);
        if (code > 0x10ffff) this.fail("invalid escape in string", this.pos - 10);
        return String.fromCodePoint(code);
      }
      case undefined:
        return this.fail("unterminated string");
      default:
        if (e >= "0" && e <= "7") {
          let code = e.charCodeAt(0) - 0x30;
          for (let i = 0; i < 2 && this.text[this.pos] >= "0" && this.text[this.pos] <= "7"; i++) code = code * 8 + this.text.charCodeAt(this.pos++) - 0x30;
          return String.fromCharCode(code);
        }
        // Python keeps unknown escapes verbatim ("\d" stays backslash-d).
        return "\\" + e;
    }
  }

  private readHex(digits: number): number {
    const hex = this.text.slice(this.pos, this.pos + digits);
    if (hex.length !== digits || !/^[0-9a-fA-F]+$/.test(hex)) this.fail("invalid escape in string", this.pos - 2);
    this.pos += digits;
    return parseInt(hex, 16);
  }

  private skipWhitespace(): void {
    const text = this.text;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09 || (this.python && c === 0x0c)) this.pos++;
      else return;
    }
  }

  private fail(message: string, position = this.pos): never {
    throw new LiteralSyntaxError(message, position);
  }
}

/** Sets an own property even for "__proto__", which plain assignment would turn into a prototype change. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isWordChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
}

/** r, u, b, f (either case): Python string prefixes. Only r and u are accepted; b and f get a clear error. */
function isStringPrefix(c: number): boolean {
  return c === 0x72 || c === 0x52 || c === 0x75 || c === 0x55 || c === 0x62 || c === 0x42 || c === 0x66 || c === 0x46;
}
