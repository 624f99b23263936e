import { describe, expect, it } from "vitest";
import { InputError } from "../core/index.js";
import { Rng, deriveSeed } from "../core/index.js";
import { ToolSampleZ, type ToolSample } from "../core/index.js";
import type { ToolGraph } from "../graph/index.js";
import { SamplingGraph, UsageTracker, balancedWalkSample, coverage, randomSample, randomWalkSample, sampleTools, samplingStats, UNWALKABLE_START } from "./index.js";
import { gini } from "../core/index.js";
import { makeGraph, preferentialGraph } from "../../test/support/sampling.js";

/** Every sample's edges are graph edges, and each new tool joins the tools before it by exactly one of them. */
function expectWalkedEdgesExist(graph: ToolGraph, s: ToolSample): void {
  expect(s.edges).toHaveLength(s.tools.length - 1);
  s.edges.forEach((e, k) => {
    const found = graph.edgesBetween(e.from, e.to);
    expect(found.some((f) => f.kind === e.kind && (e.kind === "P-P" || (f.source === e.from && f.target === e.to)))).toBe(true);
    const added = s.tools[k + 1] as string;
    const earlier = s.tools.slice(0, k + 1);
    const other = e.from === added ? e.to : e.to === added ? e.from : undefined;
    expect(other, `edge ${k} of ${s.id} must touch ${added}`).toBeDefined();
    expect(earlier).toContain(other);
  });
}

