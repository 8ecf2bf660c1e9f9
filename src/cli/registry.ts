/** All CLI commands, in the order `llama-steer --help` lists them. */
import type { Command } from "./command.js";
import { benchCommand } from "./commands/bench.js";
import { dataCommand } from "./commands/data.js";
import { demoCommand } from "./commands/demo.js";
import { doctorCommand } from "./commands/doctor.js";
import { evalCommand } from "./commands/eval.js";
import { fetchModelCommand } from "./commands/fetchModel.js";
import { infoCommand } from "./commands/info.js";
import { parseCommand } from "./commands/parse.js";

export const commands: Command[] = [infoCommand, fetchModelCommand, dataCommand, parseCommand, evalCommand, doctorCommand, benchCommand, demoCommand];
