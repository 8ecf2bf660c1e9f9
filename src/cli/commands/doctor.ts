import { runDoctor } from "../../doctor/doctor.js";
import type { Command } from "../command.js";
import { gpuLayersOption, parseGpuLayers, warnIfNotOffloaded } from "../shared.js";

export const doctorCommand: Command = {
  name: "doctor",
  summary: "Check that this install captures and steers correctly (invariants on a real or synthetic model)",
  usage: "llama-steer doctor [--model PATH] [--gpu-layers N|all] [--json]",
  examples: ["llama-steer doctor", "llama-steer doctor --model ./models/my-model.gguf --json", "NODE_LLAMA_CPP_GPU=cuda llama-steer doctor --gpu-layers all"],
  options: {
    model: { type: "string", description: "GGUF model to check (default: a synthetic llama model the project writes itself)", valueName: "PATH" },
    "gpu-layers": gpuLayersOption,
  },
  async run(values, _positionals, io) {
    const gpuLayers = parseGpuLayers(values["gpu-layers"]);
    const report = await runDoctor({
      model: values.model as string | undefined,
      gpuLayers,
      onLoaded: () => warnIfNotOffloaded(gpuLayers, io),
      signal: io.signal,
      onCheck: (c) => io.log(`${c.ok ? "ok  " : "FAIL"} ${c.name}${c.max_abs_diff !== undefined ? ` (max_abs_diff ${c.max_abs_diff.toExponential(2)})` : ""}${c.detail ? ` - ${c.detail}` : ""}`),
    });
    io.print(`${report.ok ? "All checks passed" : "Some checks FAILED"} on ${report.model} (${report.backend})`);
    return report;
  },
};
