import type { Command } from "commander";
import { registerToolsCommands } from "./tools-cmd.js";
import { registerGraphCommands } from "./graph-cmd.js";
import { registerSampleCommands } from "./sample-cmd.js";
import { registerSynthCommands } from "./synth-cmd.js";
import { registerExportCommands } from "./export-cmd.js";
import { registerVerifyCommands } from "./verify-cmd.js";
import { registerEvalCommands } from "./eval-cmd.js";
import { registerJudgeCommands } from "./judge-cmd.js";
import { registerOverlapCommands } from "./overlap-cmd.js";
import { registerStatsCommands } from "./stats-cmd.js";
import { registerDoctorCommands } from "./doctor-cmd.js";
import { registerWorkerCommands } from "./worker-cmd.js";
import { registerCollectCommands } from "./collect-cmd.js";
import { registerReportCommands } from "./report-cmd.js";

/** Every subcommand, in the order of the pipeline. */
export function registerCommands(program: Command): void {
  registerToolsCommands(program);
  registerGraphCommands(program);
  registerSampleCommands(program);
  registerSynthCommands(program);
  registerVerifyCommands(program);
  registerExportCommands(program);
  registerEvalCommands(program);
  registerJudgeCommands(program);
  registerOverlapCommands(program);
  registerStatsCommands(program);
  registerDoctorCommands(program);
  registerWorkerCommands(program);
  registerCollectCommands(program);
  registerReportCommands(program);
}
