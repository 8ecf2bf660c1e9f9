import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ErrorCodes, SteerError } from "../../src/errors.js";
import { GgmlType, GgufValueType, float16BitsToNumber, numberToFloat16Bits } from "../../src/gguf/format.js";
import { GgufOmittedValue, readGgufHeader, readGgufTensor } from "../../src/gguf/reader.js";
import { GgufWriter } from "../../src/gguf/writer.js";
import { SeededRandom } from "../../src/synthetic/random.js";
import { steerErrorOf } from "../helpers/errors.js";
import { useTempDir } from "../helpers/tempDir.js";

const temp = useTempDir("gguf");

const writeTemp = (bytes: Uint8Array) => temp.write(bytes, "gguf");


function sequence(n: number, f: (i: number) => number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => f(i));
}

/** A small file with every metadata type and three tensors, for round trips and corruption. */
function sampleWriter(alignment?: number): GgufWriter {
  return new GgufWriter(alignment === undefined ? {} : { alignment })
    .addString("general.architecture", "llama")
    .addUint8("t.u8", 255)
    .addInt8("t.i8", -128)
    .addUint16("t.u16", 65535)
    .addInt16("t.i16", -32768)
    .addUint32("t.u32", 4294967295)
    .addInt32("t.i32", -2147483648)
    .addUint64("t.u64", 18446744073709551615n)
    .addInt64("t.i64", -9223372036854775808n)
    .addFloat32("t.f32", 0.1)
    .addFloat64("t.f64", 0.1)
    .addBool("t.true", true)
    .addBool("t.false", false)
    .addString("t.str", "héllo wörld 🙂")
    .addString("t.empty", "")
    .addArray("a.u8", GgufValueType.UINT8, [0, 1, 255])
    .addArray("a.i8", GgufValueType.INT8, [-128, 0, 127])
    .addArray("a.u16", GgufValueType.UINT16, [0, 65535])
    .addArray("a.i16", GgufValueType.INT16, [-32768, 32767])
    .addArray("a.u32", GgufValueType.UINT32, [0, 4294967295])
    .addArray("a.i32", GgufValueType.INT32, [-2147483648, 7])
    .addArray("a.u64", GgufValueType.UINT64, [0n, 18446744073709551615n])
    .addArray("a.i64", GgufValueType.INT64, [-9223372036854775808n, 5])
    .addArray("a.f32", GgufValueType.FLOAT32, [1.5, -0.25])
    .addArray("a.f64", GgufValueType.FLOAT64, [0.1, -1e300])
    .addArray("a.bool", GgufValueType.BOOL, [true, false, true])
    .addArray("a.str", GgufValueType.STRING, ["<unk>", "▁the", "", "日本語"])
    .addArray("a.empty", GgufValueType.INT32, [])
    .addTensor("vec", { type: GgmlType.F32, shape: [5], data: sequence(5, (i) => i - 2.5) })
    .addTensor("mat", { type: GgmlType.F32, shape: [3, 2], data: sequence(6, (i) => i * 0.5) })
    .addTensor("half", { type: GgmlType.F16, shape: [4, 3], data: sequence(12, (i) => (i - 6) / 3) });
}

