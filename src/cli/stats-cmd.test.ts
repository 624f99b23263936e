/**
 * `toolflow stats`: --json, --compare, errors; every export format read back to the run's figures; and the four
 * sim runs of the same tools (plan + graph walks, --no-plan, --sampling random, both) side by side.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { cliInProcess, PROJECT_ROOT } from "../../test/support/cli.js";
import { tempDirForFile } from "../../test/support/tmp.js";
import type { DatasetFigures } from "../data/index.js";

const tmp = tempDirForFile("stats-cmd-");
const FIX = join(PROJECT_ROOT, "test/fixtures/stats");
const EX = join(PROJECT_ROOT, "examples");
const RUNS = { planGraph: [], noPlan: ["--no-plan"], random: ["--sampling", "random"], randomNoPlan: ["--sampling", "random", "--no-plan"] } as const;

let tools: string;
const run = (name: keyof typeof RUNS): string => join(tmp(), name);

async function ok(args: string[]): Promise<string> {
  const r = await cliInProcess(args);
  if (r.code !== 0) throw new Error(`toolflow ${args.join(" ")} -> ${r.code}\n${r.stderr}`);
  return r.stdout;
}

function jsonLines(stdout: string): Array<DatasetFigures & { path: string }> {
  return stdout.trim().split("\n").map((l) => JSON.parse(l) as DatasetFigures & { path: string });
}

beforeAll(async () => {
  tools = join(tmp(), "tools.jsonl");
  await ok(["tools", "import", join(EX, "travel.openai.json"), join(EX, "weather.bfcl.jsonl"), join(EX, "shop.openapi.yaml"), join(EX, "notes.mcp.json"), "-o", tools]);
  for (const [name, extra] of Object.entries(RUNS)) {
    await ok(["synth", "--tools", tools, "--llm", "sim", "--count", "30", "--seed", "5", ...extra, "--out", run(name as keyof typeof RUNS)]);
  }
}, 180_000);

describe("toolflow stats", () => {
  it("--json prints one object per dataset with the documented keys", async () => {
    const out = jsonLines(await ok(["stats", "--json", join(FIX, "openai.jsonl"), join(FIX, "xlam.json")]));
    expect(out).toHaveLength(2);
    for (const k of ["dialogues", "toolCalls", "callsPerDialogue", "parallelCallTurns", "chainedCalls", "clarifications", "noCallTurns", "distinctTools", "toolCoverage", "gini", "H", "D3"]) {
      expect(out[0]).toHaveProperty(k);
    }
    expect(out[0]).toMatchObject({ path: join(FIX, "openai.jsonl"), dialogues: 2, toolCalls: 4, chainedCalls: 1, clarifications: 1, parallelCallTurns: 1, noCallTurns: 4, distinctTools: 3, toolCoverage: 0.75 });
    expect(out[1]).toMatchObject({ formats: ["xlam"], dialogues: 2, toolCalls: 3 });
  });

  it("--tools sets the universe of coverage and Gini", async () => {
    const [f] = jsonLines(await ok(["stats", "--json", "--tools", tools, run("planGraph")]));
    expect(f!.toolUniverse).toEqual({ size: 23, source: "tools-file" });
    expect(f!.toolCoverage).toBeGreaterThan(0);
  });

  it("the text report, and --compare as one table", async () => {
    const text = await ok(["stats", join(FIX, "openai.jsonl")]);
    expect(text).toMatch(/chained calls\s+1 \(25\.0 %\)/);
    expect(text).toMatch(/most used tools\s+get_weather 2/);
    const table = await ok(["stats", "--compare", join(FIX, "openai.jsonl"), join(FIX, "glaive.json")]);
    const lines = table.trim().split("\n");
    expect(lines[0]).toContain("openai.jsonl");
    expect(lines[0]).toContain("glaive.json");
    expect(lines.find((l) => l.startsWith("dialogues"))).toMatch(/^dialogues\s+2\s+2$/);
    expect(lines.find((l) => l.startsWith("parallel-call turns"))).toMatch(/\s1\s+0$/);
  });

  it("errors: unknown format (exit 2, file and line named), a bad --format, a missing path", async () => {
    const r = await cliInProcess(["stats", join(FIX, "unknown.jsonl")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(FIX, "unknown.jsonl")} line 1: unknown dataset format`);
    const b = await cliInProcess(["stats", "--format", "csv", join(FIX, "openai.jsonl")]);
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/--format must be one of/);
    const m = await cliInProcess(["stats", join(tmp(), "missing")]);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/no such file or folder/);
  });

  it("every export format reads back to the run's figures, as far as the format keeps them", async () => {
    const out = join(tmp(), "export");
    await ok(["export", run("planGraph"), "--format", "all", "-o", out]);
    const [runF, openai, sharegpt, hermes, llama31, xlam, root] = jsonLines(
      await ok(["stats", "--json", run("planGraph"), ...["openai", "sharegpt", "hermes", "llama31", "xlam"].map((f) => join(out, f)), out]),
    );
    const core = (f: DatasetFigures) => ({
      dialogues: f.dialogues, turns: f.turns, userTurns: f.userTurns, toolCalls: f.toolCalls, parallelCallTurns: f.parallelCallTurns,
      chainedCalls: f.chainedCalls, clarifications: f.clarifications, noCallTurns: f.noCallTurns, distinctTools: f.distinctTools,
      toolCombinations: f.toolCombinations, toolCoverage: f.toolCoverage, gini: f.gini, H: f.H, D3: f.D3,
    });
    expect(runF!.withPlan).toBe(30);
    for (const f of [openai, sharegpt, hermes, root]) expect(core(f!)).toEqual(core(runF!));
    // llama31 writes each parallel turn as consecutive single calls (--parallel sequential): more, single-call turns
    const rest = (f: DatasetFigures) => ({ ...core(f), turns: 0, parallelCallTurns: 0, chainedCalls: 0 });
    expect(rest(llama31!)).toEqual(rest(runF!));
    expect(llama31!.parallelCallTurns).toBe(0);
    expect(runF!.parallelCallTurns).toBeGreaterThan(0);
    expect(llama31!.turns - runF!.turns).toBeGreaterThanOrEqual(runF!.parallelCallTurns);
    expect(openai!.tokens.userTurn).toEqual(runF!.tokens.userTurn);
    expect(root!.formats).toEqual(["openai"]); // an export folder is read through its lossless format
    expect(openai!.stepKinds).toBeNull(); // exports carry no plan
    // xlam: one row per calling user turn, only the calls the query alone determines
    expect(xlam!.clarifications).toBe(0);
    expect(xlam!.parallelCallTurns).toBe(runF!.parallelCallTurns);
    expect(xlam!.toolCalls).toBeLessThanOrEqual(runF!.toolCalls);
    expect(xlam!.callTurnShare).toBe(1);
  });

  it("--compare over plan + graph, --no-plan, --sampling random and both: the differences that must hold", async () => {
    const paths = (Object.keys(RUNS) as Array<keyof typeof RUNS>).map(run);
    const [pg, np, rd, rn] = jsonLines(await ok(["stats", "--json", "--tools", tools, ...paths]));
    // no plan: no step-kind mix, and the sim asks no clarifying questions and makes no parallel calls
    expect(pg!.stepKinds).not.toBeNull();
    expect(rd!.stepKinds).not.toBeNull();
    for (const f of [np!, rn!]) {
      expect(f.withPlan).toBe(0);
      expect(f.stepKinds).toBeNull();
      expect(f.clarifications).toBe(0);
      expect(f.parallelCallTurns).toBe(0);
    }
    // with a plan, clarify steps become clarification exchanges
    expect(pg!.clarifications).toBe(pg!.stepKinds!.clarify ?? 0);
    // graph walks sample tools that connect (a result feeds an argument): more chained calls than random sets
    expect(pg!.chainedCallShare).toBeGreaterThan(rd!.chainedCallShare);
    expect(np!.chainedCallShare).toBeGreaterThan(rn!.chainedCallShare);
    expect(pg!.stepKinds!.chained ?? 0).toBeGreaterThan(rd!.stepKinds!.chained ?? 0);
    // random sets: more distinct tool combinations, more even tool use
    expect(rd!.toolCombinations).toBeGreaterThanOrEqual(pg!.toolCombinations);
    const table = await ok(["stats", "--compare", "--tools", tools, ...paths]);
    expect(table).toMatch(/step kind chained/);
    expect(table.split("\n").find((l) => l.startsWith("dialogues with a plan"))).toMatch(/30\s+0\s+30\s+0$/);
  });
});
