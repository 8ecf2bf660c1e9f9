/**
 * The llama.cpp source that node-llama-cpp ships as a git bundle, extracted once per tag into
 * `<root>/.llama-src/<tag>` (headers only) or `<root>/.llama-src/<tag>-full` (the whole tree). A marker file
 * written last makes an interrupted extraction start over. Shared by the addon build and the llama.cpp tools
 * build, which use the same folders.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * @param {string} nlcDir node-llama-cpp's package folder
 * @param {{ root: string, whole: boolean, onExtract?: (bundle: string, tag: string) => void }} options
 * @returns {{ dir: string, tag: string }}
 * @throws Error with a one-line reason (missing bundle, git or tar failing)
 */
export function extractLlamaSource(nlcDir, { root, whole, onExtract }) {
  const info = JSON.parse(readFileSync(path.join(nlcDir, "llama", "llama.cpp.info.json"), "utf8"));
  const bundle = path.join(nlcDir, "llama", "gitRelease.bundle");
  if (!existsSync(bundle)) throw new Error(`node-llama-cpp ships no llama.cpp source bundle at ${bundle}`);
  // Outside build/: cmake-js may wipe its output folder when it reconfigures.
  const dest = path.join(root, ".llama-src", `${info.tag}${whole ? "-full" : ""}`);
  const marker = path.join(dest, ".complete");
  if (existsSync(marker)) return { dir: dest, tag: info.tag };
  onExtract?.(bundle, info.tag);
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  const git = (...a) => execFileSync("git", a, { cwd: dest, stdio: ["ignore", "pipe", "pipe"] });
  try {
    git("init", "-q");
    git("fetch", "-q", bundle, "HEAD");
    if (whole) git("checkout", "-q", "FETCH_HEAD");
    else {
      const tar = git("archive", "--format=tar", "FETCH_HEAD", "include", "ggml/include");
      execFileSync("tar", ["-x"], { cwd: dest, input: tar });
    }
  } catch (e) {
    throw new Error(`extracting llama.cpp ${whole ? "source" : "headers"} from ${bundle} needs git and tar (${String(e.stderr ?? e.message).trim()})`);
  }
  writeFileSync(marker, info.tag);
  return { dir: dest, tag: info.tag };
}