describe("randomWalkSample", () => {
  const hubby = preferentialGraph(60, 2, 5, 7);

  it("is deterministic for a seed and differs across seeds", () => {
    const a = randomWalkSample(hubby, { size: { min: 2, max: 5 }, seed: 11 });
    const b = randomWalkSample(hubby, { size: { min: 2, max: 5 }, seed: 11 });
    expect(b).toEqual(a);
    const many = Array.from({ length: 20 }, (_, i) => JSON.stringify(randomWalkSample(hubby, { size: 4, seed: i }).tools));
    expect(new Set(many).size).toBeGreaterThan(10);
  });

  it("never repeats a tool, walks only graph edges, and the sample validates", () => {
    const sg = new SamplingGraph(hubby);
    for (let seed = 0; seed < 300; seed++) {
      const s = randomWalkSample(sg, { size: { min: 2, max: 6 }, seed, id: `s${seed}` });
      expect(ToolSampleZ.parse(s)).toEqual(s);
      expect(new Set(s.tools).size).toBe(s.tools.length);
      expect(s.requestedSize).toBeGreaterThanOrEqual(2);
      expect(s.requestedSize).toBeLessThanOrEqual(6);
      expect(s.tools.length).toBe(s.requestedSize); // one connected component of 60: never short
      expect(s.short).toBeUndefined();
      expect(s.strategy).toBe("walk");
      expectWalkedEdgesExist(hubby, s);
    }
  });

  it("steps from the last tool when it can (consecutive tools are joined)", () => {
    const clique = makeGraph(
      ["a", "b", "c", "d", "e"],
      [["a", "b"], ["a", "c"], ["a", "d"], ["a", "e"], ["b", "c"], ["b", "d"], ["b", "e"], ["c", "d"], ["c", "e"], ["d", "e"]],
    );
    for (let seed = 0; seed < 50; seed++) {
      const s = randomWalkSample(clique, { size: 5, seed });
      s.edges.forEach((e, k) => expect(e).toEqual({ from: s.tools[k], to: s.tools[k + 1], kind: "P-P" }));
    }
  });

  it("restarts from a tool already in the sample at a dead end", () => {
    // star: hub h with leaves; any walk reaches a leaf dead end after h, and must go back to h to go on
    const star = makeGraph(["h", "l1", "l2", "l3", "l4"], [["h", "l1"], ["h", "l2"], ["h", "l3"], ["h", "l4"]]);
    let restarts = 0;
    for (let seed = 0; seed < 100; seed++) {
      const s = randomWalkSample(star, { size: 5, seed });
      expect(s.tools).toHaveLength(5);
      expect(s.short).toBeUndefined();
      expectWalkedEdgesExist(star, s);
      for (const e of s.edges) expect([e.from, e.to]).toContain("h");
      // the step to tool k+1 comes from h, not from the leaf before it
      for (let k = 1; k < s.edges.length; k++) {
        if (s.tools[k] !== "h") {
          restarts++;
          expect(s.edges[k]).toEqual({ from: "h", to: s.tools[k + 1], kind: "P-P" });
        }
      }
    }
    expect(restarts).toBeGreaterThan(100);
  });

  it("stops short in a small component and says so", () => {
    const g = makeGraph(["a", "b", "c", "d", "e"], [["a", "b"], ["c", "d"], ["d", "e"]]);
    let shorts = 0;
    for (let seed = 0; seed < 60; seed++) {
      const s = randomWalkSample(g, { size: 4, seed });
      expect(s.requestedSize).toBe(4);
      expect(s.tools.length).toBeLessThan(4);
      expect(s.short).toMatch(/dead end: stopped at \d of 4 tools/);
      const component = s.tools.includes("a") || s.tools.includes("b") ? ["a", "b"] : ["c", "d", "e"];
      expect([...s.tools].sort()).toEqual(component);
      shorts++;
    }
    expect(shorts).toBe(60);
    // a sample that fits its component is not short
    expect(randomWalkSample(g, { size: 2, seed: 1 }).short).toBeUndefined();
  });

  it("never starts from (or reaches) an isolated tool", () => {
    const g = makeGraph(["a", "b", "c", "z1", "z2"], [["a", "b"], ["b", "c"]]);
    const seen = new Set<string>();
    for (let seed = 0; seed < 200; seed++) for (const t of randomWalkSample(g, { size: 1, seed }).tools) seen.add(t);
    expect([...seen].sort()).toEqual(["a", "b", "c"]);
  });

  it("errors clearly on a graph without edges", () => {
    const g = makeGraph(["a", "b"], []);
    expect(() => randomWalkSample(g, { size: 2, seed: 1 })).toThrow(InputError);
    expect(() => randomWalkSample(g, { size: 2, seed: 1 })).toThrow(/no edges.*random/);
  });

  it("reports P-R edges producer -> consumer, and followDirection walks only that way", () => {
    const chain = makeGraph(["a", "b", "c", "d"], [["a", "b", "P-R"], ["b", "c", "P-R"], ["c", "d", "P-R"]]);
    let backward = 0;
    for (let seed = 0; seed < 80; seed++) {
      const s = randomWalkSample(chain, { size: 3, seed });
      for (const e of s.edges) expect(e.from < e.to).toBe(true); // a->b, b->c, c->d only
      if (s.tools.indexOf(s.edges[0]!.from) > s.tools.indexOf(s.edges[0]!.to)) backward++;
      const d = randomWalkSample(chain, { size: 3, seed, followDirection: true });
      expect(d.tools[0]).not.toBe("d"); // d has no consumer: cannot start a directed walk
      d.edges.forEach((e, k) => expect(e).toEqual({ from: d.tools[k], to: d.tools[k + 1], kind: "P-R" }));
      expect([...d.tools]).toEqual([...d.tools].sort());
    }
    expect(backward).toBeGreaterThan(0); // undirected walks do step against P-R edges
  });

  it("prefers the P-R edge when a pair has both kinds", () => {
    const g = makeGraph(["a", "b"], [["a", "b", "P-P"], ["b", "a", "P-R"]]);
    for (let seed = 0; seed < 10; seed++) {
      expect(randomWalkSample(g, { size: 2, seed }).edges).toEqual([{ from: "b", to: "a", kind: "P-R" }]);
    }
  });
});

