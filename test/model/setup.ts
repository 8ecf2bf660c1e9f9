/**
 * Global setup of the "model" vitest project: fetches the default model once (a cache hit after the first run)
 * and hands its path to the tests as `inject("defaultModelPath")`, so no test file downloads on its own.
 *
 * With LLAMA_STEER_SKIP_MODEL_TESTS=1 nothing is fetched and the path is null; every model test file skips itself
 * on the same variable (see `skipModelTests` below), so the project then runs without network or disk cost.
 */
import type { TestProject } from "vitest/node";
import { fetchModel, type FetchProgress } from "../../src/models/index.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Absolute path of the verified default model, or null when model tests are skipped. */
    defaultModelPath: string | null;
  }
}

export const skipModelTests = process.env.LLAMA_STEER_SKIP_MODEL_TESTS === "1";

export default async function setup(project: TestProject): Promise<void> {
  if (skipModelTests) {
    project.provide("defaultModelPath", null);
    return;
  }
  let lastPhase: FetchProgress["phase"] | undefined;
  const fetched = await fetchModel(undefined, {
    // A fresh fetch takes a while; say what is happening, once per phase (a cache hit reports only "done").
    onProgress: (progress) => {
      if (progress.phase === lastPhase || progress.phase === "done") return;
      lastPhase = progress.phase;
      process.stderr.write(`model tests: ${progress.phase} ${progress.source}\n`);
    },
  });
  project.provide("defaultModelPath", fetched.path);
}
