import type { Command } from "commander";

/** Placeholder until the tools stage lands. */
export function registerToolsCommands(_program: Command): void {}
