/**
 * The lint rules applied when sampling: `toolflow sample --tools` leaves flagged tools out, keeps them with
 * --include-flagged (all, or by rule), and writes the counts per rule in --summary. In process (fast).
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT, cliInProcess } from "../../test/support/cli.js";
import { makeGraph } from "../../test/support/sampling.js";
import { readToolsJsonl } from "../tools/index.js";
import { readSamplesJsonl, screenTools, strategyWarnings } from "./index.js";

const FIXTURE = join(PROJECT_ROOT, "test/fixtures/lint/tools.jsonl");
const FLAGGED = ["get_user_feed", "get_weather_alerts", "list_offers", "list_deals", "get_flight_status", "search_live_cams", "convert_currency"];

describe("sampling with the lint rules", () => {
  let dir = "";
  let graph = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "toolflow-screen-"));
    graph = join(dir, "graph.json");
    const names = (await readToolsJsonl(FIXTURE)).map((t) => t.name);
    const ring = names.filter((n) => n !== "roll_dice"); // roll_dice: no edge
    await writeFile(graph, JSON.stringify(makeGraph(names, ring.map((n, i) => [n, ring[(i + 1) % ring.length]!])).toJSON()));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const run = async (extra: string[]) => {
    const out = join(dir, `s${Math.random().toString(36).slice(2)}.jsonl`);
    const summary = `${out}.summary.json`;
    const args = ["sample", graph, "--tools", FIXTURE, "--sampling", "walk", "-n", "60", "--size", "2-3", "--seed", "3", "-o", out, "--summary", summary, ...extra];
    const r = await cliInProcess(args);
    expect(r.code, r.stderr).toBe(0);
    const used = new Set((await readSamplesJsonl(out)).flatMap((s) => s.tools));
    return { r, used, summary: JSON.parse(await readFile(summary, "utf8")) as { lint: Record<string, unknown>; warnings: string[]; stats: { samples: number } } };
  };

  it("leaves flagged tools out by default and writes the counts per rule", async () => {
    const { r, used, summary } = await run([]);
    for (const t of FLAGGED) expect(used.has(t), t).toBe(false);
    expect([...used].sort()).toEqual(["book_hotel", "daily_horoscope", "get_booking", "get_transaction", "search_hotels"]);
    expect(summary.stats.samples).toBe(60);
    expect(summary.lint).toMatchObject({ tools: 13, flagged: 7, excluded: 7, kept: 0, includeFlagged: false });
    expect(summary.lint.rules).toEqual({
      "credential-param": 1,
      "boilerplate-description": 3,
      "error-returns": 1,
      "sensitive-category": 1,
      "constant-required-param": 1,
      isolated: 1,
    });
    expect(r.stderr).toMatch(/lint: 7 of 13 tools flagged, 7 left out of sampling \(credential-param 1, boilerplate-description 3/);
    // roll_dice has no edge: walk warns that it never draws it
    expect(summary.warnings).toEqual([expect.stringMatching(/^1 of 6 tools have no edge .*roll_dice.*`walk` will never sample them/)]);
    expect(r.stderr).toContain(`warning: ${summary.warnings[0]}`);
  });

  it("--include-flagged keeps them all; with rule ids only the tools those rules flag", async () => {
    const all = await run(["--include-flagged"]);
    expect(FLAGGED.filter((t) => all.used.has(t)).length).toBeGreaterThanOrEqual(5);
    expect(all.summary.lint).toMatchObject({ flagged: 7, excluded: 0, kept: 7, includeFlagged: true });
    const some = await run(["--include-flagged", "error-returns,sensitive-category"]);
    expect(some.used.has("get_flight_status")).toBe(true);
    for (const t of FLAGGED.filter((x) => x !== "get_flight_status" && x !== "search_live_cams")) expect(some.used.has(t), t).toBe(false);
    expect(some.summary.lint).toMatchObject({ excluded: 5, kept: 2, includeFlagged: ["error-returns", "sensitive-category"] });
  });

  it("bad uses of --include-flagged are usage errors (exit 2)", async () => {
    const unknown = await cliInProcess(["sample", graph, "--tools", FIXTURE, "--include-flagged", "isolated"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--include-flagged: unknown rule "isolated" \(rules that flag: credential-param, /);
    const noTools = await cliInProcess(["sample", graph, "--include-flagged"]);
    expect(noTools.code).toBe(2);
    expect(noTools.stderr).toMatch(/--include-flagged needs --tools/);
  });

  it("screenTools / strategyWarnings as a library: random warns of nothing, balanced says it draws them once", async () => {
    const tools = await readToolsJsonl(FIXTURE);
    const g = makeGraph(tools.map((t) => t.name), [["search_hotels", "book_hotel"]]);
    const screen = screenTools(tools, g);
    expect([...screen.exclude].sort()).toEqual([...FLAGGED].sort());
    expect(strategyWarnings(g, "random", { exclude: screen.exclude })).toEqual([]);
    expect(strategyWarnings(g, "balanced", { exclude: screen.exclude })).toEqual([
      expect.stringMatching(/^4 of 6 tools have no edge .*\(4 isolated, 0 joined only to their own variants;.*`balanced` draws each of them once/),
    ]);
  });
});
