/**
 * The LLM judge of the paper's quality evaluation: naturalness, coherence, helpfulness and accuracy, 1-5 each,
 * asked for as structured JSON (responseFormat) and validated here; with them, the flaws it finds, each of a kind a
 * dataset reviewer rejects a dialogue for (`JUDGE_FLAW_KINDS`; `synth --judge-flaws` rejects on them).
 */
import { z } from "zod";
import { ToolflowError } from "../core/index.js";
import { promptText, renderTemplateText } from "../core/index.js";
import type { JsonSchema, Message, ToolSpec, Usage } from "../core/index.js";
import { fromZod, generateObject, ModelOutputError, type ChatModel } from "../llm/index.js";
import type { JudgeScores } from "./types.js";

/**
 * The flaws the judge may name, each a reason a careful reviewer drops a dialogue from training data (prompts/judge.txt
 * defines them for the model).
 */
export const JUDGE_FLAW_KINDS = [
  "invented_value",
  "misreported_result",
  "unperformed_action",
  "pointless_action",
  "decided_for_user",
  "wrong_call",
  "no_outcome",
  "garbled_turn",
] as const;
export type JudgeFlawKind = (typeof JUDGE_FLAW_KINDS)[number];

/** One flaw the judge found: its kind and where and what, in one sentence. */
export interface JudgeFlaw {
  kind: JudgeFlawKind;
  note: string;
}

/** JSON schema given to the model as responseFormat. */
export const JUDGE_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    flaws: {
      type: "array",
      items: {
        type: "object",
        properties: { kind: { type: "string", enum: [...JUDGE_FLAW_KINDS] }, note: { type: "string" } },
        required: ["kind", "note"],
        additionalProperties: false,
      },
    },
    naturalness: { type: "integer", minimum: 1, maximum: 5 },
    coherence: { type: "integer", minimum: 1, maximum: 5 },
    helpfulness: { type: "integer", minimum: 1, maximum: 5 },
    accuracy: { type: "integer", minimum: 1, maximum: 5 },
    rationale: { type: "string" },
  },
  required: ["flaws", "naturalness", "coherence", "helpfulness", "accuracy", "rationale"],
  additionalProperties: false,
};

const Score = z.number().int().min(1).max(5);
export const JudgeFlawZ = z.object({ kind: z.enum(JUDGE_FLAW_KINDS), note: z.string() });
export const JudgeOutputZ = z.object({
  // a judge answering the older rubric (scores only) has found no flaw it could name
  flaws: z.array(JudgeFlawZ).default([]),
  naturalness: Score,
  coherence: Score,
  helpfulness: Score,
  accuracy: Score,
  rationale: z.string().default(""),
});

export interface JudgeOptions {
  temperature?: number;
  seed?: number;
  signal?: AbortSignal;
  /** Calls in all (the first ask plus re-asks with what was wrong). Default 2. */
  maxAttempts?: number;
  /** Prompt template text to use instead of prompts/judge.txt (Jinja, with the variables `tools` and `dialogue`). */
  template?: string;
}

/** What the judge reads of a tool (a ToolSpec, or a chat tool of an exported dataset). */
export type JudgedTool = Pick<ToolSpec, "name" | "description"> & { parameters: unknown; returns?: unknown };

export interface JudgeResult {
  scores: JudgeScores;
  /** The flaws the judge named (empty when none). */
  flaws: JudgeFlaw[];
  rationale: string;
  model: string;
  usage: Usage;
}

/** The dialogue as plain text for the judge: one block per message, calls with their JSON arguments. */
export function renderTranscript(messages: Message[]): string {
  const lines: string[] = [];
  for (const m of messages) {
    if (m.role === "system") lines.push(`[system] ${m.content}`);
    else if (m.role === "user") lines.push(`[user] ${m.content}`);
    else if (m.role === "tool") lines.push(`[tool result${m.name ? ` ${m.name}` : ""}] ${m.content}`);
    else {
      if (m.content && m.content.trim() !== "") lines.push(`[assistant] ${m.content}`);
      for (const c of m.tool_calls ?? []) lines.push(`[assistant calls] ${c.function.name}(${c.function.arguments})`);
    }
  }
  return lines.join("\n");
}

/** The judge prompt: prompts/judge.txt (or `template`, the same Jinja syntax) rendered with the tools and the dialogue. */
export function buildJudgePrompt(d: { tools: JudgedTool[]; messages: Message[] }, template?: string): string {
  // what a result's fields mean (their units, currencies, formats) is in `returns`: the judge needs it to tell a
  // faithful report from a misreported one
  const tools = d.tools.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters, ...(t.returns !== undefined ? { returns: t.returns } : {}) }));
  return renderTemplateText(
    template ?? promptText("judge"),
    { tools: JSON.stringify(tools, null, 1), dialogue: renderTranscript(d.messages) },
    template === undefined ? "prompt template judge.txt" : "judge template",
  );
}

/**
 * Ask `model` to rate a dialogue (generateObject: the scores are checked against the schema and re-asked, at most
 * `maxAttempts` calls). Throws ToolflowError (code JUDGE_OUTPUT_INVALID) when no answer is usable.
 */
export async function judgeDialogue(
  model: ChatModel,
  d: { tools: JudgedTool[]; messages: Message[] },
  options: JudgeOptions = {},
): Promise<JudgeResult> {
  const prompt = buildJudgePrompt(d, options.template);
  try {
    const { value, result } = await generateObject({
      model,
      request: {
        messages: [{ role: "user", content: prompt }],
        temperature: options.temperature ?? 0,
        seed: options.seed,
        signal: options.signal,
        role: "judge",
      },
      name: "dialogue_scores",
      schema: JUDGE_SCHEMA,
      parse: fromZod(JudgeOutputZ),
      maxAttempts: options.maxAttempts ?? 2,
    });
    const { rationale, flaws, ...scores } = value;
    return { scores, flaws, rationale, model: result.model, usage: result.usage };
  } catch (err) {
    if (!(err instanceof ModelOutputError)) throw err;
    throw new ToolflowError(`judge ${err.model ?? model.id}: no usable scores: ${err.problems.slice(0, 3).join("; ")}`, {
      code: "JUDGE_OUTPUT_INVALID",
      cause: err,
    });
  }
}
