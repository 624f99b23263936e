/**
 * The `toolflow` command line. Each stage registers its own subcommands from its own file.
 */
import { pathToFileURL } from "node:url";
import { Command, CommanderError } from "commander";
import { fsErrorMessage, isFsError, lossyUtf8Count, setLossyUtf8, ToolflowError } from "../core/index.js";
import { packageVersion } from "../core/index.js";
import { redact } from "../llm/index.js";
import { registerCommands } from "./commands.js";
import { installDeprecatedAliases } from "./option-specs.js";

export const VERSION = packageVersion();

export function buildProgram(): Command {
  const program = new Command("toolflow")
    .description("Synthesize natural, coherent, verified multi-turn tool-calling dialogues (the ToolFlow method).")
    .version(VERSION)
    .option("--lossy-utf8", "replace invalid UTF-8 in input files with U+FFFD (counted on standard error) instead of stopping")
    .exitOverride()
    .showHelpAfterError();
  program.hook("preAction", () => setLossyUtf8(program.opts<{ lossyUtf8?: boolean }>().lossyUtf8 === true));
  registerCommands(program);
  installDeprecatedAliases(program); // --output for --out, --strategy for --sampling: accepted with a notice
  return program;
}

/** Run the CLI; returns the exit code (0 ok, 1 failure, 2 bad input or usage). */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  setLossyUtf8(false);
  const debug = process.env.TOOLFLOW_DEBUG !== undefined && process.env.TOOLFLOW_DEBUG !== "" && process.env.TOOLFLOW_DEBUG !== "0";
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
      if (debug) {
        process.stderr.write(redact(err.stack ?? "") + "\n");
        if (err.cause) process.stderr.write(redact(`cause: ${(err.cause as Error)?.stack ?? String(err.cause)}`) + "\n");
      }
      return err.exitCode;
    }
    if (isFsError(err)) {
      // a file-system error no command turned into its own message: one line naming the path
      const { message, exitCode } = fsErrorMessage(err);
      process.stderr.write(redact(`toolflow: error: ${message}`) + "\n");
      if (debug) process.stderr.write(redact(err.stack ?? "") + "\n");
      return exitCode;
    }
    const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    process.stderr.write(redact(`toolflow: unexpected error: ${oneLine(message)}`) + "\n");
    process.stderr.write(debug ? redact((err as Error)?.stack ?? "") + "\n" : "toolflow: set TOOLFLOW_DEBUG=1 to see where it happened\n");
    return 1;
  } finally {
    const replaced = lossyUtf8Count();
    if (replaced > 0) process.stderr.write(`toolflow: --lossy-utf8: ${replaced} invalid UTF-8 sequence${replaced === 1 ? "" : "s"} replaced with U+FFFD\n`);
    setLossyUtf8(false);
  }
}

/** The first line of a message (the CLI prints one line per error; the rest is for TOOLFLOW_DEBUG). */
function oneLine(message: string): string {
  const lines = message.split("\n");
  return lines.length > 1 ? `${lines[0]} (+${lines.length - 1} more lines with TOOLFLOW_DEBUG=1)` : message;
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  process.exitCode = await main(process.argv);
}
