/** All CLI commands, in the order `llama-steer --help` lists them. */
import type { Command } from "./command.js";
import { benchCommand } from "./commands/bench.js";
import { buildCommand } from "./commands/build.js";
import { chatCommand } from "./commands/chat.js";
import { correctCommand } from "./commands/correct.js";
import { dataCommand } from "./commands/data.js";
import { demoCommand } from "./commands/demo.js";
import { doctorCommand } from "./commands/doctor.js";
import { evalCommand } from "./commands/eval.js";
import { fetchModelCommand } from "./commands/fetchModel.js";
import { infoCommand } from "./commands/info.js";
import { parseCommand } from "./commands/parse.js";
import { readoutCommand } from "./commands/readout.js";
import { serveCommand } from "./commands/serve.js";
import { sweepCommand } from "./commands/sweep.js";
import { switchCommand } from "./commands/switch.js";

export const commands: Command[] = [infoCommand, fetchModelCommand, dataCommand, parseCommand, sweepCommand, buildCommand, evalCommand, switchCommand, correctCommand, readoutCommand, chatCommand, serveCommand, doctorCommand, benchCommand, demoCommand];
