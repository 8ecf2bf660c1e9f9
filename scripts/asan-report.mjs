#!/usr/bin/env node
// Reads the AddressSanitizer / LeakSanitizer logs of one run (ASAN_OPTIONS log_path=DIR/asan, one file per
// process, frames printed as `#N PC in FUNCTION SOURCE <MODULE>`) and decides whether the run is clean.
//
//   node scripts/asan-report.mjs LOG_DIR SUPPRESSIONS_FILE [--module llama_steer.node]
//
// Fails (exit 1) on
//   - any AddressSanitizer error report (use-after-free, overflow, double free, ...), in any process;
//   - any leak whose allocation stack passes through the addon, unless a suppression matches the frame
//     that allocated it (the first frame outside the allocator and the C/C++ runtime).
// Leaks whose stack never enters the addon belong to node, V8, libllama or ggml themselves and are only counted.
//
// Why not LeakSanitizer's own `suppressions=`: a `leak:PATTERN` there matches ANY frame of a stack, and every
// allocation the addon makes is called from node's frames (the event loop, N-API), so suppressing node would
// suppress the addon's leaks too. Here a suppression only ever looks at the allocating frame.
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";

const args = process.argv.slice(2);
const moduleFlag = args.indexOf("--module");
const ourModule = moduleFlag >= 0 ? args.splice(moduleFlag, 2)[1] : "llama_steer.node";
const [logDir, suppressionsFile] = args;
if (!logDir || !suppressionsFile) {
  console.error("usage: node scripts/asan-report.mjs LOG_DIR SUPPRESSIONS_FILE [--module NAME]");
  process.exit(2);
}

/** `leak:PATTERN` lines; `*` matches anything, `^`/`$` anchor, otherwise a substring match (LeakSanitizer's rules). */
function readSuppressions(file) {
  return readFileSync(file, "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => {
      const m = /^leak:(.+)$/.exec(l);
      if (!m) throw new Error(`${file}: only "leak:PATTERN" lines are understood, got "${l}"`);
      const p = m[1];
      const body = p.replace(/^\^/, "").replace(/\$$/, "").split("*").map((s) => s.replace(/[.+?()[\]{}|\\]/g, "\\$&")).join(".*");
      return { pattern: p, re: new RegExp(`${p.startsWith("^") ? "^" : ""}${body}${p.endsWith("$") ? "$" : ""}`), used: 0 };
    });
}

// The allocator itself and the C/C++ runtime: a leak is charged to whoever called into these.
const RUNTIME = /(^|\/)(libasan|libstdc\+\+|libc|libm|libgcc_s|ld-linux[^/]*)\.so[.\d]*$/;

/** Splits one log into ASan error reports and leak reports (each with its frames). */
function parseLog(text) {
  const errors = [];
  const leaks = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/ERROR: AddressSanitizer/.test(line)) {
      errors.push(lines.slice(i, i + 40).join("\n"));
      continue;
    }
    const head = /^(Direct|Indirect) leak of (\d+) byte\(s\) in (\d+) object\(s\) allocated from:/.exec(line);
    if (!head) continue;
    const frames = [];
    for (let j = i + 1; j < lines.length; j++) {
      const f = /^\s*#\d+ 0x[0-9a-f]+ (?:in )?(.*) <(<null>|[^<>]*)>\s*$/.exec(lines[j]);
      if (!f) break;
      frames.push({ where: f[1], module: f[2], text: lines[j].trim() });
    }
    leaks.push({ kind: head[1], bytes: Number(head[2]), objects: Number(head[3]), frames });
  }
  return { errors, leaks };
}

const suppressions = readSuppressions(suppressionsFile);
const files = readdirSync(logDir).filter((f) => /^asan\.\d+$/.test(f)).sort();
const ours = [];
const suppressed = [];
const thirdParty = new Map();
const errors = [];
for (const file of files) {
  const { errors: e, leaks } = parseLog(readFileSync(path.join(logDir, file), "utf8"));
  for (const report of e) errors.push({ file, report });
  for (const leak of leaks) {
    const allocating = leak.frames.find((f) => !RUNTIME.test(f.module)) ?? leak.frames[0];
    if (!leak.frames.some((f) => f.module.endsWith(ourModule))) {
      const owner = path.basename(allocating?.module ?? "unknown");
      thirdParty.set(owner, (thirdParty.get(owner) ?? 0) + leak.bytes);
      continue;
    }
    const rule = allocating && suppressions.find((s) => s.re.test(allocating.where) || s.re.test(allocating.module));
    if (rule) {
      rule.used++;
      suppressed.push(leak);
    } else {
      ours.push({ file, leak });
    }
  }
}

const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`asan-report: ${files.length} sanitizer log(s) in ${logDir}`);
console.log(`  AddressSanitizer errors: ${errors.length}`);
console.log(`  leaks through ${ourModule}: ${ours.length} (plus ${suppressed.length} suppressed: ${suppressions.filter((s) => s.used).map((s) => `${s.pattern} x${s.used}`).join(", ") || "none"})`);
const others = [...thirdParty].sort((a, b) => b[1] - a[1]).map(([m, b]) => `${m} ${kb(b)}`).join(", ");
console.log(`  leaks of node, V8 and libraries that never enter the addon (ignored): ${others || "none"}`);
for (const { file, report } of errors) console.log(`\n---- ${file}\n${report}`);
for (const { file, leak } of ours) {
  console.log(`\n---- ${file}: ${leak.kind} leak of ${leak.bytes} byte(s) in ${leak.objects} object(s)`);
  for (const f of leak.frames) console.log(`  ${f.text}`);
}
process.exit(errors.length > 0 || ours.length > 0 ? 1 : 0);
