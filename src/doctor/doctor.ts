/** `llama-steer doctor`: loads a model (a synthetic one by default) and runs the steering invariants on it. */
import { backendReport, loadAddon } from "../engine/binding.js";
import { loadModel } from "../engine/model.js";
import { syntheticModelPath } from "../synthetic/index.js";
import { runChecks, type CheckResult } from "./checks.js";

export interface DoctorReport {
  ok: boolean;
  /** The devices llama.cpp sees, "type:name" joined by ", ". */
  backend: string;
  /** Layers asked to be offloaded (-1: all) and the GPU backend that loaded, if any. */
  gpuLayers: number;
  gpu: string | null;
  model: string;
  checks: CheckResult[];
}

export interface DoctorOptions {
  /** GGUF to check. Default: the project's synthetic llama model. */
  model?: string;
  /** Layers to offload to the GPU backend (-1: all). Default 0. */
  gpuLayers?: number;
  signal?: AbortSignal;
  /** Called once the model is loaded (before the checks). */
  onLoaded?: () => void;
  onCheck?: (check: CheckResult) => void;
}

export async function runDoctor(options: DoctorOptions = {}): Promise<DoctorReport> {
  const modelPath = options.model ?? (await syntheticModelPath("llama"));
  const addon = await loadAddon();
  const devices = addon.backendInfo().devices;
  const backend = devices.map((d) => `${d.type}:${d.name}`).join(", ") || "none";
  // Batch-invariant kernels: the checks measure our capture and steering, not llama.cpp's choice of
  // repacked kernels by batch size (see LoadModelOptions.repack).
  const gpuLayers = options.gpuLayers ?? 0;
  const model = await loadModel(modelPath, { signal: options.signal, repack: false, gpuLayers });
  options.onLoaded?.();
  const loadedGpu = backendReport()?.loadedGpu;
  try {
    const checks = await runChecks(model, options.onCheck);
    return { ok: checks.every((c) => c.ok), backend, gpuLayers, gpu: loadedGpu ? `${loadedGpu.gpu} (${loadedGpu.package})` : null, model: modelPath, checks };
  } finally {
    await model.dispose();
  }
}
