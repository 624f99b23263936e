/**
 * Tool results per source: how many tool messages of a set of records were executed on a real server
 * (`synth --execute`: an MCP server, an HTTP API) and how many the tool agent simulated, per tool source. Records
 * without `execution` (runs without --execute, older runs) count every result as simulated. Used by the dataset card
 * and the HTML report, so that a dataset whose results came from real servers does not read as made by the tool
 * role's model.
 */
import { basename } from "node:path";
import type { DialogueRecord, ToolSpec } from "../core/index.js";

/** What kind of source a tool has: a live MCP server, an OpenAPI operation (HTTP API), or a tool file only. */
export type ToolResultSourceKind = "mcp" | "http" | "file";

export interface ToolResultSource {
  /** The MCP server as tools.jsonl writes it (`mcp+stdio:...`, `mcp+http://...`), else the tool file's name. */
  source: string;
  kind: ToolResultSourceKind;
  /** Results executed on the real server (real errors included). */
  executed: number;
  /** Executed results that were real errors (HTTP 4xx / 5xx, MCP error results, timeouts). */
  executedErrors: number;
  /** Executed results with content other than text (resource links, images, ...), kept as structured content. */
  structured: number;
  /** Results the tool agent simulated (writes refused without --allow-writes included). */
  simulated: number;
}

function sourceOf(tool: ToolSpec | undefined): { source: string; kind: ToolResultSourceKind } {
  if (!tool) return { source: "(a tool the record does not list)", kind: "file" };
  if (tool.source.mcp) return { source: tool.source.file, kind: "mcp" };
  return { source: basename(tool.source.file), kind: tool.source.http ? "http" : "file" };
}

/** Counts tool results per source over records added one at a time. */
export class ToolResultTally {
  private readonly rows = new Map<string, ToolResultSource>();

  add(record: Pick<DialogueRecord, "messages" | "tools" | "execution">): void {
    const byName = new Map(record.tools.map((t) => [t.name, t]));
    record.messages.forEach((m, i) => {
      if (m.role !== "tool") return;
      const { source, kind } = sourceOf(m.name !== undefined ? byName.get(m.name) : undefined);
      const key = `${kind}\u0000${source}`;
      const row = this.rows.get(key) ?? { source, kind, executed: 0, executedErrors: 0, structured: 0, simulated: 0 };
      this.rows.set(key, row);
      const how = record.execution?.[i];
      if (how?.mode === "executed") {
        row.executed++;
        if (how.error) row.executedErrors++;
        if (how.content) row.structured++;
      } else row.simulated++;
    });
  }

  /** One row per source: executed sources first (most results first), then by name. */
  result(): ToolResultSource[] {
    return [...this.rows.values()]
      .map((r) => ({ ...r }))
      .sort((a, b) => b.executed - a.executed || b.executed + b.simulated - (a.executed + a.simulated) || a.source.localeCompare(b.source));
  }
}

/** Tool results per source of a set of records. */
export function toolResultSources(records: ReadonlyArray<Pick<DialogueRecord, "messages" | "tools" | "execution">>): ToolResultSource[] {
  const tally = new ToolResultTally();
  for (const r of records) tally.add(r);
  return tally.result();
}
