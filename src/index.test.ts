import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import * as pkg from "./index.js";

const NAMESPACES = ["data", "tools", "graph", "sampling", "llm", "agents", "synth", "verify", "exporting", "report", "evaluation", "models", "overlap", "judging", "doctor", "execute", "queue", "html"];

/** name -> where it is exported: "top" (the package's top level) or the namespace. */
function owners(entries: Iterable<[where: string, names: Iterable<string>]>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [where, names] of entries) for (const n of names) out.set(n, [...(out.get(n) ?? []), where]);
  return out;
}
const shared = (m: Map<string, string[]>) => [...m].filter(([, where]) => where.length > 1).map(([n, where]) => `${n}: ${where.join(", ")}`);

describe("the package entry", () => {
  it("exports every stage as a namespace", () => {
    const p = pkg as unknown as Record<string, unknown>;
    for (const ns of NAMESPACES) expect(typeof p[ns], ns).toBe("object");
  });

  it("exports no value under one name from two namespaces, or from a namespace and the top level", () => {
    const p = pkg as unknown as Record<string, Record<string, unknown>>;
    const top = Object.keys(p).filter((k) => !NAMESPACES.includes(k));
    const m = owners([["top", top], ...NAMESPACES.map((ns): [string, string[]] => [ns, Object.keys(p[ns]!)])]);
    expect(m.size).toBeGreaterThan(100); // the walk reached the namespaces
    expect(shared(m)).toEqual([]);
  });

  it("exports no name (types included) from two namespaces, or from a namespace and the top level", () => {
    const entry = resolve(fileURLToPath(new URL(".", import.meta.url)), "index.ts");
    const program = ts.createProgram([entry], {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      skipLibCheck: true,
      noEmit: true,
      types: [],
    });
    const checker = program.getTypeChecker();
    const entrySymbol = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
    const where: Array<[string, string[]]> = [];
    const top: string[] = [];
    for (const s of checker.getExportsOfModule(entrySymbol)) {
      const decl = s.declarations?.[0];
      if (decl && ts.isNamespaceExport(decl)) {
        where.push([s.name, checker.getExportsOfModule(checker.getAliasedSymbol(s)).map((e) => e.name)]);
      } else top.push(s.name);
    }
    expect(where.map(([ns]) => ns).sort()).toEqual([...NAMESPACES].sort());
    expect(top).toEqual(expect.arrayContaining(["ToolSpecZ", "DialogueRecordZ", "InputError", "ToolSpec"]));
    expect(shared(owners([["top", top], ...where]))).toEqual([]);
  }, 60_000);
});
