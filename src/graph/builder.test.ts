import { describe, expect, it } from "vitest";
import { InputError } from "../core/index.js";
import { Rng } from "../core/index.js";
import type { ToolSpec } from "../core/index.js";
import { buildToolGraph } from "./builder.js";
import { LexicalEmbedder } from "./embedders/lexical.js";
import { graphStats } from "./stats.js";
import { tool } from "../../test/support/graph.js";

describe("buildToolGraph", () => {
  const tools: ToolSpec[] = [
    tool("login", [["username", "The user name"], ["password", "The password"]], [["session_token", "Session token for later calls"]]),
    tool("list_invoices", [["session_token", "Session token from login"], ["customer_email", "Email of the customer"]], [
      ["invoice_number", "Number of the invoice"],
    ]),
    tool("pay_invoice", [["session_token", "Session token from login"], ["invoice_number", "Number of the invoice to pay"]]),
    tool("weather", [["city", "City name"]], [["forecast", "Forecast text"]]),
  ];

  it("joins a producer's return field to a consumer's parameter (P-R) and shared parameters (P-P), with evidence", async () => {
    const g = await buildToolGraph(tools);
    const pr = g.edgesBetween("login", "list_invoices").find((e) => e.kind === "P-R");
    expect(pr).toMatchObject({ source: "login", target: "list_invoices" });
    expect(pr?.evidence[0]).toMatchObject({ sourceField: "session_token", targetField: "session_token" });
    const pay = g.edgesBetween("list_invoices", "pay_invoice");
    expect(pay.find((e) => e.kind === "P-R")).toMatchObject({ source: "list_invoices", target: "pay_invoice" });
    expect(pay.find((e) => e.kind === "P-R")?.evidence.map((e) => e.sourceField)).toContain("invoice_number");
    // the consumers share session_token: an undirected P-P edge
    expect(pay.find((e) => e.kind === "P-P")?.evidence[0]?.sourceField).toBe("session_token");
    // no edge runs from a consumer back to the producer, and the unrelated tool stays isolated
    expect(g.edgesBetween("pay_invoice", "login").some((e) => e.kind === "P-R" && e.source === "pay_invoice")).toBe(false);
    expect(g.neighbors("weather")).toEqual([]);
    expect(g.meta).toMatchObject({ embedder: "lexical", threshold: 0.4, exact: false, tools: 4 });
  });

  it("weights an edge by its best field pair and keeps evidence sorted, most similar first", async () => {
    const g = await buildToolGraph(tools);
    for (const e of g.toJSON().edges) {
      expect(e.weight).toBe(e.evidence[0]?.similarity);
      const sims = e.evidence.map((x) => x.similarity);
      expect([...sims].sort((a, b) => b - a)).toEqual(sims);
      expect(e.weight).toBeGreaterThanOrEqual(0.4);
    }
  });

  it("does not let generic fields (id, name, limit, page) join everything", async () => {
    // 60 unrelated tools that all take id / name / limit / page, each with one field of its own; two pairs of
    // tools also share a specific field.
    const rng = new Rng(7);
    const syllables = ["ka", "lo", "mi", "ru", "te", "zo", "pa", "ne", "vi", "su", "do", "fa"];
    const word = (i: number) => `${syllables[i % 12]}${syllables[Math.floor(i / 12) % 12]}${rng.pick(["x", "q", "z"])}`;
    const generic: Array<[string, string]> = [
      ["id", "The ID"],
      ["name", "The name"],
      ["limit", "Maximum number of results to return"],
      ["page", "Page number"],
    ];
    const many: ToolSpec[] = [];
    for (let i = 0; i < 60; i++) {
      many.push(tool(`${word(i)}_lookup`, [...generic, [`${word(i)}_code`, `The ${word(i)} code`], [`${word(i)}_level`, `Level of ${word(i)}`]]));
    }
    many.push(tool("export_ledger", [...generic, ["ledger_batch", "Ledger batch to export"]]));
    many.push(tool("import_ledger", [...generic, ["ledger_batch", "Ledger batch to import"]]));
    const g = await buildToolGraph(many);
    const s = graphStats(g);
    expect(s.degree.max).toBe(1);
    expect(s.edges.total).toBe(1);
    expect(g.edgesBetween("export_ledger", "import_ledger")[0]?.evidence[0]?.sourceField).toBe("ledger_batch");
    // plain cosine (no smoothing, no background prior) is exactly what goes wrong: identical generic fields join
    const plain = await buildToolGraph(many, { embedder: new LexicalEmbedder({ smoothing: 0, priorWeight: 0, contextWeight: 0 }) });
    expect(graphStats(plain).degree.max).toBeGreaterThan(50);
  });

  it("gives the same graph with the index as with --exact, at several thresholds", async () => {
    const rng = new Rng(3);
    const words = ["order", "customer", "invoice", "id", "date", "city", "amount", "status", "token", "user", "name", "ship", "price", "code", "email"];
    const randomFields = (k: number) =>
      Array.from({ length: k }, () => {
        const n = rng.pick(words) + (rng.chance(0.6) ? `_${rng.pick(words)}` : "");
        return [n, `The ${rng.pick(words)} ${rng.pick(words)} of the ${rng.pick(words)}`] as [string, string];
      });
    const dedupe = (f: Array<[string, string]>) => f.filter((x, i) => f.findIndex((y) => y[0] === x[0]) === i);
    const collection = Array.from({ length: 150 }, (_, i) => tool(`t${i}`, dedupe(randomFields(rng.int(1, 4))), dedupe(randomFields(rng.int(0, 3)))));
    for (const threshold of [0.3, 0.5, 0.7]) {
      const a = await buildToolGraph(collection, { threshold });
      const b = await buildToolGraph(collection, { threshold, exact: true });
      expect(a.size).toBeGreaterThan(0);
      expect(a.toJSON().edges).toEqual(b.toJSON().edges);
      expect((a.meta as { candidatePairs: number }).candidatePairs).toBeLessThan((b.meta as { candidatePairs: number }).candidatePairs);
    }
  });

  it("merges identical duplicates and rejects a name reused for a different tool", async () => {
    const a = tool("dup", [["x_code", "X code"]]);
    const g = await buildToolGraph([a, { ...a, source: { ...a.source, file: "other.jsonl" } }, tool("other", [["x_code", "X code"]])]);
    expect(g.order).toBe(2);
    expect(g.meta).toMatchObject({ duplicateToolsSkipped: 1 });
    const conflict = { ...tool("dup", [["y", "Y"]]), source: { file: "b.jsonl", pointer: "", line: 4, format: "toolspec" as const } };
    await expect(buildToolGraph([a, conflict])).rejects.toThrow(InputError);
    await expect(buildToolGraph([a, conflict])).rejects.toThrow(/b\.jsonl line 4.*duplicate tool name "dup"/);
  });

  it("records a renamed tool's original name on its node (sampling keeps variants apart by it)", async () => {
    const variant: ToolSpec = { ...(tools[3] as ToolSpec), name: "weather_v2", originalName: "weather" };
    const g = await buildToolGraph([...tools, variant]);
    expect(g.graph.getNodeAttribute("weather_v2", "originalName")).toBe("weather");
    expect(g.graph.getNodeAttribute("weather", "originalName")).toBeUndefined();
    expect(g.toJSON().nodes.find((n) => n.id === "weather_v2")).toMatchObject({ originalName: "weather" });
  });

  it("rejects a threshold outside (0, 1]", async () => {
    await expect(buildToolGraph(tools, { threshold: 0 })).rejects.toThrow(/threshold/);
    await expect(buildToolGraph(tools, { threshold: 1.5 })).rejects.toThrow(/threshold/);
  });

  it("reports progress by phase", async () => {
    const phases = new Set<string>();
    await buildToolGraph(tools, { onProgress: (p) => phases.add(p.phase) });
    expect([...phases]).toEqual(["fields", "embed", "join", "edges"]);
  });
});
