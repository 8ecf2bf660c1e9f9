// Preloaded (NODE_OPTIONS=--require) into the node processes of the AddressSanitizer run (scripts/asan-native.sh).
// The tests run in worker threads, and Node unloads an addon when the last environment that loaded it ends:
// LeakSanitizer, which reports at process exit, could then no longer tell which library a leaked block was
// allocated from. Loading the addon once on the test runner's main thread keeps it mapped until exit.
"use strict";
const { isMainThread } = require("node:worker_threads");

const addon = process.env.LLAMA_STEER_ADDON;
if (isMainThread && addon && process.argv.some((a) => /[\\/]vitest(\.mjs)?$/.test(a))) {
  process.dlopen({ exports: {} }, addon);
}
