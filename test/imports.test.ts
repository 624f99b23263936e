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

  const sources = files.filter((f) => !f.endsWith(".test.ts")).map((f): [string, string] => [f, readFileSync(f, "utf8")]);

  it("core imports no other stage (the index files cannot form a cycle through it)", () => {
    expect(reachedFrom(sources, (s) => s === "core")).toEqual([]);
  });

  it("the data layer imports only core; the stages (tools, graph, sampling, agents, verify, execute) never import it", () => {
    expect(layerViolations(sources)).toEqual([]);
  });

  it("the layer check finds a stage importing data and data importing a job", () => {
    const probes: Array<[string, string]> = [
      [resolve(SRC, "graph", "probe.ts"), 'import { RUN_FILES } from "../data/index.js";'],
      [resolve(SRC, "data", "probe.ts"), 'import { x } from "../core/index.js";\nimport { y } from "../synth/index.js";'],
      [resolve(SRC, "judge", "probe.ts"), 'import { openJob } from "../data/index.js";'],
    ];
    expect(layerViolations(probes)).toEqual(["src/data/probe.ts -> synth", "src/graph/probe.ts -> data"]);
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

/** "file -> folder" for every import of another src/ folder by the given files of the folders `from` accepts. */
function reachedFrom(sources: Array<[string, string]>, from: (stage: string | undefined) => boolean): string[] {
  return sources
    .filter(([f]) => from(stageOf(f)))
    .flatMap(([f, text]) =>
      specifiers(text).flatMap((s) => {
        const to = stageOf(resolve(dirname(f), s));
        return to === undefined || to === stageOf(f) ? [] : [`${relative(ROOT, f)} -> ${to}`];
      }),
    );
}

/** Imports past the data layer's rules: data imports only core; the pure stages never import data. */
function layerViolations(sources: Array<[string, string]>): string[] {
  return [
    ...reachedFrom(sources, (s) => s === "data").filter((e) => !e.endsWith("-> core")),
    ...reachedFrom(sources, (s) => s !== undefined && PURE_STAGES.includes(s)).filter((e) => e.endsWith("-> data")),
  ];
}

/** Stages that stay pure: they compute on values and never read or write a job's files through the data layer. */
const PURE_STAGES: readonly string[] = ["tools", "graph", "sampling", "agents", "verify", "execute"];
