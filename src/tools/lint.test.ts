/**
 * The lint rules on a small hand-written catalogue (every rule fires once where it should, clean tools are not
 * flagged) and on a slice of real ToolBench queries (tools known by reading the data to be unusable are flagged,
 * look-alikes that are fine are not).
 */
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT, SHARED_DATA } from "../../test/support/cli.js";
import type { ToolSpec } from "../core/index.js";
import { LINT_RULES, flaggedTools, importTools, lintTools, readToolsJsonl, type LintFinding } from "./index.js";

const FIXTURE = join(PROJECT_ROOT, "test/fixtures/lint/tools.jsonl");
const CLEAN = ["search_hotels", "book_hotel", "get_booking", "get_transaction", "daily_horoscope", "roll_dice"];

function byTool(findings: readonly LintFinding[]): Map<string, LintFinding[]> {
  const out = new Map<string, LintFinding[]>();
  for (const f of findings) out.set(f.tool, [...(out.get(f.tool) ?? []), f]);
  return out;
}

describe("lintTools on the hand-written catalogue", async () => {
  const tools = await readToolsJsonl(FIXTURE);
  const report = lintTools(tools, { connectivity: { isolated: new Set(["roll_dice"]), ownVariantsOnly: new Set(["daily_horoscope"]) } });
  const found = byTool(report.findings);
  const fields = (tool: string) => (found.get(tool) ?? []).map((f) => `${f.rule} ${f.field}`);

  it("each rule fires on its tool and field, with a reason", () => {
    expect(fields("get_user_feed")).toEqual(["credential-param parameters.session_cookie", "credential-param parameters.x_gorgon"]);
    expect(fields("get_weather_alerts")).toEqual(["boilerplate-description description"]);
    expect(fields("list_offers")).toEqual(["boilerplate-description description"]);
    expect(fields("list_deals")).toEqual(["boilerplate-description description"]);
    expect(fields("get_flight_status")).toEqual(["error-returns returns"]);
    expect(fields("search_live_cams")).toEqual(["sensitive-category category"]);
    expect(fields("convert_currency")).toEqual(["constant-required-param parameters.format", "constant-required-param parameters.api_version"]);
    expect(fields("roll_dice")).toEqual(["isolated graph"]);
    expect(fields("daily_horoscope")).toEqual(["isolated graph"]);
    for (const f of report.findings) expect(f.reason.length, `${f.tool} ${f.rule}`).toBeGreaterThan(15);
    expect(found.get("list_offers")![0]!.reason).toMatch(/2 different functions share this description/);
    expect(found.get("daily_horoscope")![0]!.reason).toMatch(/variants of its own function: `walk` never samples it/);
    expect(found.get("convert_currency")![1]!.reason).toMatch(/must be \*\*3\.0\*\*/);
  });

  it("clean tools (a transaction hash, a zodiac sign, an optional token placeholder) are not flagged", () => {
    expect(report.flagged).toEqual(["get_user_feed", "get_weather_alerts", "list_offers", "list_deals", "get_flight_status", "search_live_cams", "convert_currency"]);
    for (const t of CLEAN) expect(report.flagged, t).not.toContain(t);
    expect(report.findings.filter((f) => CLEAN.includes(f.tool) && f.flags)).toEqual([]);
    // the isolated notice never flags
    expect(report.findings.filter((f) => f.rule === "isolated").every((f) => !f.flags)).toBe(true);
  });

  it("counts tools and findings per rule; rules can be chosen; isolated needs the graph", () => {
    expect(Object.keys(report.counts)).toEqual([...LINT_RULES]);
    expect(report.counts["credential-param"]).toEqual({ tools: 1, findings: 2 });
    expect(report.counts["boilerplate-description"]).toEqual({ tools: 3, findings: 3 });
    expect(report.counts.isolated).toEqual({ tools: 2, findings: 2 });
    const noGraph = lintTools(tools);
    expect(noGraph.rules).not.toContain("isolated");
    expect(noGraph.counts.isolated.tools).toBe(0);
    const one = lintTools(tools, { rules: ["error-returns"] });
    expect(one.flagged).toEqual(["get_flight_status"]);
  });

  it("flaggedTools keeps tools flagged only by the rules it is given", () => {
    expect(flaggedTools(report).size).toBe(7);
    expect(flaggedTools(report, true).size).toBe(0);
    const kept = flaggedTools(report, ["credential-param", "constant-required-param"]);
    expect(kept.has("get_user_feed")).toBe(false);
    expect(kept.has("convert_currency")).toBe(false);
    expect(kept.has("get_flight_status")).toBe(true);
  });

  it("reads descriptions, returns and names other formats give", () => {
    const base: ToolSpec = { name: "x", description: "", parameters: { type: "object", properties: {} }, source: { file: "f", pointer: "", format: "openai" } };
    const lint = (t: Partial<ToolSpec>) => lintTools([{ ...base, ...t }]).findings.map((f) => `${f.rule}: ${f.reason}`);
    expect(lint({ description: "" })).toEqual(["boilerplate-description: the description is empty"]);
    expect(lint({ description: "asdf" })[0]).toMatch(/placeholder/);
    expect(lint({ description: "Get a user", returns: { type: "string", description: "401 Unauthorized" } })[0]).toMatch(/error-returns: .*Unauthorized/);
    expect(lint({ description: "Get a user", returns: { type: "object", properties: { error: { type: "object", properties: { code: { type: "integer" }, message: { type: "string" } } } } } })[0]).toMatch(/only error fields/);
    // a status next to real data is not an error body
    expect(lint({ description: "Get a user", returns: { type: "object", properties: { status: { type: "string" }, message: { type: "string" }, user: { type: "object" } } } })).toEqual([]);
    const required = (name: string, schema: Record<string, unknown>) =>
      lint({ description: "Do a thing with the service.", parameters: { type: "object", properties: { [name]: schema }, required: [name] } });
    expect(required("X-API-Key", { type: "string" })[0]).toMatch(/credential-param: "X-API-Key" is a credential/);
    expect(required("page_token", { type: "string", description: "Token of the next page" })).toEqual([]);
    expect(required("search_token", { type: "string", description: "Call the **Get search token** endpoint to generate the token" })).toEqual([]);
    expect(required("mode", { const: "fast" })[0]).toMatch(/constant-required-param: .*constant "fast"/);
    expect(required("gender", { type: "string", description: "Must be either 'male' or 'female'." })).toEqual([]);
  });
});

