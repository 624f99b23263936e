/**
 * The LLM judge of the paper's quality evaluation: naturalness, coherence, helpfulness and accuracy, 1-5 each,
 * asked for as structured JSON (responseFormat) and validated here.
 */
import { z } from "zod";
import { ToolflowError } from "../core/index.js";
import { promptText, renderTemplateText } from "../core/index.js";
import type { JsonSchema, Message, ToolSpec, Usage } from "../core/index.js";
import { fromZod, generateObject, ModelOutputError, type ChatModel } from "../llm/index.js";
import type { JudgeScores } from "./types.js";

/** JSON schema given to the model as responseFormat. */
export const JUDGE_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    naturalness: { type: "integer", minimum: 1, maximum: 5 },
    coherence: { type: "integer", minimum: 1, maximum: 5 },
    helpfulness: { type: "integer", minimum: 1, maximum: 5 },
    accuracy: { type: "integer", minimum: 1, maximum: 5 },
    rationale: { type: "string" },
  },
  required: ["naturalness", "coherence", "helpfulness", "accuracy", "rationale"],
  additionalProperties: false,
};

const Score = z.number().int().min(1).max(5);
export const JudgeOutputZ = z.object({
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
export type JudgedTool = Pick<ToolSpec, "name" | "description"> & { parameters: unknown };

export interface JudgeResult {
  scores: JudgeScores;
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
  const tools = d.tools.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters }));
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
    const { rationale, ...scores } = value;
    return { scores, rationale, model: result.model, usage: result.usage };
  } catch (err) {
    if (!(err instanceof ModelOutputError)) throw err;
    throw new ToolflowError(`judge ${err.model ?? model.id}: no usable scores: ${err.problems.slice(0, 3).join("; ")}`, {
      code: "JUDGE_OUTPUT_INVALID",
      cause: err,
    });
  }
}
