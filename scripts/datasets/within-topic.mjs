#!/usr/bin/env node
// Writes data/within-topic.jsonl: PER_TOOL requests for each of the 13 tools of an airline help desk, every sample
// offered the full menu in one fixed order. About a third of the booking requests are the last turn of a short
// conversation whose first turn gave the booking reference. Usage: node scripts/datasets/within-topic.mjs
import { fileURLToPath } from "node:url";
import { assignSplits, collect, makeRng, NoveltyFilter, writeJsonl } from "./lib.mjs";
import { AIRLINE_TOOLS } from "./within-topic-tools.mjs";
import { AIRLINE_PROMPTS } from "./within-topic-prompts.mjs";

export const PER_TOOL = 24;

const REF_IN_REQUEST = ["booking {ref}", "reservation {ref}", "my booking {ref}", "PNR {ref}", "booking reference {ref}", "{ref}"];
const REF_LATER = ["my booking", "the booking", "this reservation", "my reservation"];
const REF_OPENINGS = [
  ["Hi, I'm writing about booking {ref}.", "Thanks, I have booking {ref} open. How can I help?"],
  ["hello, my reservation code is {ref}", "Got it. What would you like to do with this booking?"],
  ["Booking ref {ref} here.", "Thank you. What can I help you with today?"],
  ["I have a question about my trip, PNR {ref}", "Of course. What do you need?"],
];
const GREETINGS = [
  ["Hi there", "Hello! Welcome to the help desk. How can I help?"],
  ["good evening, can you help me with a flight?", "Good evening! Certainly, what do you need?"],
  ["Hello, I have a quick question.", "Sure, go ahead."],
];

export function buildWithinTopic() {
  const filter = new NoveltyFilter();
  const samples = [];
  for (const tool of AIRLINE_TOOLS) {
    const name = tool.function.name;
    const r = makeRng(`within-topic/${name}`);
    const made = collect(PER_TOOL, r, filter, () => {
      const [template, values, args, ref] = AIRLINE_PROMPTS[name](r);
      if (ref === undefined) {
        const context = r.chance(0.2) ? r.pick(GREETINGS) : null;
        return { template, values, args, context };
      }
      if (r.chance(0.35)) {
        const [opening, reply] = r.pick(REF_OPENINGS);
        return { template, values: { ...values, bk: r.pick(REF_LATER) }, args, context: [opening.replace("{ref}", ref), reply.replace("{ref}", ref)] };
      }
      return { template, values: { ...values, bk: r.pick(REF_IN_REQUEST).replace("{ref}", ref) }, args, context: null };
    }, name);
    for (const [i, { text, args, context }] of made.entries()) {
      const messages = context ? [{ role: "user", content: context[0] }, { role: "assistant", content: context[1] }, { role: "user", content: text }] : [{ role: "user", content: text }];
      samples.push({ id: `within-topic-${name}-${String(i + 1).padStart(2, "0")}`, domain: "airline", messages, tools: AIRLINE_TOOLS, needs_tool: true, expected: { name, arguments: args } });
    }
  }
  return assignSplits(samples);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeJsonl(fileURLToPath(new URL("../../data/within-topic.jsonl", import.meta.url)), buildWithinTopic());
}
