/**
 * Every schema toolflow imports from real documents compiles with the project's ajv factory (`createAjv`, as
 * synthesis, the verifier and the executors use it): parameters *and* returns, of every tool of every real data
 * set in ../shared/data (BFCL, ToolBench, ToolAlpaca's OpenAPI documents) and of GitHub's REST description
 * (`@octokit/openapi`, a devDependency; skipped with a message when the file is absent), where the schema budget
 * is checked too: every tool fits, no required parameter is lost.
 */
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT, SHARED_DATA } from "../../test/support/cli.js";
import { createAjv, type ToolSpec } from "../core/index.js";
import { DEFAULT_SCHEMA_BUDGET, importTools, schemaTokens } from "./index.js";

/** Names of the schemas that do not compile, with ajv's message (empty = all compile). */
function uncompiled(tools: ToolSpec[]): string[] {
  // code.optimize off: as the importer's checker, ~3x faster to compile; compiling is all that is checked here.
  const ajv = createAjv({ code: { optimize: false } });
  const bad: string[] = [];
  for (const t of tools) {
    for (const [field, schema] of [
      ["parameters", t.parameters],
      ["returns", t.returns],
    ] as const) {
      if (schema === undefined) continue;
      try {
        ajv.compile(schema);
      } catch (err) {
        bad.push(`${t.name} ${field}: ${(err as Error).message}`);
      }
    }
  }
  return bad;
}

const BFCL = join(SHARED_DATA, "bfcl");
const realSets: Array<[string, string[]]> = [
  [
    "BFCL",
    [
      ...readdirSync(BFCL)
        .filter((f) => /^BFCL_v4_.*\.json$/.test(f))
        .map((f) => join(BFCL, f)),
      ...readdirSync(join(BFCL, "multi_turn_func_doc")).map((f) => join(BFCL, "multi_turn_func_doc", f)),
    ],
  ],
  ["ToolBench", ["G1", "G2", "G3"].map((g) => join(SHARED_DATA, "toolbench", `${g}_instruction.json`))],
  ["ToolAlpaca", [join(SHARED_DATA, "toolalpaca", "eval_simulated.json")]],
];

describe("every imported schema compiles with createAjv", () => {
  for (const [name, files] of realSets) {
    it(`${name}: parameters and returns of every tool`, async () => {
      const { tools, report } = await importTools(files);
      expect(tools.length).toBeGreaterThan(0);
      expect(report.skipped).toEqual([]);
      expect(uncompiled(tools)).toEqual([]);
    }, 120_000);
  }

  const GITHUB = resolve(PROJECT_ROOT, "node_modules/@octokit/openapi/generated/api.github.com.json");
  it.skipIf(!existsSync(GITHUB))(
    `GitHub's REST description (@octokit/openapi): every operation imports and every schema compiles${existsSync(GITHUB) ? "" : ` -- SKIPPED: ${GITHUB} is absent (npm install)`}`,
    async () => {
      const { tools, report } = await importTools([GITHUB]);
      expect(report.skipped).toEqual([]);
      expect(tools.length).toBeGreaterThan(1000);
      expect(report.toolsRead).toBe(report.toolsWritten + report.duplicatesMerged + report.conflictsDropped + report.skipped.length);
      // GitHub writes `nullable: true` beside allOf / anyOf (no type) in many returns: they compile now
      expect(uncompiled(tools)).toEqual([]);

      // The schema budget (default): every tool fits; none lost a required parameter (each path parameter of its
      // URL, and every name in `required`, is still a property); the cut ones say so.
      expect(report.schemaBudget).toBe(DEFAULT_SCHEMA_BUDGET);
      expect(report.schemasCut.tools).toBeGreaterThan(200);
      const tokens = (t: ToolSpec) => Math.ceil(t.description.length / 4) + schemaTokens(t.parameters) + schemaTokens(t.returns);
      expect(tools.filter((t) => tokens(t) > DEFAULT_SCHEMA_BUDGET).map((t) => t.name)).toEqual([]);
      for (const t of tools) {
        const props = t.parameters.properties as Record<string, unknown>;
        const required = (t.parameters.required ?? []) as string[];
        for (const r of required) expect(props[r], `${t.name}: ${r}`).toBeDefined();
        const inPath = Object.entries(t.source.http!.params).filter(([, p]) => p.in === "path");
        expect(inPath.map(([, p]) => p.name).sort(), t.name).toEqual([...t.source.http!.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]).sort());
        for (const [key] of inPath) expect(required, `${t.name}: ${key}`).toContain(key);
      }
      const create = tools.find((t) => t.name === "issues_create")!;
      expect(create.parameters.required).toEqual(["owner", "repo", "title"]);
      const events = tools.find((t) => t.name === "issues_list-events")!;
      expect(JSON.stringify(events.returns)).toMatch(/\(cut: one of \d+ schemas, not shown: Labeled Issue Event/);
    },
    180_000,
  );
});
