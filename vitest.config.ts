import { defineConfig } from "vitest/config";

// unit: no model, runs in parallel. native: synthetic models through the addon, one file at a time
// (they share the CPU threads). model: the real default model, fetched once by the global setup, serial.
export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 900_000,
    projects: [
      { test: { name: "unit", include: ["test/unit/**/*.test.ts"], testTimeout: 120_000 } },
      { test: { name: "native", include: ["test/native/**/*.test.ts"], fileParallelism: false, testTimeout: 300_000, hookTimeout: 300_000 } },
      { test: { name: "browser", include: ["test/browser/**/*.test.ts"], fileParallelism: false, testTimeout: 120_000, hookTimeout: 120_000 } },
      {
        test: {
          name: "model",
          include: ["test/model/**/*.test.ts"],
          fileParallelism: false,
          testTimeout: 900_000,
          hookTimeout: 1_800_000,
          globalSetup: ["test/model/setup.ts"],
        },
      },
    ],
  },
});
