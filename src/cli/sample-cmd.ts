import type { Command } from "commander";

/** Placeholder until the sample stage lands. */
export function registerSampleCommands(_program: Command): void {}
