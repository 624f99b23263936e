/**
 * Helpers for `eval bfcl` tests and the benchmark: ground-truth answers of BFCL questions, and a server hook that
 * answers each question (found by its last user message) as a test decides.
 */
import { checkCalls, toApiName, type BfclEvalItem, type DecodedCall, type FunctionDoc } from "../../src/eval/index.js";
import { PyFloat, stringifyPyJson } from "../../src/core/index.js";
import type { ChatBody, RecordedRequest, ScriptStep } from "./openai-server.js";

/** One acceptable answer: the first acceptable value of each argument ("" marks an argument left out). */
export function groundTruthCalls(item: BfclEvalItem): DecodedCall[] {
  return (item.possibleAnswer ?? []).map((pa) => {
    const [fn, args] = Object.entries(pa)[0] as [string, Record<string, unknown[]>];
    const out: Record<string, unknown> = {};
    for (const [k, options] of Object.entries(args)) {
      const v = options.find((o) => o !== "");
      if (v !== undefined) out[k] = v;
    }
    return { [fn]: out };
  });
}

/** True when the checker accepts the ground-truth answer (BFCL's data has rows it rejects). */
export function groundTruthPasses(item: BfclEvalItem): boolean {
  return checkCalls(item.functions as FunctionDoc[], groundTruthCalls(item), item.possibleAnswer ?? [], item.category).valid;
}

export function lastUser(body: ChatBody): string {
  const msgs = body.messages ?? [];
  for (let i = msgs.length - 1; i >= 0; i--) if (msgs[i]?.role === "user") return String(msgs[i]?.content ?? "");
  return "";
}

/** Items whose last user message is unique among them (so a request tells which question it is). */
export function uniqueByPrompt(items: BfclEvalItem[]): Map<string, BfclEvalItem> {
  const count = new Map<string, number>();
  const key = (i: BfclEvalItem) => String(i.question.flat().filter((m) => m.role === "user").at(-1)?.content ?? "");
  for (const i of items) count.set(key(i), (count.get(key(i)) ?? 0) + 1);
  return new Map(items.filter((i) => count.get(key(i)) === 1).map((i) => [key(i), i]));
}

export type AnswerKind = "right" | "wrong-value" | "bad-json" | "text" | "python" | "python-wrong-value" | "json" | "prose";

/** The server's step for a question answered in a given way. */
export function answerStep(item: BfclEvalItem, kind: AnswerKind): ScriptStep {
  const gt = groundTruthCalls(item);
  // the right calls with an invented argument in the first (an irrelevance question: a call of its first function)
  const spoiled = (): DecodedCall[] =>
    (gt.length > 0 ? gt : [{ [item.functions[0]?.name ?? "f"]: {} }]).map((c, i) => {
      const [fn, args] = Object.entries(c)[0] as [string, Record<string, unknown>];
      return i === 0 ? { [fn]: { ...args, zz_invented_argument: "zz-wrong-zz" } } : c;
    });
  const asTool = (calls: DecodedCall[]) => calls.map((c) => {
    const [fn, args] = Object.entries(c)[0] as [string, Record<string, unknown>];
    // written the way Python writes them: a float such as 2.0 keeps its fraction
    return { name: toApiName(fn), arguments: stringifyPyJson(args) };
  });
  switch (kind) {
    case "right":
      return gt.length === 0 ? { content: "None of the functions fits this question." } : { toolCalls: asTool(gt) };
    case "wrong-value":
      return { toolCalls: asTool(spoiled()) };
    case "bad-json":
      return { toolCalls: [{ name: toApiName(item.functions[0]?.name ?? "f"), arguments: "{not json" }] };
    case "text":
    case "prose":
      return { content: "I am not sure what to do here." };
    case "python":
    case "python-wrong-value": {
      const lit = (v: unknown): string =>
        v === null ? "None" : v === true ? "True" : v === false ? "False" : v instanceof PyFloat ? stringifyPyJson(v) : Array.isArray(v) ? `[${v.map(lit).join(", ")}]`
          : typeof v === "object" ? `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${JSON.stringify(k)}: ${lit(x)}`).join(", ")}}`
          : JSON.stringify(v);
      const text = (kind === "python" ? gt : spoiled()).map((c) => {
        const [fn, args] = Object.entries(c)[0] as [string, Record<string, unknown>];
        return `${fn}(${Object.entries(args).map(([k, v]) => `${k}=${lit(v)}`).join(", ")})`;
      });
      return { content: `[${text.join(", ")}]` };
    }
    case "json":
      return { content: "```json\n" + stringifyPyJson(gt.map((c) => { const [fn, args] = Object.entries(c)[0] as [string, unknown]; return { name: fn, arguments: args }; })) + "\n```" };
  }
}

/** A `respond` hook: each request's question found by its prompt, answered as `kindOf` says; logs the ids asked. */
export function bfclResponder(byPrompt: Map<string, BfclEvalItem>, kindOf: (item: BfclEvalItem) => AnswerKind, asked: string[] = []) {
  return (req: RecordedRequest & { body: ChatBody }): ScriptStep | undefined => {
    const item = byPrompt.get(lastUser(req.body));
    if (!item) return { content: "unknown question" };
    asked.push(item.id);
    return answerStep(item, kindOf(item));
  };
}