describe("randomSample", () => {
  const g = makeGraph(["a", "b", "c", "d", "iso"], [["a", "b"], ["c", "b", "P-R"]]);

  it("draws distinct tools uniformly, isolated ones included, and lists the edges among them", () => {
    const counts = new Map<string, number>();
    for (let seed = 0; seed < 500; seed++) {
      const s = randomSample(g, { size: 3, seed });
      expect(new Set(s.tools).size).toBe(3);
      expect(s.strategy).toBe("random");
      for (const t of s.tools) counts.set(t, (counts.get(t) ?? 0) + 1);
      const has = (t: string) => s.tools.includes(t);
      const expected = [
        ...(has("a") && has("b") ? ["P-P"] : []),
        ...(has("b") && has("c") ? ["P-R:c->b"] : []),
      ].sort();
      const got = s.edges.map((e) => (e.kind === "P-R" ? `P-R:${e.from}->${e.to}` : e.kind)).sort();
      expect(got).toEqual(expected);
    }
    // 500 samples x 3 / 5 tools = 300 each on average
    for (const t of ["a", "b", "c", "d", "iso"]) {
      expect(counts.get(t)).toBeGreaterThan(240);
      expect(counts.get(t)).toBeLessThan(360);
    }
  });

  it("is deterministic and marks samples larger than the collection as short", () => {
    expect(randomSample(g, { size: { min: 1, max: 4 }, seed: 5 })).toEqual(randomSample(g, { size: { min: 1, max: 4 }, seed: 5 }));
    const s = randomSample(g, { size: 9, seed: 1 });
    expect(s.tools).toHaveLength(5);
    expect(s.requestedSize).toBe(9);
    expect(s.short).toMatch(/only 5 tools/);
  });
});

