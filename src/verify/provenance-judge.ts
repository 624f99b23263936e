/**
 * `--provenance judge:<spec>`: the rules decide what they can (groundDialogue); the argument values they leave
 * ungrounded go to a model as entailment questions ("does the conversation support `arg = value`?"), all the
 * leaves of one dialogue in one request (prompts/provenance-judge.txt, through generateObject, role "provenance").
 * A value the model finds supported is `entailed` and no longer fails the check.
 */
import { z } from "zod";
import { renderPrompt, ToolflowError, UsageError, type CheckResult, type JsonSchema, type Message, type Verification } from "../core/index.js";
import { fromZod, generateObject, ModelOutputError, type ChatModel, type Checked } from "../llm/index.js";
import { groundDialogue, provenanceResult, type ProvenanceLeaf } from "./verify.js";
import type { VerifiableDialogue, VerifyOptions } from "./types.js";

/** The spec prefix of `--provenance judge:<model spec>`. */
export const PROVENANCE_JUDGE_PREFIX = "judge:";

/**
 * Read a `--provenance` value: reject, flag, off, or judge:<model spec> (rules first, then the model; a value the
 * model does not support fails the check as in reject mode). Throws ToolflowError naming the option otherwise.
 */
export function parseProvenanceOption(value: string, option = "--provenance"): { mode: "reject" | "flag" | "off"; judge?: string } {
  if (value === "reject" || value === "flag" || value === "off") return { mode: value };
  if (value.startsWith(PROVENANCE_JUDGE_PREFIX)) {
    const spec = value.slice(PROVENANCE_JUDGE_PREFIX.length).trim();
    if (spec !== "") return { mode: "reject", judge: spec };
  }
  throw new UsageError(`${option} must be reject, flag, off or judge:<model spec> (got "${value}")`);
}

export const PROVENANCE_JUDGE_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    verdicts: {
      type: "array",
      items: {
        type: "object",
        properties: { id: { type: "integer" }, supported: { type: "boolean" }, reason: { type: "string" } },
        required: ["id", "supported", "reason"],
        additionalProperties: false,
      },
    },
  },
  required: ["verdicts"],
  additionalProperties: false,
};

const VerdictsZ = z.object({
  verdicts: z.array(z.object({ id: z.number().int(), supported: z.boolean(), reason: z.string().default("") })),
});
type Verdicts = z.infer<typeof VerdictsZ>;

/** One question put to the model: an ungrounded leaf, numbered from 1. */
export interface ProvenanceQuestion {
  id: number;
  leaf: ProvenanceLeaf;
}

export interface ProvenanceJudgeOptions {
  seed?: number;
  signal?: AbortSignal;
  /** Calls in all (the first ask plus re-asks with what was wrong). Default 2. */
  maxAttempts?: number;
}

/** The model's answer on one question. */
export interface ProvenanceJudgement {
  tool: string;
  callId: string;
  path: string;
  value: ProvenanceLeaf["value"];
  supported: boolean;
  reason: string;
}

export interface ProvenanceJudgeResult {
  /** The provenance check after the judge (the rules' check when nothing was left to ask). */
  check: CheckResult;
  judgements: ProvenanceJudgement[];
  /** The model that answered, when one was asked. */
  model?: string;
}

/** The conversation with numbered messages, calls with their JSON arguments. */
function numberedTranscript(messages: Message[]): string {
  return messages
    .map((m, i) => {
      if (m.role === "assistant") {
        const parts = [];
        if (m.content && m.content.trim() !== "") parts.push(`#${i} [assistant] ${m.content}`);
        for (const c of m.tool_calls ?? []) parts.push(`#${i} [assistant calls] ${c.function.name}(${c.function.arguments})`);
        return parts.join("\n");
      }
      if (m.role === "tool") return `#${i} [tool result${m.name ? ` ${m.name}` : ""}] ${m.content}`;
      return `#${i} [${m.role}] ${m.content}`;
    })
    .filter((s) => s !== "")
    .join("\n");
}

