/**
 * Statistics of a set of dialogue records for the dataset card: the dialogue figures from data's
 * FigureAccumulator (the same pass `toolflow stats` and the HTML report use), and what only toolflow records hold
 * (backends, models, verification, provenance, judge scores, usage, tool result sources).
 */
import type { DialogueRecord, PlanStepKind } from "../core/index.js";
import { PLAN_STEP_KINDS } from "../core/index.js";
import { FigureAccumulator, toolflowDialogue, type DiversityMetrics, type Distribution } from "../data/index.js";

export type { Distribution } from "../data/index.js";
import { ToolResultTally, type ToolResultSource } from "./tool-results.js";

export interface DatasetStats {
  dialogues: number;
  withPlan: number;
  messages: Distribution;
  userTurns: Distribution;
  toolCalls: Distribution;
  /** Dialogues by number of tool calls. */
  toolCallHistogram: Record<string, number>;
  /** Assistant turns with two or more calls. */
  parallelCallTurns: number;
  /** Plan steps by kind, over all planned dialogues. */
  stepKinds: Record<PlanStepKind, number>;
  /** Calls per tool, most used first. */
  toolUse: Record<string, number>;
  /** Distinct tools offered (in the records' tool sets). */
  toolsOffered: number;
  backends: Record<string, number>;
  /** Model ids per agent role, with counts. */
  models: Record<string, Record<string, number>>;
  /** Dialogues with a flagged (non-fatal) finding, by check. */
  flagged: Record<string, number>;
  /** Verification recorded with the dialogues: how many passed, and per check passed / failed / skipped counts. */
  verification: { passed: number; checks: Record<string, { passed: number; failed: number; skipped: number }> };
  /**
   * All argument leaves and ungrounded ones, from the records' provenance metrics; converted (from a name, a month, a
   * unit, ...), defaulted (carrying nothing from the user) and general-knowledge ones (0 in records made before
   * the check counted them).
   */
  provenance: {
    args: number;
    ungrounded: number;
    rate: number;
    dialoguesMeasured: number;
    converted: number;
    defaulted: number;
    knowledge: number;
  };
  /** Mean judge score per criterion, over the dialogues a judge rated. */
  judge: { rated: number; means: Record<string, number> };
  usage: { promptTokens: number; completionTokens: number };
  /** Diversity of the user and assistant texts (the paper's H and D-3). */
  diversity: DiversityMetrics;
  /** Diversity of the user turns alone. */
  userDiversity: DiversityMetrics;
  /** Tool results per tool source: executed on a real server (`synth --execute`) or simulated by the tool agent. */
  toolResults: ToolResultSource[];
}

function inc(m: Record<string, number>, k: string, by = 1): void {
  m[k] = (m[k] ?? 0) + by;
}

function sortedDesc(m: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(m).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
}

export function datasetStats(records: DialogueRecord[]): DatasetStats {
  const figures = new FigureAccumulator({ skipTokens: true, textDiversity: true });
  const backends: Record<string, number> = {};
  const models: Record<string, Record<string, number>> = {};
  const flagged: Record<string, number> = {};
  const checkCounts: Record<string, { passed: number; failed: number; skipped: number }> = {};
  let verifiedPassed = 0;
  const judgeSums: Record<string, number> = {};
  let args = 0;
  let ungrounded = 0;
  let converted = 0;
  let defaulted = 0;
  let knowledge = 0;
  let measured = 0;
  let rated = 0;
  let promptTokens = 0;
  let completionTokens = 0;
  const toolResults = new ToolResultTally();

  for (const r of records) {
    figures.add(toolflowDialogue(r));
    toolResults.add(r);
    inc(backends, r.backend);
    for (const [role, model] of Object.entries(r.models)) {
      models[role] ??= {};
      inc(models[role], model);
    }
    if (r.verification.passed) verifiedPassed++;
    for (const c of r.verification.checks) {
      const cc = (checkCounts[c.name] ??= { passed: 0, failed: 0, skipped: 0 });
      if (c.skipped) cc.skipped++;
      else if (c.passed) cc.passed++;
      else cc.failed++;
      if (c.flagged) inc(flagged, c.name);
      if (c.name === "provenance" && !c.skipped && c.metrics) {
        args += c.metrics.args ?? 0;
        ungrounded += c.metrics.ungrounded ?? 0;
        converted += c.metrics.converted ?? 0;
        defaulted += c.metrics.defaulted ?? 0;
        knowledge += c.metrics.knowledge ?? 0;
        measured++;
      }
    }
    if (r.judge) {
      rated++;
      for (const [k, v] of Object.entries(r.judge)) inc(judgeSums, k, v);
    }
    for (const u of Object.values(r.usage)) {
      promptTokens += u.promptTokens;
      completionTokens += u.completionTokens;
    }
  }
  const f = figures.result();
  const stepKinds = Object.fromEntries(PLAN_STEP_KINDS.map((k) => [k, f.stepKinds?.[k] ?? 0])) as Record<PlanStepKind, number>;
  return {
    dialogues: f.dialogues,
    withPlan: f.withPlan,
    messages: f.perDialogue.messages,
    userTurns: f.perDialogue.userTurns,
    toolCalls: f.perDialogue.toolCalls,
    toolCallHistogram: f.perDialogue.callHistogram,
    parallelCallTurns: f.parallelCallTurns,
    stepKinds,
    toolUse: f.toolUse,
    toolsOffered: f.toolsOffered,
    backends: sortedDesc(backends),
    models: Object.fromEntries(Object.entries(models).map(([k, v]) => [k, sortedDesc(v)])),
    flagged: sortedDesc(flagged),
    verification: { passed: verifiedPassed, checks: checkCounts },
    provenance: { args, ungrounded, rate: args === 0 ? 0 : ungrounded / args, dialoguesMeasured: measured, converted, defaulted, knowledge },
    judge: { rated, means: Object.fromEntries(Object.entries(judgeSums).map(([k, v]) => [k, v / rated])) },
    usage: { promptTokens, completionTokens },
    diversity: f.textDiversity as DiversityMetrics,
    userDiversity: f.userDiversity,
    toolResults: toolResults.result(),
  };
}
