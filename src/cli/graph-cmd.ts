import type { Command } from "commander";

/** Placeholder until the graph stage lands. */
export function registerGraphCommands(_program: Command): void {}