describe("lintTools on ToolBench (a slice of the queries holding tools read by eye)", () => {
  const dir = mkdtempSync(join(tmpdir(), "toolflow-lint-tb-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // RapidAPI tool name -> what is wrong with it (or "ok")
  const SERVICES: Record<string, string> = {
    "Stormglass Complete": "apiKey required on every call",
    test2: "msid: a session id",
    CatalogAPI: "creds_checksum / creds_uuid / creds_datetime, and a SOAP Fault as returns",
    ChurchApp: "returns is {error: {code, message}}",
    "Fake Valid CC Data Generator": "generates credit card data",
    BetsAPI: "bet365 odds",
    "Microsoft Translator Text": "api-version must be 3.0",
    "Flight Integration": "two endpoints share the service's blurb",
    "Binance Smart Chain": "ok: hash is a transaction hash",
    "Zodiac Sign API": "ok: sign is a zodiac sign",
  };
  const slice = (): string => {
    const queries: unknown[] = [];
    for (const g of ["G1", "G2", "G3"]) {
      const data = JSON.parse(readFileSync(join(SHARED_DATA, "toolbench", `${g}_instruction.json`), "utf8")) as Array<{ api_list: Array<{ tool_name: string }> }>;
      for (const q of data) if (q.api_list.some((a) => a.tool_name in SERVICES)) queries.push(q);
    }
    const file = join(dir, "slice.json");
    writeFileSync(file, JSON.stringify(queries));
    return file;
  };

  it("flags the known-bad tools for the right reason and leaves the look-alikes alone", async () => {
    const { tools } = await importTools([slice()]);
    expect(tools.length).toBeGreaterThan(30);
    const report = lintTools(tools);
    const rulesOf = (tool: string) => [...new Set(report.findings.filter((f) => f.tool === tool && f.flags).map((f) => f.rule))];
    expect(rulesOf("get_tide_extreme_data_for_stormglass_complete")).toContain("credential-param");
    expect(rulesOf("orgcode_cards_for_test2")).toContain("credential-param");
    expect(rulesOf("view_item_for_catalogapi")).toEqual(expect.arrayContaining(["credential-param", "error-returns"]));
    expect(rulesOf("get_all_contacts_for_churchapp")).toContain("error-returns");
    expect(rulesOf("receive_the_credit_card_data_for_fake_valid_cc_data_generator")).toContain("sensitive-category");
    expect(rulesOf("bet365_prematch_odds_for_betsapi")).toContain("sensitive-category");
    expect(rulesOf("languages_for_microsoft_translator_text")).toContain("constant-required-param");
    expect(rulesOf("flight_for_flight_integration")).toContain("boilerplate-description");
    expect(rulesOf("transaction_for_binance_smart_chain")).toEqual([]);
    expect(rulesOf("searchzodiacbysign_for_zodiac_sign_api")).toEqual([]);
    // every service of the slice was found
    for (const service of Object.keys(SERVICES)) expect(tools.some((t) => t.originalName?.startsWith(`${service}/`)), service).toBe(true);
  });
});
