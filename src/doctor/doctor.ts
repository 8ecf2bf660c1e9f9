/** `llama-steer doctor`: loads a model (a synthetic one by default) and runs the steering invariants on it. */
import { loadAddon } from "../engine/binding.js";
import { loadModel } from "../engine/model.js";
import { syntheticModelPath } from "../synthetic/index.js";
import { runChecks, type CheckResult } from "./checks.js";

export interface DoctorReport {
  ok: boolean;
  backend: string;
  model: string;
  checks: CheckResult[];
}

export interface DoctorOptions {
  /** GGUF to check. Default: the project's synthetic llama model. */
  model?: string;
  signal?: AbortSignal;
  onCheck?: (check: CheckResult) => void;
}

export async function runDoctor(options: DoctorOptions = {}): Promise<DoctorReport> {
  const modelPath = options.model ?? (await syntheticModelPath("llama"));
  const addon = await loadAddon();
  const devices = addon.backendInfo().devices;
  const backend = devices.map((d) => `${d.type}:${d.name}`).join(", ") || "none";
  // Batch-invariant kernels: the checks measure our capture and steering, not llama.cpp's choice of
  // repacked kernels by batch size (see LoadModelOptions.repack).
  const model = await loadModel(modelPath, { signal: options.signal, repack: false });
  try {
    const checks = await runChecks(model, options.onCheck);
    return { ok: checks.every((c) => c.ok), backend, model: modelPath, checks };
  } finally {
    await model.dispose();
  }
}