describe("GGUF writer -> reader round trip", () => {
  it("returns every metadata type with its declared type", async () => {
    const info = await readGgufHeader(await writeTemp(sampleWriter().toBuffer()));
    const m = info.metadata;
    expect(info.version).toBe(3);
    expect([m.get("t.u8"), m.get("t.i8"), m.get("t.u16"), m.get("t.i16"), m.get("t.u32"), m.get("t.i32")]).toEqual([255, -128, 65535, -32768, 4294967295, -2147483648]);
    expect(m.get("t.u64")).toBe(18446744073709551615n);
    expect(m.get("t.i64")).toBe(-9223372036854775808n);
    expect(m.get("t.f32")).toBe(Math.fround(0.1));
    expect(m.get("t.f64")).toBe(0.1);
    expect([m.get("t.true"), m.get("t.false")]).toEqual([true, false]);
    expect([m.get("t.str"), m.get("t.empty")]).toEqual(["héllo wörld 🙂", ""]);
    expect(m.get("a.u8")).toEqual(new Uint8Array([0, 1, 255]));
    expect(m.get("a.i8")).toEqual(new Int8Array([-128, 0, 127]));
    expect(m.get("a.u16")).toEqual(new Uint16Array([0, 65535]));
    expect(m.get("a.i16")).toEqual(new Int16Array([-32768, 32767]));
    expect(m.get("a.u32")).toEqual(new Uint32Array([0, 4294967295]));
    expect(m.get("a.i32")).toEqual(new Int32Array([-2147483648, 7]));
    expect(m.get("a.u64")).toEqual(new BigUint64Array([0n, 18446744073709551615n]));
    expect(m.get("a.i64")).toEqual(new BigInt64Array([-9223372036854775808n, 5n]));
    expect(m.get("a.f32")).toEqual(new Float32Array([1.5, -0.25]));
    expect(m.get("a.f64")).toEqual(new Float64Array([0.1, -1e300]));
    expect(m.get("a.bool")).toEqual([true, false, true]);
    expect(m.get("a.str")).toEqual(["<unk>", "▁the", "", "日本語"]);
    expect(m.get("a.empty")).toEqual(new Int32Array([]));
    expect(info.metadataTypes.get("t.u64")).toEqual({ type: GgufValueType.UINT64 });
    expect(info.metadataTypes.get("a.str")).toEqual({ type: GgufValueType.ARRAY, elementType: GgufValueType.STRING });
    expect([...m.keys()][0]).toBe("general.architecture");
  });

  it("lays tensors out aligned, in order, with ggml shapes, and reads their values back", async () => {
    const path = await writeTemp(sampleWriter().toBuffer());
    const info = await readGgufHeader(path);
    expect(info.alignment).toBe(32);
    expect(info.tensors.map((t) => [t.name, t.typeName, t.shape, t.byteSize])).toEqual([
      ["vec", "F32", [5], 20],
      ["mat", "F32", [3, 2], 24],
      ["half", "F16", [4, 3], 24],
    ]);
    expect(info.dataOffset % 32).toBe(0);
    expect(info.tensors.map((t) => t.offset - info.dataOffset)).toEqual([0, 32, 64]);
    expect(info.dataEnd).toBe(info.dataOffset + 64 + 24);
    expect(info.fileSize).toBe(info.dataOffset + 96);

    expect((await readGgufTensor(path, "vec")).values).toEqual(sequence(5, (i) => i - 2.5));
    expect((await readGgufTensor(path, "mat", info)).values).toEqual(sequence(6, (i) => i * 0.5));
    const half = await readGgufTensor(path, "half", info);
    expect(half.tensor.type).toBe(GgmlType.F16);
    const expected = sequence(12, (i) => float16BitsToNumber(numberToFloat16Bits((i - 6) / 3)));
    expect(half.values).toEqual(expected);
    half.values.forEach((v, i) => expect(Math.abs(v - (i - 6) / 3)).toBeLessThan(1e-3));
  });

  it("honours a non-default alignment through general.alignment", async () => {
    const info = await readGgufHeader(await writeTemp(sampleWriter(64).toBuffer()));
    expect(info.metadata.get("general.alignment")).toBe(64);
    expect(info.alignment).toBe(64);
    for (const t of info.tensors) expect((t.offset - info.dataOffset) % 64).toBe(0);
    expect(info.dataOffset % 64).toBe(0);
  });

  it("reads a control-vector GGUF by tensor name", async () => {
    const writer = new GgufWriter().addString("general.architecture", "controlvector").addString("controlvector.model_hint", "llama").addInt32("controlvector.layer_count", 2);
    writer.addTensor("direction.1", { type: GgmlType.F32, shape: [8], data: sequence(8, (i) => i) });
    writer.addTensor("direction.2", { type: GgmlType.F32, shape: [8], data: sequence(8, (i) => -i) });
    const path = await writeTemp(writer.toBuffer());
    expect((await readGgufTensor(path, "direction.2")).values).toEqual(sequence(8, (i) => -i));
    const missing = await steerErrorOf(readGgufTensor(path, "direction.3"));
    expect(missing.code).toBe(ErrorCodes.INVALID_ARGUMENT);
    expect(missing.message).toContain('has no tensor named "direction.3" (it has 2 tensors: direction.1, direction.2)');
  });

  it("omits arrays and strings over the limits instead of materializing them", async () => {
    const path = await writeTemp(sampleWriter().toBuffer());
    const info = await readGgufHeader(path, { maxArrayElements: 2, maxStringBytes: 5 });
    expect(info.metadata.get("a.u8")).toEqual(new GgufOmittedValue(GgufValueType.ARRAY, 3, GgufValueType.UINT8));
    expect(info.metadata.get("a.str")).toEqual(new GgufOmittedValue(GgufValueType.ARRAY, 4, GgufValueType.STRING));
    expect(info.metadata.get("a.u16")).toEqual(new Uint16Array([0, 65535]));
    expect(info.metadata.get("t.str")).toEqual(new GgufOmittedValue(GgufValueType.STRING, Buffer.byteLength("héllo wörld 🙂")));
    expect(info.metadata.get("general.architecture")).toBe("llama");
    // Omitting changes nothing else: the tensor infos are found at the same places.
    expect(info.tensors).toEqual((await readGgufHeader(path)).tensors);
  });
});

