/**
 * The data the report page reads: one summary, one row per dialogue (for the list and its filters) and the
 * dialogues' details (loaded when opened). Shared by the Node side (which writes or serves it) and the page's
 * client script (src/html/client/), so both agree on one shape. Types only: nothing here runs.
 */
import type { DatasetFigures } from "../data/index.js";
import type { ToolResultSource } from "../report/index.js";
import type { ArgumentSource } from "../verify/index.js";
import type { CheckResult, DialoguePlan, Message, ToolExecution } from "../core/index.js";

export interface Interval {
  mean: number;
  low: number;
  high: number;
}

/** A tool graph as the page draws it (graph.json's nodes and edges, with each edge's field pairs). */
export interface ReportGraph {
  file: string;
  nodes: Array<{ id: string; name: string; category?: string }>;
  edges: Array<{
    source: string;
    target: string;
    kind: "P-P" | "P-R";
    weight: number;
    evidence: Array<{ sourceField: string; targetField: string; similarity: number }>;
  }>;
}

/** What `toolflow judge` wrote (summary.json), as far as the page shows it. */
export interface ReportJudge {
  dir: string;
  /** Per-criterion mean with its bootstrap interval (null when no dialogue was rated on it). */
  criteria: Record<string, Interval | null>;
  dialogues: number;
  ss: { mean: number | null; pairs: number } | null;
  enr: { rate: number | null; pairs: number } | null;
  roundTrip: { agreement: number | null; turns: number; agreed: number; byStepKind: Record<string, { turns: number; agreed: number; agreement: number | null }> } | null;
  notes: string[];
}

export interface ReportSummary {
  title: string;
  /** The run folder. */
  dir: string;
  generatedAt: string;
  version: string;
  /** True when served by `toolflow view` (the page follows the run). */
  live: boolean;
  /** manifest.json of the run (null when the folder has none, e.g. a run still starting). */
  manifest: Record<string, unknown> | null;
  counts: { accepted: number; rejected: number };
  /** Rejected dialogues per check, only-by, and one example reason per check (verify's summarizeRejections). */
  rejections: { total: number; byCheck: Record<string, number>; onlyBy: Record<string, number>; examples: Record<string, string> };
  /** `toolflow stats` figures of the accepted dialogues; null before the first one. */
  figures: DatasetFigures | null;
  /** Tool results of the accepted dialogues per tool source: executed on a real server or simulated; null before the first one. */
  toolResults: ToolResultSource[] | null;
  /** Scores the records carry (synth --judge): mean and bootstrap interval per criterion. */
  recordJudge: { dialogues: number; criteria: Record<string, Interval | null> } | null;
  judge: ReportJudge | null;
  graph: ReportGraph | null;
  /** Tool names; rows refer to them by position. */
  toolNames: string[];
  /** Step kinds; rows refer to them by position. */
  stepKinds: string[];
  /** System prompts; details refer to them by position. */
  systemPrompts: string[];
  /** Set when the report embeds the details of only some dialogues. */
  sample: { total: number; embedded: number; note: string } | null;
  /** Problems met while reading (e.g. lines left out by --skip-bad-lines), shown on the page. */
  notes: string[];
  /** Unreadable lines left out (--skip-bad-lines; `view` also once it follows a run). */
  skippedLines: number;
}

/** One dialogue in the list. Short keys: a 50,000-dialogue report carries 50,000 of these. */
export interface DialogueRow {
  /** Record id. */
  id: string;
  /** Record index in the run. */
  x: number;
  /** 1 accepted, 0 rejected. */
  a: 0 | 1;
  /** Checks that rejected it. */
  r: string[];
  /** Tools called (positions in summary.toolNames). */
  t: number[];
  /** Plan step kinds (positions in summary.stepKinds). */
  k: number[];
  /** Tool calls. */
  c: number;
  /** User + assistant turns. */
  n: number;
  /** Mean judge score (1-5) when rated. */
  j: number | null;
  /** Details available: embedded (report) or served (view). */
  d: 0 | 1;
}

export interface PlanStepView {
  id: number;
  kind: string;
  intent: string;
  tools: string[];
  dependsOn: number[];
  missingArgs?: string[];
  /** Messages of this step. */
  messages: number[];
  /** Step has messages and the plan check names no problem with it. */
  done: boolean;
  problems: string[];
}

/** One dialogue, as opened. */
export interface DialogueDetail {
  id: string;
  index: number;
  accepted: boolean;
  sampleId?: string;
  /** messages; a system message's content is "" when `systemPrompt` points to it in summary.systemPrompts. */
  messages: Message[];
  systemPrompt: number | null;
  stepOf: Array<number | null>;
  plan: { steps: PlanStepView[]; unusedTools: DialoguePlan["unusedTools"] } | null;
  checks: CheckResult[];
  rejectedBy: Array<{ check: string; reasons: string[] }>;
  /** Tools offered (names). */
  tools: string[];
  models: Record<string, string>;
  backend: string | null;
  usage: Record<string, { promptTokens: number; completionTokens: number }>;
  judge: { scores: Record<string, number>; rationale?: string; model?: string } | null;
  roundTrip: unknown;
  /** Where each argument came from (verify's argumentSources). */
  sources: ArgumentSource[];
  /** Runs with --execute: parallel to messages, how each tool message was made (executed where, or simulated). */
  execution?: Array<ToolExecution | null>;
  /** Runs with --keep-reasoning: parallel to messages, the assistant model's reasoning. */
  reasoning?: Array<string | null>;
}
