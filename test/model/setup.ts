/**
 * Global setup of the "model" vitest project: fetches the test model once (a cache hit after the first run) and
 * hands its path to the tests as `inject("testModelPath")`, so no test file downloads on its own. The test model is
 * the small SmolLM2 whatever the CLI's default is: the suite stays fast on two CPU cores.
 *
 * With LLAMA_STEER_SKIP_MODEL_TESTS=1 nothing is fetched and the path is null; every model test file skips itself
 * on the same variable (see `skipModelTests` below), so the project then runs without network or disk cost.
 */
import type { TestProject } from "vitest/node";
import { fetchModel, type FetchProgress } from "../../src/models/index.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Absolute path of the verified test model (TEST_MODEL), or null when model tests are skipped. */
    testModelPath: string | null;
  }
}

export const skipModelTests = process.env.LLAMA_STEER_SKIP_MODEL_TESTS === "1";

/** The manifest model the model tests run on. */
export const TEST_MODEL = "smollm2-135m-instruct-q4_1";

export default async function setup(project: TestProject): Promise<void> {
  if (skipModelTests) {
    project.provide("testModelPath", null);
    return;
  }
  let lastPhase: FetchProgress["phase"] | undefined;
  const fetched = await fetchModel(TEST_MODEL, {
    // A fresh fetch takes a while; say what is happening, once per phase (a cache hit reports only "done").
    onProgress: (progress) => {
      if (progress.phase === lastPhase || progress.phase === "done") return;
      lastPhase = progress.phase;
      process.stderr.write(`model tests: ${progress.phase} ${progress.source}\n`);
    },
  });
  project.provide("testModelPath", fetched.path);
}
