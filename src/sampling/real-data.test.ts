/**
 * Quality of sampling on real tools: 8,000 samples of size 3-5 on the BFCL live tools (live_simple +
 * live_multiple, graph built with the default lexical embedder). Asserts the balanced strategy's targets
 * (coverage >= 95 % of non-isolated tools, Gini <= 0.3) and the walk invariants on every sample. No timing.
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { SHARED_DATA } from "../../test/support/cli.js";
import { buildToolGraph } from "../graph/index.js";
import { importTools } from "../tools/index.js";
import { SamplingGraph, sampleTools, samplingStats } from "./index.js";

describe("sampling on the BFCL live tools", () => {
  let sg: SamplingGraph;

  beforeAll(async () => {
    const { tools } = await importTools([
      join(SHARED_DATA, "bfcl/BFCL_v4_live_simple.json"),
      join(SHARED_DATA, "bfcl/BFCL_v4_live_multiple.json"),
    ]);
    sg = new SamplingGraph(await buildToolGraph(tools));
  }, 180_000);

  it("balanced: 8,000 samples of 3-5 tools cover >= 95 % of non-isolated tools with Gini <= 0.3", () => {
    expect(sg.nonIsolated.size).toBeGreaterThan(500);
    const samples = sampleTools(sg, { strategy: "balanced", count: 8000, size: { min: 3, max: 5 }, seed: 1 });
    expect(samples).toHaveLength(8000);
    const stats = samplingStats(samples, sg);
    expect(stats.coverage!.shareNonIsolated).toBeGreaterThanOrEqual(0.95);
    expect(stats.giniNonIsolated!).toBeLessThanOrEqual(0.3);
    expect(stats.meanSize).toBeGreaterThan(3.5);

    // every sample: distinct tools, a size in range or marked short, walked edges that exist in the graph
    const problems: string[] = [];
    for (const s of samples) {
      if (new Set(s.tools).size !== s.tools.length) problems.push(`${s.id}: repeated tool`);
      const sizeOk = s.short === undefined ? s.tools.length === s.requestedSize : s.tools.length < s.requestedSize;
      if (!sizeOk) problems.push(`${s.id}: ${s.tools.length} tools for ${s.requestedSize}, short=${s.short}`);
      if (s.edges.length !== s.tools.length - 1) problems.push(`${s.id}: ${s.edges.length} edges`);
      for (const e of s.edges) {
        if (!sg.graph.edgesBetween(e.from, e.to).some((f) => f.kind === e.kind)) {
          problems.push(`${s.id}: no ${e.kind} edge ${e.from} -> ${e.to}`);
        }
      }
    }
    expect(problems).toEqual([]);
  }, 120_000);
});
