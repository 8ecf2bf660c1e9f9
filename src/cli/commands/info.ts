import { backendReport, loadAddon } from "../../engine/binding.js";
import { loadModel } from "../../engine/model.js";
import { packageVersion } from "../version.js";
import { UsageError, type Command } from "../command.js";
import { gpuLayersOption, parseGpuLayers, warnIfNotOffloaded } from "../shared.js";

export const infoCommand: Command = {
  name: "info",
  summary: "Show versions, backends, and (with --model) a model's architecture, sizes and chat template",
  usage: "llama-steer info [--model PATH] [--gpu-layers N|all] [--json]",
  examples: ["llama-steer info", "llama-steer info --model ./gemma-3-270m-it-Q4_K_M.gguf --json"],
  options: {
    model: { type: "string", description: "GGUF model to describe", valueName: "PATH" },
    "gpu-layers": gpuLayersOption,
  },
  async run(values, _positionals, io) {
    const addon = await loadAddon();
    const backend = addon.backendInfo();
    const backends = backendReport() ?? null;
    const result: Record<string, unknown> = {
      version: packageVersion(),
      node: process.version,
      devices: backend.devices,
      supportsGpuOffload: backend.supportsGpuOffload,
      backends,
    };
    if (values.model !== undefined) {
      if (typeof values.model !== "string" || values.model.length === 0) throw new UsageError("--model needs a path");
      const gpuLayers = parseGpuLayers(values["gpu-layers"]);
      const model = await loadModel(values.model, { signal: io.signal, gpuLayers });
      warnIfNotOffloaded(gpuLayers, io);
      try {
        const { chatTemplate, ...rest } = model.info;
        result.model = { ...rest, hasChatTemplate: chatTemplate !== null, templateMentionsTools: chatTemplate?.includes("tools") ?? false };
        io.print(`${rest.name || rest.path}: ${rest.architecture}, ${rest.nLayer} layers, n_embd ${rest.nEmbd}, vocab ${rest.nVocab}, ${(rest.fileBytes / 1e6).toFixed(1)} MB`);
      } finally {
        await model.dispose();
      }
    }
    io.print(`llama-steer ${result.version} on Node ${process.version}; devices: ${backend.devices.map((d) => `${d.description || d.name} (${d.type})`).join(", ")}`);
    if (backends) {
      io.print(`binaries: CPU ${backends.linked ? "linked into the loaded libllama" : backends.cpu ? `from ${backends.cpu.name} ${backends.cpu.version} (${backends.cpu.dir})` : "from ggml's default search path"}`);
      io.print(`GPU (${backends.gpu === false ? "off" : backends.gpu}${backends.gpuSource === "env" ? ", from NODE_LLAMA_CPP_GPU" : ""}): ${backends.loadedGpu ? `${backends.loadedGpu.gpu} from ${backends.loadedGpu.package} (${backends.loadedGpu.file})` : (backends.fallbackReason ?? "none")}`);
    }
    return result;
  },
};
