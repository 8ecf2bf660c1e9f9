import { loadModel, type SteerModel } from "../../src/engine/model.js";
import { syntheticModelPath, type SyntheticArchitecture } from "../../src/synthetic/index.js";

export const ARCHITECTURES: SyntheticArchitecture[] = ["llama", "qwen2", "gemma3"];

export async function loadSynthetic(arch: SyntheticArchitecture = "llama"): Promise<SteerModel> {
  return loadModel(await syntheticModelPath(arch));
}
