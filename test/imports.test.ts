import { readdirSync, readFileSync } from "node:fs";
import { dirname, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SRC = resolve(ROOT, "src");

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = resolve(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== "node_modules" && !e.name.startsWith(".")) out.push(...tsFiles(p));
    } else if (/\.(ts|mts|cts)$/.test(e.name) && !e.name.endsWith(".d.ts")) out.push(p);
  }
  return out;
}

/** The stage folder (src/<stage>/) a path is in, if any. */
function stageOf(path: string): string | undefined {
  const parts = relative(SRC, path).split(sep);
  return parts.length > 1 && parts[0] !== ".." ? parts[0] : undefined;
}

/** Relative specifiers of static imports, re-exports and dynamic import()s. */
function specifiers(text: string): string[] {
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)["'](\.{1,2}\/[^"']+)["']/g;
  return [...text.matchAll(re)].map((m) => m[1]!);
}

/** Imports that reach into another stage's folder past its index.ts, as "file: specifier". */
function boundaryViolations(files: string[]): string[] {
  const out: string[] = [];
  for (const file of files) {
    const from = stageOf(file);
    for (const spec of specifiers(readFileSync(file, "utf8"))) {
      const target = resolve(dirname(file), spec);
      const stage = stageOf(target);
      if (stage === undefined || stage === from) continue;
      if (relative(resolve(SRC, stage), target) !== "index.js") out.push(`${relative(ROOT, file)}: ${spec}`);
    }
  }
  return out;
}

describe("stage boundaries", () => {
  const files = ["src", "test", "bench"].flatMap((d) => tsFiles(resolve(ROOT, d)));

  it("scans the sources, tests and benchmarks", () => {
    expect(files.length).toBeGreaterThan(100);
    expect(files.map((f) => relative(ROOT, f))).toEqual(expect.arrayContaining(["src/index.ts", "bench/run.ts", "test/support/cli.ts"]));
  });

  it("nothing outside a stage's folder imports past its index.ts", () => {
    expect(boundaryViolations(files)).toEqual([]);
  });

  it("the check finds an import past an index", () => {
    const probe = resolve(ROOT, "test/probe.ts");
    const spec = "../src/graph/tool-graph.js";
    const target = resolve(dirname(probe), spec);
    expect(stageOf(target)).toBe("graph");
    expect(relative(resolve(SRC, "graph"), target)).not.toBe("index.js");
    const dynamic = ["..", "src", "llm", "openai.js"].join("/");
    expect(specifiers(`import { ToolGraph } from "${spec}";\nexport * from "../src/core/index.js";\nawait import("${dynamic}");`)).toEqual([
      spec,
      "../src/core/index.js",
      dynamic,
    ]);
  });

  it("core imports no other stage (the index files cannot form a cycle through it)", () => {
    const core = files.filter((f) => stageOf(f) === "core" && !f.endsWith(".test.ts"));
    const reached = core.flatMap((f) => specifiers(readFileSync(f, "utf8")).map((s) => stageOf(resolve(dirname(f), s))));
    expect(reached.filter((s) => s !== undefined && s !== "core")).toEqual([]);
  });

  it("data imports only core, and the stages never import data", () => {
    const reachedFrom = (stage: string) =>
      files
        .filter((f) => stageOf(f) === stage && !f.endsWith(".test.ts"))
        .flatMap((f) => specifiers(readFileSync(f, "utf8")).map((s) => stageOf(resolve(dirname(f), s))))
        .filter((s): s is string => s !== undefined && s !== stage);
    expect(new Set(reachedFrom("data"))).toEqual(new Set(["core"]));
    for (const stage of ["tools", "graph", "sampling", "llm", "sim", "models", "agents", "verify", "execute"]) {
      expect(reachedFrom(stage), stage).not.toContain("data");
    }
  });
});
