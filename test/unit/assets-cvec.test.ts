import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { controlVectorToBuffer, exportControlVector, importControlVector } from "../../src/assets/index.js";
import { ErrorCodes, SteerError } from "../../src/errors.js";
import { GgmlType } from "../../src/gguf/format.js";
import { readGgufHeader } from "../../src/gguf/reader.js";
import { GgufWriter } from "../../src/gguf/writer.js";
import { seededVector } from "../../src/util/arrays.js";
import { SteeringVector } from "../../src/vectors/index.js";
import { steerErrorOf } from "../helpers/errors.js";
import { useTempDir } from "../helpers/tempDir.js";

const temp = useTempDir("cvec");

const tempFile = (bytes: Uint8Array) => temp.write(bytes, "gguf");


const N = 12;
const vector = SteeringVector.create(
  new Map([1, 4, 7].map((l) => [l, seededVector(N, l)])),
  { method: "mean-diff", modelFingerprint: "abc123" },
);

/** A control vector written the way another tool would: only the stock keys and direction.N tensors. */
function foreignWriter(directions: [string, Float32Array][], hint = "llama"): GgufWriter {
  const w = new GgufWriter().addString("general.architecture", "controlvector").addString("controlvector.model_hint", hint).addInt32("controlvector.layer_count", directions.length);
  for (const [name, data] of directions) w.addTensor(name, { type: GgmlType.F32, shape: [data.length], data });
  return w;
}

