/**
 * The format check against BFCL's own AST checker verdicts (../shared/data/bfcl/checker_vectors.jsonl): calls
 * built from BFCL ground truth and deliberate perturbations of them, over the real BFCL function docs
 * (normalized by the tools stage). Schema-level faults must all be rejected; valid ground truth must pass.
 */
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { SHARED_DATA } from "../../test/support/cli.js";
import type { Message, ToolCall, ToolSpec } from "../core/index.js";
import { bfclRecordToDrafts, finalizeDraft, sanitizeToolName } from "../tools/index.js";
import { checkFormat } from "./verify.js";

const BFCL = join(SHARED_DATA, "bfcl");
const FILES = [
  "BFCL_v4_simple_python.json",
  "BFCL_v4_multiple.json",
  "BFCL_v4_parallel.json",
  "BFCL_v4_parallel_multiple.json",
  "BFCL_v4_live_simple.json",
  "BFCL_v4_live_multiple.json",
];

interface Vector {
  id: string;
  kind: string;
  model_output: Array<Record<string, Record<string, unknown>>>;
  valid: boolean;
}

function loadTools(): Map<string, ToolSpec[]> {
  const out = new Map<string, ToolSpec[]>();
  for (const f of FILES) {
    readFileSync(join(BFCL, f), "utf8")
      .split("\n")
      .forEach((line, i) => {
        if (line.trim() === "") return;
        const rec = JSON.parse(line) as { id: string };
        const tools = bfclRecordToDrafts(rec, { file: f, pointer: "", line: i + 1 }).map((d) => finalizeDraft(d).spec);
        out.set(rec.id, tools);
      });
  }
  return out;
}

/** Verdict of the format check on a one-turn dialogue holding the vector's calls. */
function formatVerdict(v: Vector, tools: ToolSpec[]): { passed: boolean; reasons: string[] } {
  const calls: ToolCall[] = v.model_output.map((o, i) => {
    const [name, args] = Object.entries(o)[0] as [string, Record<string, unknown>];
    return { id: `c${i}`, type: "function", function: { name: sanitizeToolName(name), arguments: JSON.stringify(args) } };
  });
  const messages: Message[] = [
    { role: "user", content: "question" },
    { role: "assistant", content: null, tool_calls: calls },
    ...calls.map((c): Message => ({ role: "tool", tool_call_id: c.id, content: "{}" })),
    { role: "assistant", content: "Done." },
  ];
  return checkFormat({ tools, plan: null, messages, stepOf: messages.map(() => null) });
}

describe("format check vs BFCL checker verdicts (real data)", () => {
  const tools = loadTools();
  const vectors = readFileSync(join(BFCL, "checker_vectors.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as Vector)
    .filter((v) => tools.has(v.id));
  const verdicts = vectors.map((v) => ({ v, r: formatVerdict(v, tools.get(v.id) as ToolSpec[]) }));
  const rate = (kind: string, valid: boolean) => {
    const sel = verdicts.filter((x) => x.v.kind === kind && x.v.valid === valid);
    return { n: sel.length, passed: sel.filter((x) => x.r.passed).length };
  };

  it("covers the vectors of the single-turn categories", () => {
    expect(vectors.length).toBeGreaterThan(6000);
  });

  it.each(["wrong_function", "missing_required", "number_as_string", "unknown_param"])(
    "rejects every %s perturbation BFCL rejects",
    (kind) => {
      const r = rate(kind, false);
      expect(r.n).toBeGreaterThan(300);
      expect(r.passed).toBe(0);
    },
  );

  it("names the fault", () => {
    const pick = (kind: string) => verdicts.find((x) => x.v.kind === kind && !x.v.valid)?.r.reasons.join("\n") ?? "";
    expect(pick("wrong_function")).toMatch(/is not one of the sample's tools/);
    expect(pick("missing_required")).toMatch(/missing required argument/);
    expect(pick("number_as_string")).toMatch(/must be (number|integer)/);
    expect(pick("unknown_param")).toMatch(/unknown argument/);
  });

  it("accepts valid calls (ground truth, reordered parallel calls, int for float, omitted optionals)", () => {
    for (const kind of ["parallel_reordered", "int_for_float"]) {
      const r = rate(kind, true);
      expect(r.n).toBeGreaterThan(50);
      expect(r.passed).toBe(r.n);
    }
    // a few BFCL docs disagree with their own ground truth (e.g. an enum on an array that gets []); BFCL's
    // checker is lenient there, ours follows the schema
    for (const kind of ["ground_truth", "optional_omitted"]) {
      const r = rate(kind, true);
      expect(r.n).toBeGreaterThan(400);
      expect(r.passed / r.n).toBeGreaterThan(0.95);
    }
  });
});
