/** `toolflow tools lint` through the CLI, in process (fast): text and JSON output, exit codes, the graph options. */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT, cliInProcess } from "../../test/support/cli.js";
import { makeGraph } from "../../test/support/sampling.js";

const FIXTURE = join(PROJECT_ROOT, "test/fixtures/lint/tools.jsonl");

describe("toolflow tools lint", () => {
  let dir = "";
  let names: string[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "toolflow-lint-cli-"));
    names = (await readFile(FIXTURE, "utf8")).trim().split("\n").map((l) => (JSON.parse(l) as { name: string }).name);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("prints one line per finding and the counts per rule; exit 1 when a tool is flagged", async () => {
    const graph = join(dir, "graph.json");
    // every tool on one ring except roll_dice
    const ring = names.filter((n) => n !== "roll_dice");
    await writeFile(graph, JSON.stringify(makeGraph(names, ring.map((n, i) => [n, ring[(i + 1) % ring.length]!])).toJSON()));
    const r = await cliInProcess(["tools", "lint", FIXTURE, "--graph", graph]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error: 7 of 13 tools flagged/);
    expect(r.stdout).toMatch(/^get_user_feed {2}credential-param {2}parameters\.session_cookie {2}"session_cookie" is a credential/m);
    expect(r.stdout).toMatch(/^roll_dice {2}isolated {2}graph {2}no edge joins it to another tool: `walk` never samples it/m);
    expect(r.stdout).toMatch(/^ {2}error-returns +1 tools +1 findings$/m);
    expect(r.stdout).toMatch(/^ {2}isolated +1 tools +1 findings {2}\(notice, not flagged\)$/m);
    const quiet = await cliInProcess(["tools", "lint", FIXTURE, "--graph", graph, "-q"]);
    expect(quiet.stdout.split("\n")[0]).toMatch(/^toolflow lint: .*13 tools, 7 flagged \(graph: /);
  });

  it("--json: the report (format, counts per rule, findings); --no-graph skips the isolated rule", async () => {
    const r = await cliInProcess(["tools", "lint", FIXTURE, "--json", "--no-graph"]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout) as {
      format: string;
      tools: number;
      flagged: number;
      graph: string | null;
      rules: Record<string, { tools: number; findings: number; flags: boolean; ran: boolean }>;
      findings: Array<{ rule: string; tool: string; field: string; reason: string; flags: boolean }>;
    };
    expect(report.format).toBe("toolflow-lint/1");
    expect([report.tools, report.flagged, report.graph]).toEqual([13, 7, null]);
    expect(report.rules["constant-required-param"]).toEqual({ tools: 1, findings: 2, flags: true, ran: true });
    expect(report.rules.isolated).toMatchObject({ ran: false, flags: false, tools: 0 });
    expect(report.findings.find((f) => f.tool === "get_flight_status")).toMatchObject({ rule: "error-returns", field: "returns", flags: true });
  });

  it("exit 0 on a clean catalogue (the graph built from it); exit 2 when the graph lacks tools", async () => {
    const clean = join(dir, "clean.jsonl");
    const lines = (await readFile(FIXTURE, "utf8")).trim().split("\n").filter((l) => /"(search_hotels|book_hotel|get_booking)"/.test(l));
    await writeFile(clean, lines.join("\n") + "\n");
    const ok = await cliInProcess(["tools", "lint", clean]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/3 tools, 0 flagged \(graph: built with the lexical embedder\)/);
    const partial = join(dir, "partial.json");
    await writeFile(partial, JSON.stringify(makeGraph(["search_hotels"], []).toJSON()));
    const bad = await cliInProcess(["tools", "lint", FIXTURE, "--graph", partial]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/partial\.json lacks 12 of the 13 tools/);
  });
});