describe("balancedWalkSample / sampleTools", () => {
  const hubby = preferentialGraph(150, 1, 10, 3);

  it("is deterministic for a run seed, differs across seeds, and keeps the walk's invariants", () => {
    const opts = { strategy: "balanced" as const, count: 120, size: { min: 3, max: 5 }, seed: 9 };
    const a = sampleTools(hubby, opts);
    expect(sampleTools(hubby, opts)).toEqual(a);
    expect(sampleTools(hubby, { ...opts, seed: 10 })).not.toEqual(a);
    a.forEach((s, i) => {
      expect(s.id).toBe(`sample-${i}`);
      expect(s.strategy).toBe("balanced");
      expect(new Set(s.tools).size).toBe(s.tools.length);
      expectWalkedEdgesExist(hubby, s);
    });
  });

  it("a run equals sequential calls with a usage Map (tracker and Map give the same samples)", () => {
    const run = sampleTools(hubby, { strategy: "balanced", count: 60, size: { min: 2, max: 5 }, seed: 21, alpha: 3 });
    const rng = new Rng(deriveSeed(21, "balanced"));
    const usage = new Map<string, number>();
    const again = run.map((_, i) =>
      balancedWalkSample(hubby, { size: { min: 2, max: 5 }, rng, usage, alpha: 3, seed: 21, id: `sample-${i}` }),
    );
    expect(again).toEqual(run);
  });

  it("UsageTracker draws a start tool exactly as a linear weighted pick over the same weights", () => {
    const sg = new SamplingGraph(hubby);
    const tracker = new UsageTracker(sg, 2);
    const feed = new Rng(8);
    for (let i = 0; i < 300; i++) tracker.add(feed.pick(sg.startable));
    tracker.add("iso1"); // an isolated tool once drawn is no longer a start candidate
    const weights = tracker.startTools.map((t) => tracker.startWeight(t));
    expect(new Set(weights).size).toBeGreaterThan(2);
    expect(tracker.startWeight("iso1")).toBe(0);
    expect(tracker.startWeight("iso2")).toBe(tracker.weight("iso2"));
    for (let seed = 0; seed < 200; seed++) {
      expect(tracker.pickStart(new Rng(seed))).toBe(UsageTracker.pickWeighted(new Rng(seed), tracker.startTools, weights));
    }
    // without covering unwalkable tools the pool is the walk's start tools
    expect(new UsageTracker(sg, 2, undefined, { coverUnwalkable: false }).startTools).toEqual(sg.startable);
    // weights fall with use: 1/(1+u)^alpha, scaled
    const used = sg.startable.find((t) => tracker.uses(t) === 2)!;
    const unused = sg.startable.find((t) => tracker.uses(t) === 0)!;
    expect(tracker.weight(unused) / tracker.weight(used)).toBeCloseTo(9, 6);
  });

  it("updates the usage map it is given", () => {
    const usage = new Map<string, number>();
    const rng = new Rng(1);
    const s1 = balancedWalkSample(hubby, { size: 4, rng, usage });
    const s2 = balancedWalkSample(hubby, { size: 4, rng, usage });
    const total = [...usage.values()].reduce((x, y) => x + y, 0);
    expect(total).toBe(s1.tools.length + s2.tools.length);
    for (const t of s1.tools) expect(usage.get(t)).toBeGreaterThanOrEqual(1);
  });

  it("covers a hub-heavy graph more evenly than the plain walk", () => {
    const base = { count: 100, size: { min: 3, max: 5 }, seed: 4 };
    const sg = new SamplingGraph(hubby);
    const walk = samplingStats(sampleTools(sg, { ...base, strategy: "walk" }), sg);
    const balancedSamples = sampleTools(sg, { ...base, strategy: "balanced" });
    const balanced = samplingStats(balancedSamples, sg);
    expect(balanced.coverage!.shareNonIsolated).toBeGreaterThan(walk.coverage!.shareNonIsolated);
    expect(balanced.coverage!.shareNonIsolated).toBeGreaterThanOrEqual(0.97);
    // the 10 isolated tools: in a longer run each is drawn exactly once, alone (a walk never reaches them)
    const isolated = sg.unwalkable().isolated;
    expect(isolated).toHaveLength(10);
    expect(balancedSamples.filter((s) => s.tools.length === 1).length).toBeGreaterThan(0);
    const longer = sampleTools(sg, { ...base, count: 250, strategy: "balanced" });
    for (const t of isolated) {
      const holding = longer.filter((s) => s.tools.includes(t));
      expect(holding, t).toHaveLength(1);
      expect(holding[0]!.tools).toEqual([t]);
      expect(holding[0]!.short).toBe(UNWALKABLE_START);
    }
    expect(walk.coverage!.usedTools).toBeLessThanOrEqual(sg.startable.length);
    expect(balanced.giniNonIsolated!).toBeLessThan(walk.giniNonIsolated! - 0.05);
    // alpha 0 removes the bias: same coverage profile as a plain walk, less even than the default
    const unbiased = samplingStats(sampleTools(sg, { ...base, strategy: "balanced", alpha: 0 }), sg);
    expect(unbiased.giniNonIsolated!).toBeGreaterThan(balanced.giniNonIsolated!);
  });

  it("walk and random samples are reproducible one by one from their recorded seed", () => {
    for (const strategy of ["walk", "random"] as const) {
      const run = sampleTools(hubby, { strategy, count: 30, size: { min: 2, max: 5 }, seed: 77 });
      const again = run.map((s) =>
        (strategy === "walk" ? randomWalkSample : randomSample)(hubby, { size: { min: 2, max: 5 }, seed: s.seed, id: s.id }),
      );
      expect(again).toEqual(run);
      // the first samples do not depend on count
      expect(sampleTools(hubby, { strategy, count: 10, size: { min: 2, max: 5 }, seed: 77 })).toEqual(run.slice(0, 10));
    }
  });

  it("rejects bad options with an InputError", () => {
    expect(() => sampleTools(hubby, { strategy: "bogus" as "walk", count: 1, size: 3, seed: 1 })).toThrow(/unknown sampling strategy "bogus"/);
    expect(() => sampleTools(hubby, { strategy: "walk", count: 1.5, size: 3, seed: 1 })).toThrow(InputError);
    expect(() => sampleTools(hubby, { strategy: "walk", count: 1, size: { min: 4, max: 2 }, seed: 1 })).toThrow(/reversed/);
    expect(() => sampleTools(hubby, { strategy: "balanced", count: 1, size: 3, seed: 1, alpha: -1 })).toThrow(/alpha/);
    expect(() => sampleTools(hubby, { strategy: "balanced", count: 1, size: 3, seed: 1, alpha: 100 })).toThrow(/alpha must be a number from 0 to 16/);
  });
});

