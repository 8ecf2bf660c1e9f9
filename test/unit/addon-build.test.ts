/**
 * The two builds of the addon (cmake-js through CMakeLists.txt, node-gyp through binding.gyp) compile one list of
 * sources with one set of flags: native/addon.json. Nothing else may name a source or a flag.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

import { expect, test } from "vitest";

import { packageRoot } from "../../src/util/packageRoot.js";

const ROOT = packageRoot();
const read = (f: string) => readFileSync(path.join(ROOT, f), "utf8");
const config = JSON.parse(read("native/addon.json")) as { sources: string[]; defines: string[]; flags: string[]; msvcFlags: string[]; cxxStandard: number };

test("native/addon.json lists every C++ file in native/, and only those", () => {
  const onDisk = readdirSync(path.join(ROOT, "native")).filter((f) => f.endsWith(".cpp")).map((f) => `native/${f}`).sort();
  expect([...config.sources].sort()).toEqual(onDisk);
});

test("CMakeLists.txt and binding.gyp read the lists instead of repeating them", () => {
  const cmake = read("CMakeLists.txt");
  const gyp = read("binding.gyp");
  expect(cmake).toContain('native/addon.json');
  for (const key of ["sources", "defines", "flags", "msvcFlags"]) expect(cmake).toContain(`addon_json_list(${key} `);
  for (const key of ["sources", "defines", "flags", "msvc_flags", "include_dirs", "libraries", "runpath", "cxx_standard"]) expect(gyp).toContain(`node scripts/addon-inputs.mjs ${key})`);
  for (const text of [cmake, gyp]) {
    for (const source of config.sources) expect(text).not.toContain(source);
    for (const define of config.defines) expect(text).not.toContain(define);
    expect(text).not.toContain("-Wextra");
  }
});
