/**
 * The `toolflow` command line. Each stage registers its own subcommands from its own file.
 */
import { pathToFileURL } from "node:url";
import { Command, CommanderError } from "commander";
import { ToolflowError } from "../core/index.js";
import { packageVersion } from "../core/index.js";
import { redact } from "../llm/index.js";
import { registerCommands } from "./commands.js";

export const VERSION = packageVersion();

export function buildProgram(): Command {
  const program = new Command("toolflow")
    .description("Synthesize natural, coherent, verified multi-turn tool-calling dialogues (the ToolFlow method).")
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError();
  registerCommands(program);
  return program;
}

/** Run the CLI; returns the exit code (0 ok, 1 failure, 2 bad input or usage). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version exit with 0; usage errors have already been printed by commander
      return err.exitCode === 0 ? 0 : 2;
    }
    if (err instanceof ToolflowError) {
      // Messages may quote a server's words: every registered secret (in any encoded form) is removed.
      process.stderr.write(redact(`toolflow: error: ${err.message}`) + "\n");
      if (process.env.TOOLFLOW_DEBUG && err.cause) process.stderr.write(redact(`cause: ${String(err.cause)}`) + "\n");
      return err.exitCode;
    }
    process.stderr.write(redact(`toolflow: unexpected error: ${(err as Error)?.stack ?? String(err)}`) + "\n");
    return 1;
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  process.exitCode = await main(process.argv);
}
