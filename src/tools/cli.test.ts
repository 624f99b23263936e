/**
 * `toolflow tools import` end to end through the CLI (child process).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliInProcess, PROJECT_ROOT, SHARED_DATA } from "../../test/support/cli.js";
import { ToolSpecZ } from "../core/index.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "toolflow-tools-cli-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("toolflow tools import", () => {
  it("imports the bundled examples: every tool has returns, ids feed other tools", async () => {
    const exampleFiles = readdirSync(join(PROJECT_ROOT, "examples")).map((f) => join("examples", f));
    const out = join(dir, "examples.jsonl");
    const report = join(dir, "report.json");
    const r = await cliInProcess(["tools", "import", ...exampleFiles, "-o", out, "--report", report]);
    expect(r.stderr).toContain("tools ->");
    expect(r.code).toBe(0);
    const tools = readFileSync(out, "utf8")
      .trim()
      .split("\n")
      .map((l) => ToolSpecZ.parse(JSON.parse(l)));
    expect(tools.length).toBeGreaterThanOrEqual(15);
    expect(tools.length).toBeLessThanOrEqual(25);
    expect(new Set(tools.map((t) => t.source.format))).toEqual(new Set(["openai", "bfcl", "openapi", "mcp"]));
    for (const t of tools) {
      expect(t.returns, t.name).toBeDefined();
      expect(t.description.length, t.name).toBeGreaterThan(10);
      expect(t.category, t.name).toBeDefined();
    }
    const rep = JSON.parse(readFileSync(report, "utf8")) as { toolsWritten: number; inputsRead: number };
    expect(rep).toMatchObject({ toolsWritten: tools.length, inputsRead: exampleFiles.length });

    const byName = new Map(tools.map((t) => [t.name, t]));
    const returnsProp = (tool: string, prop: string) => JSON.stringify(byName.get(tool)?.returns ?? {}).includes(`"${prop}"`);
    const takes = (tool: string, prop: string) => Object.keys(byName.get(tool)?.parameters.properties ?? {}).includes(prop);
    // search_flights -> book_flight -> cancel_booking
    expect(returnsProp("search_flights", "flight_id") && takes("book_flight", "flight_id")).toBe(true);
    expect(returnsProp("book_flight", "booking_id") && takes("cancel_booking", "booking_id")).toBe(true);
    expect(returnsProp("createCart", "cart_id") && takes("addToCart", "cart_id")).toBe(true);
    expect(returnsProp("checkoutCart", "order_id") && takes("trackShipment", "order_id")).toBe(true);
    expect(returnsProp("create_note", "note_id") && takes("set_reminder", "note_id")).toBe(true);
    expect(takes("get_weather", "city") && takes("search_hotels", "city")).toBe(true);
    // BFCL float in the weather example became number
    expect(JSON.stringify(byName.get("convert_temperature")?.parameters)).toContain('"temperature":{"type":"number"');
  });

  it("refuses BFCL ground truth with exit code 2 and no output", async () => {
    const out = join(dir, "pa.jsonl");
    const r = await cliInProcess(["tools", "import", join(SHARED_DATA, "bfcl", "possible_answer", "BFCL_v4_simple_python.json"), "-o", out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/BFCL_v4_simple_python\.json.*ground truth/);
    expect(existsSync(out)).toBe(false);
  });

  it("bad input anywhere: exit 2, message names the file and place, no partial output", async () => {
    const good = join(dir, "good.json");
    await writeFile(good, JSON.stringify([{ name: "ok_tool", description: "fine", parameters: { type: "object", properties: {} } }]));
    const bad = join(dir, "bad.jsonl");
    await writeFile(bad, `${JSON.stringify({ name: "a", parameters: { type: "dict", properties: {} } })}\n{"name": "b", "parameters": {\n`);
    const out = join(dir, "out.jsonl");
    const r = await cliInProcess(["tools", "import", good, bad, "-o", out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${bad} line 2`);
    expect(existsSync(out)).toBe(false);
  });

  it("--on-conflict error fails on a name with two schemas", async () => {
    const f = join(dir, "conflict.json");
    await writeFile(
      f,
      JSON.stringify([
        { name: "t", description: "", parameters: { type: "object", properties: { a: { type: "string" } } } },
        { name: "t", description: "", parameters: { type: "object", properties: { b: { type: "string" } } } },
      ]),
    );
    const out = join(dir, "conflict.jsonl");
    const r = await cliInProcess(["tools", "import", f, "-o", out, "--on-conflict", "error"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/two different schemas/);
    expect(existsSync(out)).toBe(false);
  });

  it("a dangling $ref in an OpenAPI operation is a warning pointing at it; --strict makes it an error with no output", async () => {
    const doc = join(PROJECT_ROOT, "test/fixtures/openapi/forum-items.json");
    const out = join(dir, "forum.jsonl");
    const r = await cliInProcess(["tools", "import", doc, "-o", out, "-q"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(
      /warning: .*forum-items\.json at \/paths\/~1user~1\{name\}\/get\/responses\/200\/content\/application~1json\/schema: GET \/user\/\{name\} \(getUser\): .*UserProfile/,
    );
    expect(r.stderr).toMatch(/3 tools -> .*warnings 1\)/);
    expect(readFileSync(out, "utf8").trim().split("\n")).toHaveLength(3);
    const strictOut = join(dir, "forum-strict.jsonl");
    const s = await cliInProcess(["tools", "import", doc, "-o", strictOut, "--strict"]);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/getUser/);
    expect(existsSync(strictOut)).toBe(false);
  });
});
