#!/usr/bin/env node
// Builds the addon the node-gyp way (binding.gyp), offline, into build-gyp/build/Release/llama_steer.node:
//
//   npm run build:gyp                     (npm puts its own node-gyp on PATH for scripts: nothing to install)
//   node scripts/build-addon-gyp.mjs --out=DIR
//
// node-gyp always writes ./build, where the cmake-js addon lives, so the inputs binding.gyp reads (binding.gyp,
// native/, the two scripts it runs, package.json; node_modules and .llama-src linked) are staged in DIR and built
// there. Load the result with LLAMA_STEER_ADDON=DIR/build/Release/llama_steer.node. In a clone where the gyp
// addon should replace the cmake-js one, run node-gyp in the root instead (the command at the top of binding.gyp).
//
// Node's headers: node-gyp downloads them unless --nodedir names a folder that has them; an installed Node
// carries them in <prefix>/include/node, which this script passes when it exists.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, rmSync, symlinkSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outArg = process.argv.slice(2).find((a) => a.startsWith("--out="));
const out = outArg ? path.resolve(outArg.slice("--out=".length)) : path.join(root, "build-gyp");

function fail(message) {
  console.error(`llama-steer: cannot build the native addon with node-gyp: ${message}`);
  process.exit(1);
}

/** npm's own node-gyp: npm exports its path to scripts, and puts a `node-gyp` shim on their PATH. */
function nodeGypCommand() {
  const js = process.env.npm_config_node_gyp;
  if (js && existsSync(js)) return [process.execPath, js];
  const local = path.join(root, "node_modules", "node-gyp", "bin", "node-gyp.js");
  if (existsSync(local)) return [process.execPath, local];
  return ["node-gyp"];
}

const prefix = path.resolve(process.execPath, "..", "..");
const nodedir = existsSync(path.join(prefix, "include", "node", "node_api.h")) ? prefix : undefined;
if (!nodedir) console.error(`llama-steer: no Node headers under ${prefix}/include/node; node-gyp will try to download them`);

rmSync(out, { recursive: true, force: true });
mkdirSync(path.join(out, "scripts"), { recursive: true });
for (const f of ["binding.gyp", "package.json", "native", "scripts/addon-inputs.mjs", "scripts/llama-source.mjs"]) cpSync(path.join(root, f), path.join(out, f), { recursive: true });
symlinkSync(path.join(root, "node_modules"), path.join(out, "node_modules"), "junction");
if (existsSync(path.join(root, ".llama-src"))) symlinkSync(path.join(root, ".llama-src"), path.join(out, ".llama-src"), "junction");

const [cmd, ...pre] = nodeGypCommand();
const args = [...pre, "rebuild", "--jobs", "max", ...(nodedir ? [`--nodedir=${nodedir}`] : [])];
console.error(`llama-steer: ${[path.basename(cmd), ...args.map((a) => (a.includes("/") ? path.basename(a) : a))].join(" ")} in ${path.relative(root, out) || out}`);
const r = spawnSync(cmd, args, { cwd: out, stdio: ["ignore", "inherit", "inherit"], shell: process.platform === "win32" });
if (r.status !== 0) fail(`node-gyp exited with ${r.status ?? r.signal ?? r.error?.message}`);
const addon = path.join(out, "build", "Release", "llama_steer.node");
if (!existsSync(addon)) fail(`node-gyp succeeded but ${addon} is missing`);
console.error(`llama-steer: built ${path.relative(root, addon)}`);