describe("gini and coverage", () => {
  it("gini is 0 for uniform usage and (n-1)/n for one-hot usage", () => {
    expect(gini([5, 5, 5, 5])).toBe(0);
    expect(gini([])).toBe(0);
    expect(gini([0, 0, 0])).toBe(0);
    const oneHot = [...new Array<number>(999).fill(0), 42];
    expect(gini(oneHot)).toBeCloseTo(0.999, 6);
    expect(gini([0, 0, 0, 1])).toBeCloseTo(0.75, 10);
    expect(gini([1, 2, 3, 4])).toBeCloseTo(0.25, 10);
  });

  it("gini matches the mean-absolute-difference definition", () => {
    const rng = new Rng(3);
    for (let trial = 0; trial < 20; trial++) {
      const xs = Array.from({ length: rng.int(1, 40) }, () => rng.int(0, 20));
      let diff = 0;
      for (const a of xs) for (const b of xs) diff += Math.abs(a - b);
      const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
      const expected = mean === 0 ? 0 : diff / (2 * xs.length * xs.length * mean);
      expect(gini(xs)).toBeCloseTo(expected, 10);
    }
    expect(() => gini([1, -1])).toThrow(RangeError);
  });

  it("coverage counts used tools over all and over non-isolated tools", () => {
    const g = makeGraph(["a", "b", "c", "d", "iso1", "iso2"], [["a", "b"], ["c", "d"]]);
    const samples = [{ tools: ["a", "b"] }, { tools: ["b", "iso1"] }];
    expect(coverage(samples, g)).toEqual({
      totalTools: 6,
      usedTools: 3,
      share: 0.5,
      nonIsolatedTools: 4,
      usedNonIsolated: 2,
      shareNonIsolated: 0.5,
    });
  });

  it("samplingStats computes Gini with unused tools as zeros and rejects tools the graph lacks", () => {
    const g = makeGraph(["a", "b", "c", "iso"], [["a", "b"], ["b", "c"]]);
    const mk = (id: string, tools: string[], short?: string): ToolSample => ({
      id, tools, edges: [], strategy: "walk", seed: 0, requestedSize: 3, ...(short ? { short } : {}),
    });
    const stats = samplingStats([mk("x", ["a", "b", "c"]), mk("y", ["a", "b"], "dead end")], g);
    expect(stats.short).toBe(1);
    expect(stats.meanSize).toBe(2.5);
    expect(stats.sizes).toEqual({ 2: 1, 3: 1 });
    expect(stats.giniUsed).toBeCloseTo(gini([2, 2, 1]), 10);
    expect(stats.giniNonIsolated).toBeCloseTo(gini([2, 2, 1]), 10);
    expect(stats.giniAll).toBeCloseTo(gini([2, 2, 1, 0]), 10);
    expect(() => samplingStats([mk("z", ["a", "nope"])], g, { file: "s.jsonl" })).toThrow(/s\.jsonl: sample z uses tool "nope"/);
  });
});

describe("variants of one function (renamed on import)", () => {
  // v0..v3 are four definitions of one function `set_volume`, densely joined to each other and to a few others
  function variantGraph(): ToolGraph {
    const g = makeGraph(
      ["v0", "v1", "v2", "v3", "a", "b", "c"],
      [
        ["v0", "v1"], ["v0", "v2"], ["v0", "v3"], ["v1", "v2"], ["v1", "v3"], ["v2", "v3"],
        ["v0", "a"], ["v1", "b"], ["a", "b"], ["b", "c"],
      ],
    );
    for (const v of ["v0", "v1", "v2", "v3"]) g.graph.setNodeAttribute(v, "originalName", "set_volume");
    return g;
  }
  const family = (t: string) => (t.startsWith("v") ? "set_volume" : t);

  it("walk, balanced and random samples hold at most one tool of a family", () => {
    const g = variantGraph();
    for (const strategy of ["walk", "balanced", "random"] as const) {
      const samples = sampleTools(g, { strategy, count: 200, size: { min: 3, max: 4 }, seed: 5 });
      let withVariant = 0;
      for (const s of samples) {
        const fams = s.tools.map(family);
        expect(new Set(fams).size, `${strategy} ${s.tools.join(",")}`).toBe(fams.length);
        if (fams.includes("set_volume")) withVariant++;
      }
      // the family is still sampled, just never twice in one set
      expect(withVariant).toBeGreaterThan(0);
    }
  });

  it("a walk that can only continue into the same family stops short and says why", () => {
    const g = makeGraph(["v0", "v1", "x"], [["v0", "v1"], ["v1", "x"]]);
    g.graph.setNodeAttribute("v0", "originalName", "f");
    g.graph.setNodeAttribute("v1", "originalName", "f");
    const s = randomWalkSample(g, { seed: 1, size: 3, id: "s" });
    expect(new Set(s.tools.map((t) => (t === "x" ? "x" : "f"))).size).toBe(s.tools.length);
    expect(s.tools.length).toBeLessThan(3);
    expect(s.short).toMatch(/dead end/);
  });
});
