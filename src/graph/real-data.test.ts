/**
 * The tool graph on real collections (../shared/data): BFCL's travel API, and every BFCL function doc.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { ToolSpec } from "../core/index.js";
import { importTools } from "../tools/index.js";
import { SHARED_DATA } from "../../test/support/cli.js";
import { buildToolGraph } from "./builder.js";
import { bestThreshold, calibrationSweep, CALIBRATION_FILES } from "./calibration.js";
import { LexicalEmbedder, LEXICAL_DEFAULT_THRESHOLD } from "./embedders/lexical.js";
import { extractFields } from "./fields.js";
import { graphStats } from "./stats.js";
import type { ToolGraph } from "./tool-graph.js";

const MULTI_TURN = join(SHARED_DATA, "bfcl", "multi_turn_func_doc");

function prEdge(g: ToolGraph, producer: string, consumer: string) {
  return g.edgesBetween(producer, consumer).find((e) => e.kind === "P-R" && e.source === producer && e.target === consumer);
}

describe("travel_booking (BFCL multi-turn)", () => {
  let g: ToolGraph;
  beforeAll(async () => {
    const { tools } = await importTools([join(MULTI_TURN, "travel_booking.json")]);
    g = await buildToolGraph(tools);
  });

  it("joins authenticate_travel to the tools that need its access_token (P-R, producer -> consumer)", () => {
    for (const consumer of ["book_flight", "cancel_booking", "purchase_insurance", "retrieve_invoice", "get_booking_history"]) {
      const e = prEdge(g, "authenticate_travel", consumer);
      expect(e, consumer).toBeDefined();
      expect(e?.evidence[0]).toMatchObject({ sourceField: "access_token", targetField: "access_token" });
      // and never the other way round: a consumer does not produce the token
      expect(prEdge(g, consumer, "authenticate_travel")).toBeUndefined();
    }
  });

  it("lets a booking id flow from book_flight to cancel_booking and the other booking consumers", () => {
    const e = prEdge(g, "book_flight", "cancel_booking");
    expect(e?.evidence.map((x) => `${x.sourceField}~${x.targetField}`)).toContain("booking_id~booking_id");
    for (const consumer of ["purchase_insurance", "retrieve_invoice", "contact_customer_support"]) {
      expect(prEdge(g, "book_flight", consumer)?.evidence[0]?.targetField).toBe("booking_id");
    }
    // a nested return field counts: the invoice's booking id feeds cancel_booking too
    expect(prEdge(g, "retrieve_invoice", "cancel_booking")?.evidence[0]?.sourceField).toBe("invoice.booking_id");
    expect(prEdge(g, "register_credit_card", "book_flight")?.evidence[0]).toMatchObject({ sourceField: "card_id", targetField: "card_id" });
    expect(prEdge(g, "purchase_insurance", "retrieve_invoice")?.evidence[0]?.sourceField).toBe("insurance_id");
  });

  it("leaves tools with nothing to exchange unjoined", () => {
    expect(g.neighbors("compute_exchange_rate")).toEqual([]);
    expect(g.neighbors("list_all_airports")).toEqual([]);
    expect(prEdge(g, "cancel_booking", "book_flight")).toBeUndefined();
  });
});

describe("every BFCL function doc (~2,700 tools)", () => {
  let tools: ToolSpec[];
  beforeAll(async () => {
    const dir = join(SHARED_DATA, "bfcl");
    const files = [
      ...readdirSync(dir).filter((f) => /^BFCL_v4_.*\.json$/.test(f)).map((f) => join(dir, f)),
      ...CALIBRATION_FILES.map((f) => join(MULTI_TURN, f)),
    ];
    tools = (await importTools(files)).tools;
  }, 60_000);

  it("does not let generic parameters (id, name, limit, page) make hubs", async () => {
    const generic = ["id", "name", "limit", "page"];
    const leaf = (path: string) => path.split(/[.[\]]+/).filter(Boolean).pop();
    const genericOnly = (g: ToolGraph) =>
      g.toJSON().edges.filter((e) => e.evidence.every((x) => generic.includes(leaf(x.sourceField) ?? "") && generic.includes(leaf(x.targetField) ?? "")));
    // how many tool pairs share one of these parameters at all
    const takers = generic.map((name) => tools.filter((t, i) => extractFields(t, i).some((f) => f.role === "param" && f.name === name)).length);
    const sharingPairs = takers.reduce((s, k) => s + (k * (k - 1)) / 2, 0);
    expect(sharingPairs).toBeGreaterThan(4000);

    const g = await buildToolGraph(tools);
    const weak = genericOnly(g);
    expect(weak.length).toBeLessThan(0.02 * sharingPairs);
    const degree = new Map<string, number>();
    for (const e of weak) for (const id of [e.source, e.target]) degree.set(id, (degree.get(id) ?? 0) + 1);
    expect(Math.max(0, ...degree.values())).toBeLessThan(30);
    // the hubs that remain are joined by specific fields (dates, user ids...), and are reported
    expect((g.meta.topHubs as unknown[]).length).toBe(10);

    // plain TF-IDF cosine (no smoothing, no background prior, no context) is what goes wrong
    const plain = await buildToolGraph(tools, { embedder: new LexicalEmbedder({ smoothing: 0, priorWeight: 0, contextWeight: 0 }) });
    expect(genericOnly(plain).length).toBeGreaterThan(0.3 * sharingPairs);
  }, 120_000);

  it("keeps the largest hub well below the collection size", async () => {
    const s = graphStats(await buildToolGraph(tools));
    expect(s.nodes).toBeGreaterThan(2500);
    expect(s.degree.max).toBeLessThan(0.06 * s.nodes);
    expect(s.edges["P-R"]).toBeGreaterThan(300);
  }, 120_000);
});

describe("calibration on BFCL's multi-turn collections", () => {
  it("picks the lexical default threshold: best recall minus false-positive share on the labelled pairs", async () => {
    const { tools } = await importTools(CALIBRATION_FILES.map((f) => join(MULTI_TURN, f)));
    const rows = await calibrationSweep(tools, () => new LexicalEmbedder(), [0.3, 0.4, 0.5, 0.6]);
    expect(bestThreshold(rows)).toBe(LEXICAL_DEFAULT_THRESHOLD);
    const chosen = rows.find((r) => r.threshold === LEXICAL_DEFAULT_THRESHOLD);
    expect(chosen?.recall).toBeGreaterThanOrEqual(0.8);
    expect(chosen?.falsePositiveShare).toBe(0);
  }, 60_000);
});
