// The GGUF reader's bounds on untrusted metadata: one huge string, and many strings that are each small enough.

import { beforeAll, describe, expect, it } from "vitest";

import { ErrorCodes } from "../../src/errors.js";
import { GgmlType, GgufValueType } from "../../src/gguf/format.js";
import { GgufOmittedValue, readGgufHeader } from "../../src/gguf/reader.js";
import { GgufWriter } from "../../src/gguf/writer.js";
import { steerErrorOf } from "../helpers/errors.js";
import { useTempDir } from "../helpers/tempDir.js";

const temp = useTempDir("gguf-limits");

const write = (writer: GgufWriter) => temp.write(writer.toBuffer(), "gguf");


const MB = 1024 * 1024;

describe("writing large metadata", () => {
  it("round-trips strings and numbers that land where the writer's buffer grows", async () => {
    // Odd sizes put length fields, numbers and string bytes across each doubling of the 64 KB buffer.
    const w = new GgufWriter();
    const expected = new Map<string, string | number>();
    for (let i = 0; i < 60; i++) {
      const text = String.fromCharCode(97 + (i % 26)).repeat(1000 + i * 3001);
      w.addString(`s.${i}`, text).addUint32(`n.${i}`, i * 7919);
      expected.set(`s.${i}`, text).set(`n.${i}`, i * 7919);
    }
    const info = await readGgufHeader(await write(w), { maxStringBytes: 16 * MB });
    for (const [key, value] of expected) expect(info.metadata.get(key), key).toBe(value);
  });
});

describe("a 50 MB string value", () => {
  let path: string;
  const big = 50 * MB;
  beforeAll(async () => {
    path = await write(
      new GgufWriter()
        .addString("general.architecture", "llama")
        .addString("tokenizer.chat_template", "{% for m in messages %}".padEnd(big, " "))
        .addUint32("after.the.string", 7)
        .addTensor("w", { type: GgmlType.F32, shape: [4], data: new Float32Array([1, 2, 3, 4]) }),
    );
  });

  it("is skipped, not read, under the default limit; the keys and tensors after it are intact", async () => {
    const info = await readGgufHeader(path);
    expect(info.metadata.get("tokenizer.chat_template")).toEqual(new GgufOmittedValue(GgufValueType.STRING, big));
    expect(info.metadataTypes.get("tokenizer.chat_template")).toEqual({ type: GgufValueType.STRING });
    expect(info.metadata.get("after.the.string")).toBe(7);
    expect(info.metadata.get("general.architecture")).toBe("llama");
    expect(info.tensors.map((t) => [t.name, t.byteSize])).toEqual([["w", 16]]);
    expect(info.dataEnd).toBeLessThanOrEqual(info.fileSize);
  });

  it("is read when the caller raises the string limit, and refused when the total limit is below it", async () => {
    const info = await readGgufHeader(path, { maxStringBytes: 64 * MB });
    expect((info.metadata.get("tokenizer.chat_template") as string).length).toBe(big);
    const error = await steerErrorOf(readGgufHeader(path, { maxStringBytes: 64 * MB, maxMetadataBytes: 16 * MB }));
    expect(error.code).toBe(ErrorCodes.NOT_GGUF);
    expect(error.details).toMatchObject({ reason: "metadata-too-large", key: "tokenizer.chat_template", limit: 16 * MB });
  });
});

describe("the total of metadata read into memory", () => {
  // 40 strings of 512 KB: each passes the 1 MB per-string limit, together they are 20 MB.
  const manyStrings = () => {
    const w = new GgufWriter().addString("general.architecture", "llama");
    for (let i = 0; i < 40; i++) w.addString(`junk.${i}`, String(i % 10).repeat(512 * 1024));
    return w;
  };

  it("refuses a file whose small strings add up past maxMetadataBytes, naming the key where the budget ran out", async () => {
    const path = await write(manyStrings());
    expect((await readGgufHeader(path)).metadata.size).toBe(41);
    const error = await steerErrorOf(readGgufHeader(path, { maxMetadataBytes: 8 * MB }));
    expect(error.code).toBe(ErrorCodes.NOT_GGUF);
    expect(error.message).toMatch(
      /is not a usable GGUF file: its metadata needs more than 8388608 bytes of strings and arrays in memory \(reached at key "junk\.15"; the limit is maxMetadataBytes\)$/,
    );
  });

  it("counts arrays, and the length field of every string element", async () => {
    const numbers = await write(new GgufWriter().addArray("n", GgufValueType.INT32, new Int32Array(1000)));
    await expect(readGgufHeader(numbers, { maxMetadataBytes: 4000 })).resolves.toBeDefined();
    expect((await steerErrorOf(readGgufHeader(numbers, { maxMetadataBytes: 3999 }))).details).toMatchObject({ reason: "metadata-too-large", key: "n" });

    const empties = await write(new GgufWriter().addArray("tokens", GgufValueType.STRING, new Array<string>(1000).fill("")));
    await expect(readGgufHeader(empties, { maxMetadataBytes: 8000 })).resolves.toBeDefined();
    expect((await steerErrorOf(readGgufHeader(empties, { maxMetadataBytes: 7999 }))).details).toMatchObject({ reason: "metadata-too-large", key: "tokens" });
  });

  it("does not count values the per-value limits omitted", async () => {
    const path = await write(manyStrings().addArray("tokens", GgufValueType.STRING, ["a", "b".repeat(2 * MB)]));
    const info = await readGgufHeader(path, { maxStringBytes: 1024, maxMetadataBytes: 1024 });
    expect(info.metadata.get("junk.0")).toEqual(new GgufOmittedValue(GgufValueType.STRING, 512 * 1024));
    expect(info.metadata.get("tokens")).toEqual(new GgufOmittedValue(GgufValueType.ARRAY, 2, GgufValueType.STRING));
    // The array's first element was read before the second turned out too long; dropping it gives its bytes back.
    const exact = await write(new GgufWriter().addArray("t", GgufValueType.STRING, ["a".repeat(100), "b".repeat(2000)]).addString("s", "c".repeat(100)));
    expect((await readGgufHeader(exact, { maxStringBytes: 1000, maxMetadataBytes: 120 })).metadata.get("s")).toBe("c".repeat(100));
  });

  it("names a bad option", async () => {
    const path = await write(new GgufWriter().addString("general.architecture", "llama"));
    expect((await steerErrorOf(readGgufHeader(path, { maxMetadataBytes: -1 }))).message).toBe("Expected an integer >= 0 for options.maxMetadataBytes but received -1 of type number");
    expect((await steerErrorOf(readGgufHeader(path, { maxMetadataByte: 1 } as never))).message).toMatch(/did you mean "maxMetadataBytes"/);
  });
});
