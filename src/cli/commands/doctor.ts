import { runDoctor } from "../../doctor/doctor.js";
import type { Command } from "../command.js";

export const doctorCommand: Command = {
  name: "doctor",
  summary: "Check that this install captures and steers correctly (invariants on a real or synthetic model)",
  usage: "llama-steer doctor [--model PATH] [--json]",
  examples: ["llama-steer doctor", "llama-steer doctor --model ./models/my-model.gguf --json"],
  options: {
    model: { type: "string", description: "GGUF model to check (default: a synthetic llama model the project writes itself)", valueName: "PATH" },
  },
  async run(values, _positionals, io) {
    const report = await runDoctor({
      model: values.model as string | undefined,
      signal: io.signal,
      onCheck: (c) => io.log(`${c.ok ? "ok  " : "FAIL"} ${c.name}${c.max_abs_diff !== undefined ? ` (max_abs_diff ${c.max_abs_diff.toExponential(2)})` : ""}${c.detail ? ` - ${c.detail}` : ""}`),
    });
    io.print(`${report.ok ? "All checks passed" : "Some checks FAILED"} on ${report.model} (${report.backend})`);
    return report;
  },
};