describe("control-vector export", () => {
  it("writes the format llama.cpp loads: architecture, hint, layer count and direction.N = our layer N", async () => {
    const path = join(temp.dir, "export.gguf");
    await exportControlVector(path, vector, { modelHint: "qwen2" });
    const header = await readGgufHeader(path);
    expect(header.metadata.get("general.architecture")).toBe("controlvector");
    expect(header.metadata.get("controlvector.model_hint")).toBe("qwen2");
    expect(header.metadata.get("controlvector.layer_count")).toBe(3);
    expect(header.tensors.map((t) => [t.name, t.typeName, t.shape])).toEqual([
      ["direction.1", "F32", [N]],
      ["direction.4", "F32", [N]],
      ["direction.7", "F32", [N]],
    ]);
    expect((await readdir(temp.dir)).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it('names layer il direction.(il+1) under the "l_out" convention (cvector-generator\'s naming)', async () => {
    const header = await readGgufHeader(await tempFile(controlVectorToBuffer(vector.withLayers([1]), { modelHint: "llama", convention: "l_out" })));
    expect(header.tensors.map((t) => t.name)).toEqual(["direction.2"]);
  });

  it("refuses layer 0 under the llama.cpp convention, where llama.cpp cannot apply it", () => {
    const withZero = SteeringVector.create([[0, seededVector(N, 0)]], { method: "x" });
    expect(() => controlVectorToBuffer(withZero, { modelHint: "llama" })).toThrow(
      'Cannot export layer 0 under the "llama.cpp" convention: llama.cpp never adds a control vector to l_out-0 (direction.0 is rejected); drop it with withLayers() or export with convention "l_out"',
    );
    expect(() => controlVectorToBuffer(withZero, { modelHint: "llama", convention: "l_out" })).not.toThrow();
    expect(() => controlVectorToBuffer(vector, {} as never)).toThrow(SteerError);
  });
});

describe("control-vector import", () => {
  it("round-trips floats, layers and the fingerprint exactly", async () => {
    for (const convention of ["llama.cpp", "l_out"] as const) {
      const path = await tempFile(controlVectorToBuffer(vector, { modelHint: "llama", convention }));
      const imported = await importControlVector(path, { convention });
      expect(imported.vector.layers).toEqual([1, 4, 7]);
      expect(imported.vector.maxAbsDiff(vector)).toBe(0);
      expect(imported.vector.meta).toMatchObject({ method: "import:cvector", modelFingerprint: "abc123", source: path, nEmbd: N });
      expect(imported.modelHint).toBe("llama");
      expect(imported.layerCount).toBe(3);
    }
  });

  it("lands another tool's direction.N on our layer N by default, N − 1 under \"l_out\"", async () => {
    const a = seededVector(N, 100);
    const b = seededVector(N, 200);
    const path = await tempFile(foreignWriter([["direction.3", a], ["direction.10", b]]).toBuffer());
    const byDefault = await importControlVector(path);
    expect(byDefault.vector.layers).toEqual([3, 10]);
    expect(Array.from(byDefault.vector.get(3))).toEqual(Array.from(a));
    expect(byDefault.vector.meta.modelFingerprint).toBeUndefined();
    expect(byDefault.fileLayers).toEqual([3, 10]);
    const measured = await importControlVector(path, { convention: "l_out" });
    expect(measured.vector.layers).toEqual([2, 9]);
    expect(Array.from(measured.vector.get(9))).toEqual(Array.from(b));
    expect(measured.fileLayers).toEqual([3, 10]);
  });

  it("accepts a cvector-generator style file (direction.1 .. direction.(n_layer-1), int32 layer_count, [n, 1] shapes)", async () => {
    const w = new GgufWriter().addString("general.architecture", "controlvector").addString("controlvector.model_hint", "gemma3").addInt32("controlvector.layer_count", 2);
    w.addTensor("direction.1", { type: GgmlType.F32, shape: [N], data: seededVector(N, 1) });
    // ggml treats trailing 1-sized dimensions as absent, so llama.cpp loads [n, 1] as 1-D too.
    w.addTensor("direction.2", { type: GgmlType.F32, shape: [N, 1], data: seededVector(N, 2) });
    const imported = await importControlVector(await tempFile(w.toBuffer()), { convention: "l_out" });
    expect(imported.vector.layers).toEqual([0, 1]);
    expect(imported.modelHint).toBe("gemma3");
  });

  it("sums tensors that name the same layer, as llama.cpp does", async () => {
    const path = await tempFile(foreignWriter([["direction.5", new Float32Array(N).fill(1)], ["direction.05", new Float32Array(N).fill(2)]]).toBuffer());
    expect(Array.from((await importControlVector(path)).vector.get(5))).toEqual(new Array(N).fill(3));
  });

  it("rejects what llama.cpp rejects, with typed errors", async () => {
    const cases: [string, Uint8Array, string, string?][] = [
      ["not controlvector", new GgufWriter().addString("general.architecture", "llama").addTensor("direction.1", { type: GgmlType.F32, shape: [N], data: new Float32Array(N) }).toBuffer(), ErrorCodes.ASSET_INVALID, 'general.architecture is "llama", not "controlvector"'],
      ["no tensors", new GgufWriter().addString("general.architecture", "controlvector").toBuffer(), ErrorCodes.ASSET_INVALID, "it has no direction tensors"],
      ["direction.0", foreignWriter([["direction.0", new Float32Array(N)]]).toBuffer(), ErrorCodes.ASSET_INVALID],
      ["foreign tensor", foreignWriter([["direction.1", new Float32Array(N)], ["bias.1", new Float32Array(N)]]).toBuffer(), ErrorCodes.ASSET_INVALID],
      ["2-D", new GgufWriter().addString("general.architecture", "controlvector").addTensor("direction.1", { type: GgmlType.F32, shape: [N, 2], data: new Float32Array(2 * N) }).toBuffer(), ErrorCodes.ASSET_INVALID, 'tensor "direction.1" has shape [12, 2]; a direction is 1-D'],
      ["F16", new GgufWriter().addString("general.architecture", "controlvector").addTensor("direction.1", { type: GgmlType.F16, shape: [N], data: new Float32Array(N) }).toBuffer(), ErrorCodes.ASSET_INVALID, 'tensor "direction.1" has type F16; control vectors hold F32 tensors'],
      ["lengths differ", foreignWriter([["direction.1", new Float32Array(N)], ["direction.2", new Float32Array(N + 1)]]).toBuffer(), ErrorCodes.VECTOR_SIZE],
      ["NaN", foreignWriter([["direction.1", Float32Array.from({ length: N }, (_, i) => (i === 3 ? NaN : 0))]]).toBuffer(), ErrorCodes.NOT_FINITE],
      ["not a GGUF", Buffer.from("hello, this is not a gguf at all"), ErrorCodes.ASSET_INVALID],
    ];
    for (const [what, bytes, code, message] of cases) {
      const path = await tempFile(bytes);
      const e = await steerErrorOf(importControlVector(path));
      expect(e.code, what).toBe(code);
      if (message) expect(e.message, what).toBe(`${path} is not a valid control vector: ${message}`);
    }
    const missing = await steerErrorOf(importControlVector(join(temp.dir, "missing.gguf")));
    expect(missing.code).toBe(ErrorCodes.ASSET_INVALID);
    expect(missing.details.reason).toBe(ErrorCodes.MODEL_NOT_FOUND);
  });

  it("checks the expected width", async () => {
    const path = await tempFile(controlVectorToBuffer(vector, { modelHint: "llama" }));
    const e = await steerErrorOf(importControlVector(path, { expectNEmbd: 64 }));
    expect(e.code).toBe(ErrorCodes.VECTOR_SIZE);
    expect(e.message).toBe(`${path} holds directions of 12 values but the model has nEmbd 64`);
    await expect(importControlVector(path, { convention: "hf" as never })).rejects.toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT });
    expect((await readFile(path)).length).toBeGreaterThan(0);
  });
});
