import { Command } from "commander";
import { registerConfigCommands } from "./config-check.js";

/** The `provisioner` command line. Each command lives in its own module and registers itself here. */
export function buildProgram(): Command {
  const program = new Command("provisioner")
    .description("Keep AWS IAM users, groups and login profiles equal to a directory")
    .option("-c, --config <file>", "configuration file (env PROVISIONER_CONFIG, default ./provisioner.yaml)");
  registerConfigCommands(program);
  return program;
}

await buildProgram().parseAsync(process.argv);
