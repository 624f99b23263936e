/**
 * The lint rules applied when sampling (`toolflow sample --tools`, synth's own sampling): tools that `tools lint`
 * flags are left out unless kept (`--include-flagged [rules]`), the counts per rule go into the summary and the run
 * manifest, and the strategy's blind spots (tools it will never draw) are said up front.
 */
import type { SamplingStrategy, ToolSpec } from "../core/index.js";
import type { ToolGraph } from "../graph/index.js";
import { LINT_RULES, flaggedTools, lintTools, type LintReport, type LintRuleId } from "../tools/index.js";
import { asSamplingGraph, SamplingGraph, type SamplingGraphLike } from "./sampling-graph.js";

export interface ScreenOptions {
  /** Keep flagged tools: true keeps all, a list keeps those flagged only by these rules. Default false. */
  includeFlagged?: boolean | readonly LintRuleId[];
}

/** What the screen did, for the samples summary and the run manifest. */
export interface ScreenSummary {
  tools: number;
  /** Tools each rule reports (flagging rules and the `isolated` notice). */
  rules: Record<LintRuleId, number>;
  /** Tools flagged by at least one rule. */
  flagged: number;
  /** Flagged tools left out of sampling. */
  excluded: number;
  /** Flagged tools kept because of includeFlagged. */
  kept: number;
  includeFlagged: boolean | LintRuleId[];
}

export interface ToolScreen {
  /** Tools to leave out of sampling. */
  exclude: ReadonlySet<string>;
  report: LintReport;
  summary: ScreenSummary;
}

/** Lint the catalogue against its graph (for the `isolated` notice) and decide which tools sampling leaves out. */
export function screenTools(tools: readonly ToolSpec[], graph: ToolGraph | SamplingGraph, options: ScreenOptions = {}): ToolScreen {
  const full = graph instanceof SamplingGraph ? new SamplingGraph(graph.graph) : new SamplingGraph(graph);
  const { isolated, ownVariantsOnly } = full.unwalkable();
  const report = lintTools(tools, { connectivity: { isolated: new Set(isolated), ownVariantsOnly: new Set(ownVariantsOnly) } });
  const include = options.includeFlagged ?? false;
  const exclude = flaggedTools(report, include);
  const rules = Object.fromEntries(LINT_RULES.map((r) => [r, report.counts[r].tools])) as Record<LintRuleId, number>;
  return {
    exclude,
    report,
    summary: {
      tools: tools.length,
      rules,
      flagged: report.flagged.length,
      excluded: exclude.size,
      kept: report.flagged.length - exclude.size,
      includeFlagged: include === true || include === false ? include : [...include],
    },
  };
}

/** One line per rule with its count, then what was left out (for stderr). */
export function formatScreen(summary: ScreenSummary): string {
  const parts = LINT_RULES.filter((r) => r !== "isolated" && summary.rules[r] > 0).map((r) => `${r} ${summary.rules[r]}`);
  const kept = summary.kept > 0 ? `, ${summary.kept} kept (--include-flagged)` : "";
  return (
    `lint: ${summary.flagged} of ${summary.tools} tools flagged, ${summary.excluded} left out of sampling${kept}` +
    (parts.length > 0 ? ` (${parts.join(", ")})` : "") +
    (summary.rules.isolated > 0 ? `; ${summary.rules.isolated} without an edge in the full graph (notice)` : "") +
    (summary.excluded > 0 ? "; `toolflow tools lint` lists them, --include-flagged keeps them" : "") +
    "\n"
  );
}

/**
 * Warnings about the tools a strategy will leave unused: `walk` never draws tools without an edge to a tool of
 * another function; `balanced` draws each of them once, alone; `random` draws every tool.
 */
export function strategyWarnings(graph: SamplingGraphLike, strategy: SamplingStrategy, options: { exclude?: ReadonlySet<string> } = {}): string[] {
  const sg = asSamplingGraph(graph, options.exclude ? { exclude: options.exclude } : {});
  const { isolated, ownVariantsOnly } = sg.unwalkable();
  const n = isolated.length + ownVariantsOnly.length;
  if (n === 0 || strategy === "random") return [];
  const what =
    `${n} of ${sg.nodes.length} tools have no edge to a tool of another function` +
    ` (${isolated.length} isolated, ${ownVariantsOnly.length} joined only to their own variants; e.g. ${[...isolated, ...ownVariantsOnly].slice(0, 3).join(", ")})`;
  if (strategy === "walk") {
    return [`${what}: \`walk\` will never sample them; \`balanced\` draws each once, alone, \`random\` draws every tool, or build the graph with a lower threshold`];
  }
  return [`${what}: \`balanced\` draws each of them once, as a one-tool sample; \`random\` mixes them with other tools`];
}
