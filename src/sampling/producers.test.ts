/**
 * Producers missing from a sample: parameters that name a producing tool ("Identifier of the cart, from
 * createCart") get the producer added when the graph has the P-R edge and the sample stays within size max + 1;
 * otherwise the sample records that the user must supply the value. Built from the bundled shop example.
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ToolSampleZ, type ToolSample, type ToolSpec } from "../core/index.js";
import { buildToolGraph, type ToolGraph } from "../graph/index.js";
import { importTools } from "../tools/index.js";
import { PROJECT_ROOT } from "../../test/support/cli.js";
import { makeGraph } from "../../test/support/sampling.js";
import {
  SamplingGraph,
  balancedWalkSample,
  formatStats,
  missingProducers,
  randomSample,
  randomWalkSample,
  sampleTools,
  samplingStats,
} from "./index.js";
import { Rng } from "../core/index.js";

let tools: ToolSpec[];
let graph: ToolGraph;
beforeAll(async () => {
  tools = (await importTools([join(PROJECT_ROOT, "examples/shop.openapi.yaml")])).tools;
  graph = await buildToolGraph(tools);
});

const hasPr = (g: ToolGraph, from: string, to: string) => g.edgesBetween(from, to).some((e) => e.kind === "P-R" && e.source === from && e.target === to);

/** What every sample drawn with the specs must satisfy. */
function expectConsistent(s: ToolSample, max: number): void {
  expect(s.tools.length).toBeLessThanOrEqual(max + 1);
  expect(new Set(s.tools).size).toBe(s.tools.length);
  for (const a of s.addedProducers ?? []) {
    expect(s.tools).toContain(a.tool);
    expect(s.tools).toContain(a.producer);
    expect(hasPr(graph, a.producer, a.tool), `${a.producer} -> ${a.tool}`).toBe(true);
  }
  // what is still missing is exactly what the planner's function reports
  expect(s.userSupplied ?? []).toEqual(missingProducers(s, tools));
  expect(ToolSampleZ.parse(s)).toEqual(s);
}

describe("missingProducers (pure)", () => {
  it("lists parameters naming a producer outside the sample, one entry per named producer", () => {
    expect(missingProducers({ tools: ["checkoutCart", "getOrderStatus"] }, tools)).toEqual([
      { tool: "checkoutCart", param: "cart_id", producer: "createCart" },
    ]);
    // product_id names searchProducts or getProduct: one of them in the sample is enough
    expect(missingProducers({ tools: ["addToCart", "searchProducts", "createCart"] }, tools)).toEqual([]);
    expect(missingProducers({ tools: ["addToCart"] }, new Map(tools.map((t) => [t.name, t])))).toEqual([
      { tool: "addToCart", param: "cart_id", producer: "createCart" },
      { tool: "addToCart", param: "product_id", producer: "searchProducts" },
      { tool: "addToCart", param: "product_id", producer: "getProduct" },
    ]);
  });

  it("leaves parameters that name no tool alone", () => {
    // searchProducts (query, category, ...) and createCart (customer_email) name no tool
    expect(missingProducers({ tools: ["searchProducts", "createCart"] }, tools)).toEqual([]);
    expect(missingProducers({ tools: ["not_a_spec"] }, tools)).toEqual([]);
  });
});

