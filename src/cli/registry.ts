/** All CLI commands, in the order `llama-steer --help` lists them. */
import type { Command } from "./command.js";
import { doctorCommand } from "./commands/doctor.js";
import { infoCommand } from "./commands/info.js";

export const commands: Command[] = [infoCommand, doctorCommand];
