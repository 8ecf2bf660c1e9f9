/** The GPU choice, parsed and resolved the way node-llama-cpp reads its own `gpu` option and NODE_LLAMA_CPP_GPU. */
import { describe, expect, test } from "vitest";

import { cpuPackageName, gpuPackageNames, parseGpuOption, resolveGpuOption } from "../../src/engine/backends.js";
import { parseGpuLayers } from "../../src/cli/shared.js";

describe("parseGpuOption", () => {
  test.each([
    ["auto", "auto"],
    ["cuda", "cuda"],
    [" Vulkan ", "vulkan"],
    ["metal", "metal"],
    ["false", false],
    ["off", false],
    ["none", false],
    ["disable", false],
    ["disabled", false],
    [false, false],
  ] as const)("%j -> %j", (input, expected) => {
    expect(parseGpuOption(input, "gpu")).toBe(expected);
  });

  test("anything else is refused with the source named and the value shown", () => {
    expect(() => parseGpuOption("rocm", "NODE_LLAMA_CPP_GPU")).toThrow('Expected "auto", "cuda", "vulkan", "metal" or false for NODE_LLAMA_CPP_GPU but received "rocm"');
    expect(() => parseGpuOption(true, "gpu")).toThrow("for gpu but received true");
  });
});

describe("resolveGpuOption", () => {
  test("the option wins over the environment, which wins over auto", () => {
    expect(resolveGpuOption("vulkan", { NODE_LLAMA_CPP_GPU: "cuda" })).toEqual({ gpu: "vulkan", source: "option" });
    expect(resolveGpuOption(undefined, { NODE_LLAMA_CPP_GPU: "cuda" })).toEqual({ gpu: "cuda", source: "env" });
    expect(resolveGpuOption(undefined, { NODE_LLAMA_CPP_GPU: "off" })).toEqual({ gpu: false, source: "env" });
    expect(resolveGpuOption(undefined, {})).toEqual({ gpu: "auto", source: "default" });
  });
});

describe("node-llama-cpp's binaries packages", () => {
  test("CPU packages per platform", () => {
    expect(cpuPackageName("linux", "x64")).toBe("@node-llama-cpp/linux-x64");
    expect(cpuPackageName("linux", "arm")).toBe("@node-llama-cpp/linux-armv7l");
    expect(cpuPackageName("darwin", "arm64")).toBe("@node-llama-cpp/mac-arm64-metal");
    expect(cpuPackageName("win32", "x64")).toBe("@node-llama-cpp/win-x64");
  });

  test("GPU packages, with CUDA's -ext fallback after the main one", () => {
    expect(gpuPackageNames("cuda", "linux", "x64")).toEqual(["@node-llama-cpp/linux-x64-cuda", "@node-llama-cpp/linux-x64-cuda-ext"]);
    expect(gpuPackageNames("vulkan", "linux", "x64")).toEqual(["@node-llama-cpp/linux-x64-vulkan"]);
    expect(gpuPackageNames("cuda", "win32", "x64")).toEqual(["@node-llama-cpp/win-x64-cuda", "@node-llama-cpp/win-x64-cuda-ext"]);
    expect(gpuPackageNames("metal", "darwin", "arm64")).toEqual(["@node-llama-cpp/mac-arm64-metal"]);
    expect(gpuPackageNames("cuda", "linux", "arm64")).toEqual([]);
    expect(gpuPackageNames("metal", "linux", "x64")).toEqual([]);
  });
});

test("--gpu-layers takes a count or all", () => {
  expect(parseGpuLayers(undefined)).toBe(0);
  expect(parseGpuLayers("12")).toBe(12);
  expect(parseGpuLayers("all")).toBe(-1);
  expect(() => parseGpuLayers("-2")).toThrow("--gpu-layers takes an integer >= 0");
});
