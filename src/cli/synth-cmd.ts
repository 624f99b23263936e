import type { Command } from "commander";

/** Placeholder until the synth stage lands. */
export function registerSynthCommands(_program: Command): void {}
