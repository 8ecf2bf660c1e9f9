#!/usr/bin/env node
// Regenerates every built-in dataset in data/. The output is deterministic: running this on an unchanged checkout
// leaves the JSONL files byte-identical. Usage: node scripts/datasets/build-all.mjs [--no-novelty-filter]
import { fileURLToPath } from "node:url";
import { writeJsonl } from "./lib.mjs";
import { buildNecessity } from "./necessity.mjs";
import { buildToolChoice } from "./tool-choice.mjs";
import { buildWithinTopic } from "./within-topic.mjs";

const out = (name) => fileURLToPath(new URL(`../../data/${name}.jsonl`, import.meta.url));
writeJsonl(out("necessity"), buildNecessity());
writeJsonl(out("tool-choice"), buildToolChoice());
writeJsonl(out("within-topic"), buildWithinTopic());
