/**
 * The README demo, command for command (docs/synth.md): bundled example tools -> graph -> 40 dialogues with the
 * sim backend -> export -> report page. Offline, no model.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../support/cli.js";
import { cliInProcess } from "../support/cli.js";
import { readAccepted, reverify } from "./support/run-files.js";

describe("README demo", () => {
  it("imports the examples, builds the graph, synthesizes 40 dialogues with sim and exports them", async () => {
    const demo = mkdtempSync(join(tmpdir(), "e2e-demo-"));
    const examples = readdirSync(join(PROJECT_ROOT, "examples"))
      .sort()
      .map((f) => join(PROJECT_ROOT, "examples", f));
    expect(examples.length).toBeGreaterThanOrEqual(3);
    const tools = join(demo, "tools.jsonl");
    const graph = join(demo, "graph.json");
    const run = join(demo, "run");
    const dataset = join(demo, "dataset");
    const steps: string[][] = [
      ["tools", "import", ...examples, "-o", tools],
      ["graph", "build", tools, "-o", graph],
      ["synth", "--tools", tools, "--graph", graph, "--llm", "sim", "--count", "40", "--seed", "7", "--out", run, "--dry-run"],
      ["synth", "--tools", tools, "--graph", graph, "--llm", "sim", "--count", "40", "--seed", "7", "--out", run],
      ["export", run, "--format", "all", "-o", dataset],
      ["report", run, "--graph", graph, "-o", join(demo, "report.html")],
    ];
    for (const args of steps) {
      const r = await cliInProcess(args);
      expect(r.code, `${args.join(" ")}\n${r.stderr}`).toBe(0);
      if (args.includes("--dry-run")) expect(existsSync(run)).toBe(false);
    }
    const accepted = readAccepted(run);
    expect(accepted).toHaveLength(40);
    expect(accepted.every((d) => d.backend === "sim")).toBe(true);
    expect(reverify(accepted)).toEqual([]);
    expect(existsSync(join(dataset, "README.md"))).toBe(true);
    const card = readFileSync(join(dataset, "README.md"), "utf8");
    // the card says, in its own words, that sim data is not real data; and names the installed version
    expect(card).toMatch(/\*\*Not real data\.\*\* 40 of 40 dialogues were made by the built-in `sim` backend/);
    expect(card).toMatch(/do not train or evaluate/);
    const version = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
    expect(card).toContain(`synthesized with toolflow ${version} `);
    const trainRows = readFileSync(join(dataset, "openai", "train.jsonl"), "utf8").trim().split("\n");
    expect(trainRows.length).toBeGreaterThan(20);
    // one self-contained page: the run's records inside, nothing fetched from the network
    const page = readFileSync(join(demo, "report.html"), "utf8");
    expect(page).toContain(accepted[0]!.id);
    expect(page).not.toMatch(/<script[^>]+src=|<link[^>]+href="http/);
  });
});