describe("samplers with the tool specs", () => {
  it("a walk that misses the producer gets it added, with the P-R edge; the walk itself is unchanged", () => {
    const sg = new SamplingGraph(graph);
    let found = 0;
    for (let seed = 0; seed < 200 && found < 3; seed++) {
      const plain = randomWalkSample(sg, { size: 2, seed });
      if (!plain.tools.includes("checkoutCart") || plain.tools.includes("createCart")) continue;
      found++;
      const s = randomWalkSample(sg, { size: 2, seed, tools });
      expect(s.tools.slice(0, plain.tools.length)).toEqual(plain.tools);
      expect(s.tools).toContain("createCart");
      expect(s.addedProducers).toContainEqual({ tool: "checkoutCart", param: "cart_id", producer: "createCart" });
      expect(s.edges).toContainEqual({ from: "createCart", to: "checkoutCart", kind: "P-R" });
      expect(s.edges).toHaveLength(s.tools.length - 1);
      expect(s.requestedSize).toBe(2);
      expectConsistent(s, 2);
      expect(randomWalkSample(sg, { size: 2, seed, tools })).toEqual(s); // deterministic
    }
    expect(found).toBe(3);
  });

  it("at the size limit (max + 1 tools) the rest is recorded as user-supplied", () => {
    // size 1: room for one producer. addToCart needs a cart (createCart) and a product (searchProducts / getProduct)
    const sg = new SamplingGraph(graph);
    let seed = 0;
    while (randomWalkSample(sg, { size: 1, seed }).tools[0] !== "addToCart") seed++;
    const s = randomWalkSample(sg, { size: 1, seed, tools });
    expect(s.tools).toEqual(["addToCart", "createCart"]);
    expect(s.addedProducers).toEqual([{ tool: "addToCart", param: "cart_id", producer: "createCart" }]);
    expect(s.userSupplied).toEqual([
      { tool: "addToCart", param: "product_id", producer: "searchProducts" },
      { tool: "addToCart", param: "product_id", producer: "getProduct" },
    ]);
    expectConsistent(s, 1);
  });

  it("a named producer without a P-R edge to the consumer is user-supplied, not added", () => {
    const named: ToolSpec[] = [
      { name: "use_token", description: "", parameters: { type: "object", properties: { token: { type: "string", description: "a token from make_token" } } }, source: { file: "t", pointer: "", format: "toolspec" } },
      { name: "make_token", description: "", parameters: { type: "object", properties: {} }, source: { file: "t", pointer: "", format: "toolspec" } },
      { name: "other", description: "", parameters: { type: "object", properties: {} }, source: { file: "t", pointer: "", format: "toolspec" } },
    ];
    const g = makeGraph(["use_token", "make_token", "other"], [["use_token", "other"], ["make_token", "other"]]);
    const s = randomWalkSample(g, { size: 2, seed: 1, tools: named });
    if (s.tools.includes("use_token") && !s.tools.includes("make_token")) {
      expect(s.userSupplied).toEqual([{ tool: "use_token", param: "token", producer: "make_token" }]);
    }
    const all = sampleTools(g, { strategy: "walk", count: 40, size: 2, seed: 3, tools: named });
    expect(all.some((x) => x.userSupplied !== undefined)).toBe(true);
    for (const x of all) {
      expect(x.addedProducers).toBeUndefined();
      expect(x.userSupplied ?? []).toEqual(missingProducers(x, named));
    }
  });

  it("walk, random and balanced runs add producers, stay consistent and deterministic; without specs nothing changes", () => {
    for (const strategy of ["walk", "random", "balanced"] as const) {
      const opts = { strategy, count: 60, size: { min: 2, max: 3 }, seed: 9 };
      const run = sampleTools(graph, { ...opts, tools });
      expect(sampleTools(graph, { ...opts, tools })).toEqual(run);
      for (const s of run) {
        expectConsistent(s, 3);
        if (strategy === "random") expect(s.edges).toEqual(new SamplingGraph(graph).edgesAmong(s.tools));
        else expect(s.edges).toHaveLength(s.tools.length - 1);
      }
      expect(run.filter((s) => s.addedProducers !== undefined).length, strategy).toBeGreaterThan(0);
      const plain = sampleTools(graph, opts);
      for (const s of plain) {
        expect(s.addedProducers).toBeUndefined();
        expect(s.userSupplied).toBeUndefined();
      }
      if (strategy !== "balanced") {
        // the walk or draw is the same; only appended producers differ
        run.forEach((s, i) => expect(s.tools.slice(0, plain[i]!.tools.length)).toEqual(plain[i]!.tools));
      }
    }
  });

  it("balanced and random single-sample functions take the specs too, and balanced counts added producers as uses", () => {
    const usage = new Map<string, number>();
    const rng = new Rng(2);
    const samples = Array.from({ length: 30 }, () => balancedWalkSample(graph, { size: 1, rng, usage, tools }));
    const slots = samples.reduce((n, s) => n + s.tools.length, 0);
    expect([...usage.values()].reduce((a, b) => a + b, 0)).toBe(slots);
    expect(slots).toBeGreaterThan(30);
    const r = randomSample(graph, { size: 1, seed: 4, tools });
    expectConsistent(r, 1);
  });

  it("stats count added and user-supplied producers; old samples without the fields still read", () => {
    const run = sampleTools(graph, { strategy: "walk", count: 50, size: 1, seed: 2, tools });
    const stats = samplingStats(run, graph);
    const added = run.reduce((n, s) => n + (s.addedProducers?.length ?? 0), 0);
    const user = run.reduce((n, s) => n + (s.userSupplied?.length ?? 0), 0);
    expect(added).toBeGreaterThan(0);
    expect(stats.producers).toMatchObject({ added, userSupplied: user });
    expect(formatStats(stats)).toContain(`producers named by parameters: ${added} added to`);
    const old = { id: "s", tools: ["a"], edges: [], strategy: "walk", seed: 0, requestedSize: 1 };
    expect(ToolSampleZ.parse(old)).toEqual(old);
    expect(samplingStats([old as ToolSample]).producers).toBeUndefined();
  });
});