/** The entailment prompt of a dialogue's unsettled leaves (prompts/provenance-judge.txt). */
export function buildProvenancePrompt(d: VerifiableDialogue, questions: ProvenanceQuestion[]): string {
  const tools = d.tools.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters }));
  return renderPrompt("provenance-judge", {
    tools: JSON.stringify(tools, null, 1),
    dialogue: numberedTranscript(d.messages),
    questions: questions.map((q) => ({
      id: q.id,
      tool: q.leaf.tool,
      message: q.leaf.message,
      path: q.leaf.path.slice(1) || "(arguments)",
      value: JSON.stringify(q.leaf.value),
    })),
  });
}

function answersEveryQuestion(ids: number[]): (value: unknown) => Checked<Verdicts> {
  const parse = fromZod(VerdictsZ);
  return (value) => {
    const r = parse(value);
    if (!r.ok) return r;
    const seen = new Map<number, number>();
    for (const v of r.value.verdicts) seen.set(v.id, (seen.get(v.id) ?? 0) + 1);
    const problems: string[] = [];
    for (const id of ids) if (!seen.has(id)) problems.push(`verdicts: no verdict for question ${id}`);
    for (const [id, n] of seen) {
      if (!ids.includes(id)) problems.push(`verdicts: there is no question ${id}`);
      else if (n > 1) problems.push(`verdicts: question ${id} answered ${n} times`);
    }
    return problems.length > 0 ? { ok: false, problems } : r;
  };
}

/**
 * The provenance check of a dialogue with the judge: the rules' verdicts, then one request for every leaf they left
 * ungrounded. Metrics add `judged` (leaves asked) and `entailed` (found supported). Throws ToolflowError
 * PROVENANCE_JUDGE_OUTPUT_INVALID when no answer is usable.
 */
export async function judgeProvenance(
  model: ChatModel,
  d: VerifiableDialogue,
  options: VerifyOptions & ProvenanceJudgeOptions = {},
): Promise<ProvenanceJudgeResult> {
  const leaves = groundDialogue(d, options);
  const questions: ProvenanceQuestion[] = leaves.filter((l) => l.verdict === "ungrounded").map((leaf, i) => ({ id: i + 1, leaf }));
  if (questions.length === 0) return { check: provenanceResult(leaves, "reject", { judged: 0, entailed: 0 }), judgements: [] };
  let verdicts: Verdicts;
  let answeredBy: string;
  try {
    const { value, result } = await generateObject({
      model,
      request: {
        messages: [{ role: "user", content: buildProvenancePrompt(d, questions) }],
        temperature: 0,
        ...(options.seed !== undefined ? { seed: options.seed } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        role: "provenance",
      },
      name: "provenance_verdicts",
      schema: PROVENANCE_JUDGE_SCHEMA,
      parse: answersEveryQuestion(questions.map((q) => q.id)),
      maxAttempts: options.maxAttempts ?? 2,
    });
    verdicts = value;
    answeredBy = result.model;
  } catch (err) {
    if (!(err instanceof ModelOutputError)) throw err;
    throw new ToolflowError(`provenance judge ${err.model ?? model.id}: no usable verdicts: ${err.problems.slice(0, 3).join("; ")}`, {
      code: "PROVENANCE_JUDGE_OUTPUT_INVALID",
      cause: err,
    });
  }
  const byId = new Map(verdicts.verdicts.map((v) => [v.id, v]));
  const judgements: ProvenanceJudgement[] = [];
  const why = new Map<ProvenanceLeaf, string>();
  for (const q of questions) {
    const v = byId.get(q.id);
    const supported = v?.supported ?? false;
    const reason = v?.reason ?? "";
    if (supported) q.leaf.verdict = "entailed";
    else if (reason !== "") why.set(q.leaf, `judge: ${reason}`);
    judgements.push({ tool: q.leaf.tool, callId: q.leaf.callId, path: q.leaf.path, value: q.leaf.value, supported, reason });
  }
  const entailed = judgements.filter((j) => j.supported).length;
  const check = provenanceResult(leaves, "reject", { judged: questions.length, entailed }, (l) => why.get(l));
  return { check, judgements, model: answeredBy };
}

/** A verification with its provenance check replaced (passed recomputed). */
export function withProvenanceCheck(v: Verification, check: CheckResult): Verification {
  const checks = v.checks.map((c) => (c.name === "provenance" ? check : c));
  return { passed: checks.every((c) => c.passed), checks };
}
