/**
 * OpenAPI documents as they are written: recursive schemas import (cut at a stated depth), one operation that
 * cannot be converted is skipped with a warning naming it (`strict` fails the file), and each operation records
 * how to call it (`source.http`). Fixtures: test/fixtures/openapi/countries.yaml (REST Countries style) and
 * forum-items.json (Hacker News style, with one dangling $ref).
 */
import { writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../../test/support/cli.js";
import { tempDirForFile } from "../../test/support/tmp.js";
import { createAjv, InputError, type ToolSpec } from "../core/index.js";
import { buildToolGraph, LexicalEmbedder } from "../graph/index.js";
import { schemaExample } from "../sim/index.js";
import { importTools, type ImportWarning } from "./index.js";

const FIXTURES = resolve(PROJECT_ROOT, "test/fixtures/openapi");
const tmp = tempDirForFile("toolflow-openapi-rec-");

function byName(tools: ToolSpec[], name: string): ToolSpec {
  const t = tools.find((x) => x.name === name);
  if (!t) throw new Error(`no tool ${name} in ${tools.map((x) => x.name).join(", ")}`);
  return t;
}

type S = Record<string, unknown> & { properties?: Record<string, S>; items?: S };

describe("recursive OpenAPI schemas", () => {
  it("a country whose borders are countries imports, expanded twice then cut with a note", async () => {
    const { tools, report } = await importTools([join(FIXTURES, "countries.yaml")]);
    expect(tools.map((t) => t.name).sort()).toEqual(["addFavoriteCountry", "getCountryByCode", "getRegion", "searchCountriesByName"]);
    expect(report.skipped).toEqual([]);
    const country = byName(tools, "getCountryByCode").returns as S;
    // depth 1: the country; depth 2: its borders are full countries; depth 3: cut to a stub of the same type
    expect(country.properties!.name!.properties!.common).toEqual({ type: "string" });
    const border = country.properties!.borders!.items!;
    expect(border.properties!.cca3).toEqual({ type: "string" });
    const cut = border.properties!.borders!.items!;
    expect(cut.type).toBe("object");
    expect(cut.properties).toBeUndefined();
    expect(cut.description).toMatch(/Country: recursive schema, not expanded deeper than 2 levels/);
    expect(JSON.stringify(country)).not.toContain("$ref");

    // mutual recursion (a region's subregions and countries) and a parameter $ref both resolve
    const region = byName(tools, "getRegion").returns as S;
    expect(region.properties!.subregions!.items!.properties!.countries!.items!.properties!.borders).toBeDefined();
    expect(byName(tools, "getCountryByCode").parameters.required).toEqual(["code"]);

    // every consumer copes: ajv compiles and validates, the sim's example generator stops, the graph builds
    const ajv = createAjv();
    for (const t of tools) {
      expect(() => ajv.compile(t.parameters)).not.toThrow();
      if (t.returns) {
        const validate = ajv.compile(t.returns);
        const example = schemaExample(t.returns, { mode: "readable", name: t.name });
        expect(validate(example), `${t.name}: ${JSON.stringify(validate.errors)}`).toBe(true);
      }
    }
    const graph = await buildToolGraph(tools, { embedder: new LexicalEmbedder() });
    expect(graph.toJSON().nodes).toHaveLength(4);
  });

  it("records the operation, its servers (variables filled) and where each parameter goes", async () => {
    const { tools } = await importTools([join(FIXTURES, "countries.yaml")]);
    const search = byName(tools, "searchCountriesByName").source.http!;
    expect(search.method).toBe("GET");
    expect(search.path).toBe("/name/{name}");
    expect(search.servers).toEqual(["https://countries.example.org/v3.1"]);
    expect(search.params).toEqual({ name: { in: "path", name: "name" }, fullText: { in: "query", name: "fullText" }, fields: { in: "query", name: "fields" } });
    const fav = byName(tools, "addFavoriteCountry").source.http!;
    expect(fav.method).toBe("POST");
    expect(fav.params.cca3).toEqual({ in: "body", name: "cca3" });
  });

  it("the depth is an option", async () => {
    const { tools } = await importTools([join(FIXTURES, "countries.yaml")], { recursionDepth: 1 });
    const country = byName(tools, "getCountryByCode").returns as S;
    expect(country.properties!.borders!.items!.properties).toBeUndefined();
    expect(country.properties!.borders!.items!.description).toMatch(/not expanded deeper than 1 level/);
  });

  it("a dangling $ref in a used response becomes {} with a note and a warning pointing at it; --strict fails the file", async () => {
    const file = join(FIXTURES, "forum-items.json");
    const seen: ImportWarning[] = [];
    const { tools, report } = await importTools([file], { onWarning: (w) => seen.push(w) });
    expect(tools.map((t) => t.name).sort()).toEqual(["getItem", "getUser", "replyToItem"]);
    expect(report.skipped).toEqual([]);
    expect(report.warnings).toHaveLength(1);
    expect(seen).toEqual(report.warnings);
    expect(report.warnings[0]).toMatchObject({
      file,
      operation: "GET /user/{name} (getUser)",
      pointer: "/paths/~1user~1{name}/get/responses/200/content/application~1json/schema",
    });
    expect(report.warnings[0]!.message).toMatch(/UserProfile/);
    const user = byName(tools, "getUser").returns as S;
    expect(Object.keys(user)).toEqual(["description"]);
    expect(user.description).toMatch(/UserProfile: \$ref "#\/components\/schemas\/UserProfile" points to nothing/);
    // a comment's replies are comments
    const item = byName(tools, "getItem").returns as S;
    expect(item.properties!.kids!.items!.properties!.by).toEqual({ type: "string", description: "The author's user name" });

    const err = await importTools([file], { strict: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(/GET \/user\/\{name\} \(getUser\)/);
    expect((err as InputError).file).toBe(file);
  });

  it("an operation whose schema does not compile is skipped, the rest kept; broken JSON still fails the file", async () => {
    const doc = {
      openapi: "3.0.0",
      info: { title: "t", version: "1" },
      paths: {
        "/good": { get: { operationId: "good", responses: { "200": { description: "ok" } } } },
        "/bad": {
          get: {
            operationId: "bad",
            parameters: [{ name: "n", in: "query", schema: { type: "integer", minimum: "five" } }],
            responses: { "200": { description: "ok" } },
          },
        },
        "/odd": { get: { operationId: "odd", parameters: [{ name: "x", in: "body" }, { name: "y", in: "nowhere" }] } },
      },
    };
    const f = join(tmp(), "partly.json");
    await writeFile(f, JSON.stringify(doc));
    const { tools, report } = await importTools([f]);
    expect(tools.map((t) => t.name)).toEqual(["good"]);
    expect(report.skipped.map((s) => s.operation).sort()).toEqual(["GET /bad (bad)", "GET /odd (odd)"]);
    // the skip points at the schema that does not compile
    expect(report.skipped.find((s) => s.operation === "GET /bad (bad)")!.pointer).toBe("/paths/~1bad/get/parameters/0/schema");
    await expect(importTools([f], { strict: true })).rejects.toThrow(/bad|odd/);

    const broken = join(tmp(), "broken.json");
    await writeFile(broken, JSON.stringify(doc).slice(0, 80));
    await expect(importTools([broken])).rejects.toBeInstanceOf(InputError);
  });

  it("much mutual recursion (every schema expandable into every other, as in large public APIs) stays small", async () => {
    const names = ["Account", "Charge", "Customer", "Invoice", "Refund", "Dispute", "Payout", "Transfer"];
    const schemas = Object.fromEntries(
      names.map((n) => [
        n,
        { type: "object", properties: { id: { type: "string" }, ...Object.fromEntries(names.filter((m) => m !== n).map((m) => [m.toLowerCase(), { $ref: `#/components/schemas/${m}` }])) } },
      ]),
    );
    const doc = {
      openapi: "3.0.0",
      info: { title: "payments", version: "1" },
      paths: { "/charges/{id}": { get: { operationId: "getCharge", parameters: [{ name: "id", in: "path", schema: { type: "string" } }], responses: { "200": { description: "ok", content: { "application/json": { schema: { $ref: "#/components/schemas/Charge" } } } } } } } },
      components: { schemas },
    };
    const f = join(tmp(), "payments.json");
    await writeFile(f, JSON.stringify(doc));
    // the inliner's own cut (the schema budget would cut the result further: schema-budget.test.ts)
    const { tools } = await importTools([f], { keepFullSchemas: true });
    const text = JSON.stringify(tools[0]!.returns);
    expect(text.length).toBeLessThan(120_000);
    // cut at one nesting depth everywhere: every property of the charge is expanded, and so is one level below
    expect(text).toMatch(/not expanded: nested more than \d+ references? deep/);
    const charge = tools[0]!.returns as S;
    for (const n of names.filter((m) => m !== "Charge")) {
      expect(charge.properties![n.toLowerCase()]!.properties!.id, n).toEqual({ type: "string" });
      expect(charge.properties!.refund!.properties![n === "Refund" ? "charge" : n.toLowerCase()]!.properties!.id).toEqual({ type: "string" });
    }
  });
});