describe("half-precision conversion", () => {
  it.each([
    [0, 0x0000], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [65504, 0x7bff], [65520, 0x7c00], [1e6, 0x7c00],
    [Infinity, 0x7c00], [-Infinity, 0xfc00], [2 ** -24, 0x0001], [2 ** -25, 0x0000], [1.5 * 2 ** -25, 0x0001],
    [2 ** -14, 0x0400], [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], [1 + 2 ** -10, 0x3c01],
  ])("encodes %s as half bits %i (round to nearest even)", (value, bits) => {
    expect(numberToFloat16Bits(value)).toBe(bits);
  });

  it("maps NaN to a NaN and round-trips every finite half exactly", () => {
    expect(Number.isNaN(float16BitsToNumber(numberToFloat16Bits(NaN)))).toBe(true);
    const mismatches: number[] = [];
    for (let bits = 0; bits < 0x10000; bits++) {
      if ((bits & 0x7c00) !== 0x7c00 && numberToFloat16Bits(float16BitsToNumber(bits)) !== bits) mismatches.push(bits);
    }
    expect(mismatches).toEqual([]);
  });
});

describe("GGUF writer validation", () => {
  it("rejects values outside their declared type, with the key in the message", () => {
    const w = new GgufWriter();
    expect(() => w.addUint8("k", 256)).toThrow("Expected an integer between 0 and 255 (UINT8) for k but received 256 of type number");
    expect(() => w.addInt32("k", 1.5)).toThrow(SteerError);
    expect(() => w.addUint64("k", -1n)).toThrow(SteerError);
    expect(() => w.addString("k", 5 as unknown as string)).toThrow("Expected a string for k but received 5 of type number");
    expect(() => w.addArray("k", GgufValueType.BOOL, [true, 1 as unknown as boolean])).toThrow("for k[1]");
  });

  it("rejects duplicate keys and tensor names, bad shapes and long names", () => {
    const w = new GgufWriter().addString("k", "v").addTensor("t", { type: GgmlType.F32, shape: [2], data: new Float32Array(2) });
    expect(() => w.addString("k", "again")).toThrow('Metadata key "k" was already added');
    expect(() => w.addTensor("t", { type: GgmlType.F32, shape: [2], data: new Float32Array(2) })).toThrow(SteerError);
    expect(() => w.addTensor("u", { type: GgmlType.F32, shape: [2, 2], data: new Float32Array(3) })).toThrow("a Float32Array of 4 values (shape [2, 2])");
    expect(() => w.addTensor("v", { type: GgmlType.F32, shape: [1, 1, 1, 1, 1], data: new Float32Array(1) })).toThrow("1 to 4 positive integers");
    expect(() => w.addTensor("x".repeat(64), { type: GgmlType.F32, shape: [1], data: new Float32Array(1) })).toThrow("at most 63 UTF-8 bytes");
    expect(() => new GgufWriter({ alignment: 48 })).toThrow("Expected a power of two for options.alignment");
  });
});

