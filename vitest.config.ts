import { defineConfig } from "vitest/config";

// Unit tests run in parallel; native and model tests share one addon and (for model tests) one
// multi-hundred-MB model, so they run in a single fork, one file at a time.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    pool: "forks",
    poolOptions: { forks: { singleFork: false } },
  },
});
