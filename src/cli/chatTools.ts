/**
 * The tools `llama-steer chat` offers the model: a user's file, else the tools an asset was built with (looked up
 * in the built-in datasets, since an asset stores tool names only), else the necessity dataset's tools.
 */
import { readFile } from "node:fs/promises";

import type { SteeringAsset } from "../assets/index.js";
import { builtInDatasetNames, datasetHash, loadDataset, type DatasetSample } from "../data/index.js";
import { ErrorCodes, SteerError } from "../errors.js";
import { readOfferedTools } from "../formats/tools.js";
import type { ToolDefinition } from "../formats/index.js";

export interface ChatTools {
  tools: ToolDefinition[];
  /** Where they came from, for the log ("file x.json", "dataset necessity (the asset's tools)", ...). */
  source: string;
}

/** Reads a JSON array of tools in the OpenAI layout; every problem is a one-line ERR_INVALID_ARGUMENT. */
export async function readChatToolsFile(file: string): Promise<ToolDefinition[]> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new SteerError(ErrorCodes.INVALID_ARGUMENT, `Cannot read the tools file ${file} (${reason})`, { path: file }, { cause: e });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new SteerError(ErrorCodes.INVALID_ARGUMENT, `The tools file ${file} is not JSON (${(e as Error).message})`, { path: file }, { cause: e });
  }
  if (!Array.isArray(parsed)) {
    throw new SteerError(ErrorCodes.INVALID_ARGUMENT, `The tools file ${file} must hold a JSON array of {"type": "function", "function": {...}} tools`, { path: file });
  }
  // Names the offending element and field ("Expected ... for tools file x.json[2].function.name but received ...").
  readOfferedTools(parsed, `tools file ${file}`);
  return parsed as ToolDefinition[];
}

/** Every distinct tool of a dataset, in first-seen order. */
function toolsOf(samples: readonly DatasetSample[]): Map<string, ToolDefinition> {
  const byName = new Map<string, ToolDefinition>();
  for (const sample of samples) for (const tool of sample.tools) if (!byName.has(tool.function.name)) byName.set(tool.function.name, tool as ToolDefinition);
  return byName;
}

/**
 * The default tools. With an asset: the built-in dataset it was fitted on (same dataset hash), else the first
 * built-in dataset that defines all of the asset's tools, restricted to those tools; without a match (an asset
 * built on the user's own data), the necessity dataset's tools. Without an asset: the necessity dataset's tools.
 */
export async function defaultChatTools(asset: SteeringAsset | undefined, signal?: AbortSignal): Promise<ChatTools> {
  if (asset && asset.tools.length > 0) {
    const candidates: { name: string; samples: DatasetSample[] }[] = [];
    for (const name of builtInDatasetNames) candidates.push({ name, samples: await loadDataset(name, { signal }) });
    const covering = candidates.filter((c) => {
      const tools = toolsOf(c.samples);
      return asset.tools.every((t) => tools.has(t));
    });
    const chosen = covering.find((c) => datasetHash(c.samples) === asset.datasetHash) ?? covering[0];
    if (chosen) {
      const tools = toolsOf(chosen.samples);
      return { tools: asset.tools.map((t) => tools.get(t)!), source: `dataset ${chosen.name} (the asset's tools)` };
    }
    const necessity = [...toolsOf(candidates.find((c) => c.name === "necessity")!.samples).values()];
    return { tools: necessity, source: "dataset necessity (the asset's tools are not in any built-in dataset; pass --tools)" };
  }
  return { tools: [...toolsOf(await loadDataset("necessity", { signal })).values()], source: "dataset necessity" };
}
