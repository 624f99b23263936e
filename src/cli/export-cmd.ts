import type { Command } from "commander";

/** Placeholder until the export stage lands. */
export function registerExportCommands(_program: Command): void {}
