/**
 * scripts/device-check.sh on a machine without a GPU: it must refuse, not pass. With the build steps skipped
 * (this machine's node, addon and dist/), the gate finds no GPU device and stops with exit code 1 and one line
 * naming the devices and the backend choice's reason; without a prepared .device folder it stops before building.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

import { expect, test } from "vitest";

import { nativeAddonPath } from "../../src/engine/binding.js";
import { packageRoot } from "../../src/util/packageRoot.js";
import { useTempDir } from "../helpers/tempDir.js";

const ROOT = packageRoot();
const tmp = useTempDir("device-check");

function check(env: Record<string, string>) {
  return spawnSync("bash", [path.join(ROOT, "scripts", "device-check.sh")], {
    encoding: "utf8",
    timeout: 120_000,
    env: { ...process.env, PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ""}`, ...env },
  });
}

const failLines = (stderr: string) => stderr.split("\n").filter((l) => l.startsWith("device-check: FAIL"));

test("refuses with one line when no GPU backend loads", (ctx) => {
  const out = path.join(tmp.dir, "gate");
  const r = check({ DEVICE_CHECK_SKIP_BUILD: "1", OUT: out, LLAMA_STEER_ADDON: nativeAddonPath(), NODE_LLAMA_CPP_GPU: "auto" });
  if (r.status === 0) return ctx.skip("a GPU backend loaded on this machine: the gate passed");
  expect(r.status, r.stderr).toBe(1);
  const lines = failLines(r.stderr);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^device-check: FAIL: no GPU backend loaded \(devices: cpu:CPU; .+\)$/);
  expect(readFileSync(path.join(out, "result.txt"), "utf8")).toMatch(/^FAIL: no GPU backend loaded/);
  expect(existsSync(path.join(out, "doctor.json"))).toBe(false);
});

test("refuses to start without the prepared folder", () => {
  const r = check({ DEVICE_CHECK_DIR: path.join(tmp.dir, "not-prepared"), OUT: path.join(tmp.dir, "unprepared") });
  expect(r.status).toBe(1);
  expect(failLines(r.stderr)).toEqual([expect.stringMatching(/^device-check: FAIL: \.device\/node\.xz is missing: run scripts\/device-prepare\.sh/)]);
});