describe("GGUF reader on damaged and foreign files", () => {
  it("reports every cut point before the last tensor's end as GGUF_TRUNCATED, and accepts cuts in the final padding", async () => {
    const bytes = sampleWriter().toBuffer();
    const { dataEnd } = await readGgufHeader(await writeTemp(bytes));
    const path = join(temp.dir, "cut.gguf");
    for (let cut = 1; cut < bytes.length; cut++) {
      await writeFile(path, bytes.subarray(0, cut));
      if (cut >= dataEnd) {
        expect((await readGgufHeader(path)).dataEnd).toBe(dataEnd);
        continue;
      }
      const error = await steerErrorOf(readGgufHeader(path));
      expect(error.code, `cut at ${cut}: ${error.message}`).toBe(ErrorCodes.GGUF_TRUNCATED);
    }
  });

  it("pins the truncation messages", async () => {
    const bytes = sampleWriter().toBuffer();
    const inMetadata = await steerErrorOf(readGgufHeader(await writeTemp(bytes.subarray(0, 40))));
    expect(inMetadata.message).toMatch(/is truncated: it announces 28 metadata entries, which take at least 364 bytes, but only 16 bytes follow offset 24$/);
    const inKey = await steerErrorOf(readGgufHeader(await writeTemp(bytes.subarray(0, 400))));
    expect(inKey.message).toMatch(/is truncated: the file ends at byte 400 while reading the (key|value) of metadata (entry #\d+|key "[a-z0-9.]+") \(needed \d+ bytes at offset \d+\)$/);
    const { dataEnd } = await readGgufHeader(await writeTemp(bytes));
    const inData = await steerErrorOf(readGgufHeader(await writeTemp(bytes.subarray(0, dataEnd - 1))));
    expect(inData.message).toMatch(new RegExp(`is truncated: the file is ${dataEnd - 1} bytes but tensor "half" ends at byte ${dataEnd}$`));
    expect(inData.details).toMatchObject({ fileSize: dataEnd - 1, dataEnd, tensor: "half" });
  });

  it("reports an empty file and random bytes as NOT_GGUF", async () => {
    expect((await steerErrorOf(readGgufHeader(await writeTemp(new Uint8Array(0))))).code).toBe(ErrorCodes.NOT_GGUF);
    for (let seed = 0; seed < 100; seed++) {
      const random = new SeededRandom(seed, "random-bytes");
      const length = 1 + (random.nextUint32() % 4096);
      const bytes = Uint8Array.from({ length }, () => random.nextUint32() & 0xff);
      if (bytes[0] === 0x47) bytes[0] = 0x48; // Keep "G" out: a lone "G" is a GGUF cut after one byte.
      const error = await steerErrorOf(readGgufHeader(await writeTemp(bytes)));
      expect(error.code).toBe(ErrorCodes.NOT_GGUF);
      expect(error.message).toMatch(/is not a usable GGUF file: it starts with 0x[0-9a-f]+ instead of the GGUF magic 0x47475546 \("GGUF"\)$/);
    }
  });

  it("turns random bytes after a valid header start into typed errors, never a crash", async () => {
    for (let seed = 0; seed < 200; seed++) {
      const random = new SeededRandom(seed, "random-body");
      const body = Uint8Array.from({ length: 16 + (random.nextUint32() % 2048) }, () => random.nextUint32() & 0xff);
      const head = Buffer.alloc(8);
      head.write("GGUF", 0, "latin1");
      head.writeUInt32LE(3, 4);
      // Small counts half of the time, so parsing reaches keys, values and tensor infos.
      if (seed % 2 === 0) body.set([random.nextUint32() % 4, 0, 0, 0, 0, 0, 0, 0, 1 + (random.nextUint32() % 8), 0, 0, 0, 0, 0, 0, 0], 0);
      const error = await steerErrorOf(readGgufHeader(await writeTemp(Buffer.concat([head, body]))));
      expect([ErrorCodes.NOT_GGUF, ErrorCodes.GGUF_TRUNCATED]).toContain(error.code);
    }
  });

  it("turns any single bit flip in the header, metadata or tensor infos into success or a typed error", async () => {
    const bytes = new GgufWriter()
      .addString("general.architecture", "llama")
      .addArray("tokens", GgufValueType.STRING, ["a", "bc"])
      .addUint32("n", 7)
      .addTensor("w", { type: GgmlType.F32, shape: [2, 2], data: sequence(4, (i) => i) })
      .toBuffer();
    const { dataOffset } = await readGgufHeader(await writeTemp(bytes));
    const path = join(temp.dir, "flip.gguf");
    let rejected = 0;
    for (let bit = 0; bit < dataOffset * 8; bit++) {
      const flipped = Buffer.from(bytes);
      flipped[bit >> 3] ^= 1 << (bit & 7);
      await writeFile(path, flipped);
      try {
        await readGgufHeader(path);
      } catch (e) {
        expect(e, `bit ${bit}`).toBeInstanceOf(SteerError);
        expect([ErrorCodes.NOT_GGUF, ErrorCodes.GGUF_TRUNCATED]).toContain((e as SteerError).code);
        rejected++;
      }
    }
    // Flips inside string contents or float values are still valid files; structural ones are not.
    expect(rejected).toBeGreaterThan(dataOffset * 2);
  });

  describe("specific header fields", () => {
    const bytes = sampleWriter().toBuffer();
    const tensorInfoAt = bytes.indexOf(Buffer.from("\u0003\u0000\u0000\u0000\u0000\u0000\u0000\u0000vec", "latin1")) + 11;
    const cases: [string, (b: Buffer) => void, string, RegExp][] = [
      ["magic", (b) => (b[0] = 0x46), ErrorCodes.NOT_GGUF, /instead of the GGUF magic/],
      ["version 1", (b) => b.writeUInt32LE(1, 4), ErrorCodes.NOT_GGUF, /unsupported GGUF version 1; versions 2 and 3 are supported/],
      ["big-endian version", (b) => b.writeUInt32BE(3, 4), ErrorCodes.NOT_GGUF, /a big-endian GGUF, which is not supported/],
      ["huge tensor count", (b) => (b[15] ^= 0x80), ErrorCodes.NOT_GGUF, /claims \S+ tensors \(corrupt header\)/],
      ["huge metadata count", (b) => (b[23] ^= 0x80), ErrorCodes.NOT_GGUF, /claims \S+ metadata entries \(corrupt header\)/],
      ["plausible but too many entries", (b) => b.writeBigUInt64LE(900_000n, 16), ErrorCodes.GGUF_TRUNCATED, /it announces 900000 metadata entries, which take at least 11700000 bytes/],
      ["first key length", (b) => (b[30] = 0x01), ErrorCodes.GGUF_TRUNCATED, /while reading the key of metadata entry #0/],
      ["first value type", (b) => b.writeUInt32LE(200, 24 + 8 + "general.architecture".length), ErrorCodes.NOT_GGUF, /metadata key "general.architecture" has unknown value type 200/],
      ["tensor dimensions", (b) => b.writeUInt32LE(5, tensorInfoAt), ErrorCodes.NOT_GGUF, /tensor "vec" has 5 dimensions; at most 4 are allowed/],
      ["removed tensor type", (b) => b.writeUInt32LE(4, tensorInfoAt + 4 + 8), ErrorCodes.NOT_GGUF, /tensor "vec" has unknown ggml type 4/],
      ["misaligned offset", (b) => b.writeBigUInt64LE(1n, tensorInfoAt + 4 + 8 + 4), ErrorCodes.NOT_GGUF, /tensor "vec" starts at data offset 1, not a multiple of the alignment 32/],
      ["huge dimension", (b) => b.writeBigUInt64LE(1n << 40n, tensorInfoAt + 4), ErrorCodes.GGUF_TRUNCATED, /tensor "(vec|half)" ends at byte/],
      ["impossible dimension", (b) => b.writeBigUInt64LE(1n << 62n, tensorInfoAt + 4), ErrorCodes.NOT_GGUF, /tensor "vec" has an impossible shape/],
    ];
    it.each(cases)("%s", async (_name, corrupt, code, message) => {
      const b = Buffer.from(bytes);
      corrupt(b);
      const error = await steerErrorOf(readGgufHeader(await writeTemp(b)));
      expect(error.code).toBe(code);
      expect(error.message).toMatch(message);
    });

    it("rejects a quantized tensor when reading floats", async () => {
      const writer = new GgufWriter().addTensor("q", { type: GgmlType.F32, shape: [32], data: new Float32Array(32) });
      const b = writer.toBuffer();
      // Retype the 128-byte F32 tensor as Q8_0 (34 bytes for 32 values): still a valid file.
      b.writeUInt32LE(GgmlType.Q8_0, b.indexOf(Buffer.from("q", "latin1"), 24) + 1 + 4 + 8);
      const path = await writeTemp(b);
      expect((await readGgufHeader(path)).tensors[0]).toMatchObject({ typeName: "Q8_0", byteSize: 34 });
      const error = await steerErrorOf(readGgufTensor(path, "q"));
      expect(error.code).toBe(ErrorCodes.INVALID_ARGUMENT);
      expect(error.message).toMatch(/has type Q8_0; only F32, F16 and BF16 tensors can be read as floats/);
    });
  });

  it("names misspelled or bad read options", async () => {
    const path = await writeTemp(sampleWriter().toBuffer());
    expect((await steerErrorOf(readGgufHeader(path, { maxArrayElement: 0 } as never))).message).toMatch(/Unknown option "maxArrayElement" in GGUF read options \(did you mean "maxArrayElements"\?\)/);
    expect((await steerErrorOf(readGgufHeader(path, { maxStringBytes: -1 }))).message).toBe("Expected an integer >= 0 for options.maxStringBytes but received -1 of type number");
  });

  it("reports a missing file as MODEL_NOT_FOUND", async () => {
    const error = await steerErrorOf(readGgufHeader(join(temp.dir, "does-not-exist.gguf")));
    expect(error.code).toBe(ErrorCodes.MODEL_NOT_FOUND);
    expect(error.message).toMatch(/Cannot open GGUF file .*does-not-exist\.gguf \(ENOENT\)/);
    expect((await steerErrorOf(readGgufHeader(temp.dir))).code).toBe(ErrorCodes.MODEL_NOT_FOUND);
  });
});
