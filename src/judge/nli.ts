/**
 * EnR, the entailment rate: an LLM prompted as an NLI classifier (prompts/judge-nli.txt) labels each pair of
 * consecutive rounds entailment / neutral / contradiction (structured output through generateObject); EnR is the
 * share labelled entailment.
 */
import { z } from "zod";
import { renderPrompt, ToolflowError, type JsonSchema } from "../core/index.js";
import { fromZod, generateObject, ModelOutputError, type ChatModel } from "../llm/index.js";
import type { RoundPair } from "./metrics.js";

export const NLI_LABELS = ["entailment", "neutral", "contradiction"] as const;
export type NliLabel = (typeof NLI_LABELS)[number];

export const NLI_SCHEMA: JsonSchema = {
  type: "object",
  properties: {
    label: { type: "string", enum: [...NLI_LABELS] },
    rationale: { type: "string" },
  },
  required: ["label", "rationale"],
  additionalProperties: false,
};

const NliOutputZ = z.object({ label: z.enum(NLI_LABELS), rationale: z.string().default("") });

export interface NliResult {
  label: NliLabel;
  rationale: string;
}

/** The NLI prompt of one pair. */
export function buildNliPrompt(pair: Pick<RoundPair, "previous" | "current">): string {
  return renderPrompt("judge-nli", { premise: pair.previous, hypothesis: pair.current });
}

/** Classify one pair (role "nli"). Throws ToolflowError NLI_OUTPUT_INVALID when no answer is usable. */
export async function classifyPair(
  model: ChatModel,
  pair: Pick<RoundPair, "previous" | "current">,
  options: { seed?: number; signal?: AbortSignal; maxAttempts?: number } = {},
): Promise<NliResult> {
  try {
    const { value } = await generateObject({
      model,
      request: {
        messages: [{ role: "user", content: buildNliPrompt(pair) }],
        temperature: 0,
        ...(options.seed !== undefined ? { seed: options.seed } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        role: "nli",
      },
      name: "nli_label",
      schema: NLI_SCHEMA,
      parse: fromZod(NliOutputZ),
      maxAttempts: options.maxAttempts ?? 2,
    });
    return value;
  } catch (err) {
    if (!(err instanceof ModelOutputError)) throw err;
    throw new ToolflowError(`nli ${err.model ?? model.id}: no usable label: ${err.problems.slice(0, 3).join("; ")}`, {
      code: "NLI_OUTPUT_INVALID",
      cause: err,
    });
  }
}
