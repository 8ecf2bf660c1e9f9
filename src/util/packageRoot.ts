import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

let cached: string | undefined;

/** The folder of llama-steer's own package.json, whether running from src/ (tests) or dist/ (installed). */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = path.join(dir, "package.json");
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, "utf8")).name === "llama-steer") return (cached = dir);
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("llama-steer: cannot find its own package.json");
    dir = parent;
  }
}
