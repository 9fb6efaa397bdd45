import { Command } from "commander";
import { registerConfigCommands } from "./config-check.js";
import { registerDashboardCommand } from "./dashboard.js";
import { registerPlanCommand } from "./plan.js";
import { registerProcessCommands } from "./process-commands.js";
import { registerRunCommands } from "./run-commands.js";
import { registerStatusCommands } from "./status.js";

/** The `provisioner` command line. Each command lives in its own module and registers itself here. */
export function buildProgram(): Command {
  const program = new Command("provisioner")
    .description("Keep AWS IAM users, groups and login profiles equal to a directory")
    .option("-c, --config <file>", "configuration file (env PROVISIONER_CONFIG, default ./provisioner.yaml)");
  registerConfigCommands(program);
  registerDashboardCommand(program);
  registerPlanCommand(program);
  registerRunCommands(program);
  registerStatusCommands(program);
  registerProcessCommands(program);
  return program;
}

await buildProgram().parseAsync(process.argv);
