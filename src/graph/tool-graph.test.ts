import { describe, expect, it } from "vitest";
import { ToolGraph } from "./tool-graph.js";
import { InputError } from "../core/index.js";

const json = {
  nodes: [{ id: "a", name: "a" }, { id: "b", name: "b" }, { id: "c", name: "c" }],
  edges: [
    { source: "a", target: "b", kind: "P-R" as const, weight: 0.9, evidence: [{ sourceField: "id", targetField: "x_id", similarity: 0.9 }] },
    { source: "b", target: "c", kind: "P-P" as const, weight: 0.8, evidence: [{ sourceField: "q", targetField: "q", similarity: 0.8 }] },
  ],
};

describe("ToolGraph", () => {
  it("round-trips JSON and keeps P-R direction", () => {
    const g = ToolGraph.fromJSON(json);
    expect(g.order).toBe(3);
    expect(g.size).toBe(2);
    expect(g.neighbors("b")).toEqual(["a", "c"]);
    expect(g.neighbors("b", { followDirection: true })).toEqual(["c"]);
    expect(g.neighbors("a", { followDirection: true })).toEqual(["b"]);
    const back = g.toJSON();
    expect(back.edges).toHaveLength(2);
    expect(back.edges.find((e) => e.kind === "P-R")).toMatchObject({ source: "a", target: "b" });
  });

  it("rejects edges to unknown nodes with the pointer", () => {
    const bad = { nodes: [{ id: "a", name: "a" }], edges: [json.edges[0]] };
    expect(() => ToolGraph.fromJSON(bad, "g.json")).toThrow(InputError);
    expect(() => ToolGraph.fromJSON(bad, "g.json")).toThrow(/g\.json at \/edges\/0/);
  });

  it("builds its graphology graph lazily from parts, with the same answers", () => {
    const g = ToolGraph.fromParts(json.nodes, json.edges, { m: 1 });
    expect(g.order).toBe(3);
    expect(g.size).toBe(2);
    expect(g.toJSON()).toEqual({ ...json, meta: { m: 1 } });
    expect(g.neighbors("b", { followDirection: true })).toEqual(["c"]);
    expect(g.graph.size).toBe(2);
    expect(g.toJSON().edges).toEqual(json.edges);
  });
});
