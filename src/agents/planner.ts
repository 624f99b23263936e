/**
 * Planned generation: before any message is written, the Planner turns the sampled tools into a DialoguePlan
 * (an ordered list of user requirements and how they depend on each other). The plan is validated twice:
 * structurally (DialoguePlanZ, also sent as responseFormat) and semantically (validatePlan), in one
 * generateObject call: an invalid plan is sent back to the model with the errors, at most `maxAttempts` calls.
 */
import { z } from "zod";
import {
  DEFAULT_STEP_MIX,
  deriveSeed,
  DialoguePlanZ,
  PLAN_STEP_KINDS,
  PlanStepZ,
  Rng,
  type DialoguePlan,
  type StepMix,
  type ToolSample,
  type ToolSpec,
} from "../core/index.js";
import { fromZod, generateObject, type ChatModel } from "../llm/index.js";
import { bareSchema, GenerationError, noUsableAnswer, promptCacheKey } from "./common.js";
import { renderPrompt, type Persona } from "./prompts.js";
import type { PlannerContext } from "./state.js";
import { compactSchema, normalizeSchema, paramProperties, requiredParams, returnFields, shortDescription } from "./tool-schema.js";

/**
 * What the planner answers: a plan, or (with no steps) `unusable` saying why no coherent conversation fits the
 * sampled tools (no task a real user would have with them, or one that needs the user to recite credentials).
 */
export const PlannerAnswerZ = DialoguePlanZ.extend({
  steps: z.array(PlanStepZ),
  /** Set only when the sample is unusable: why (then `steps` is empty). */
  unusable: z.string().optional(),
});
export type PlannerAnswer = z.infer<typeof PlannerAnswerZ>;

/** JSON Schema of the planner's answer (its responseFormat). */
export const PLAN_JSON_SCHEMA: Record<string, unknown> = bareSchema(
  z.toJSONSchema(PlannerAnswerZ, { io: "input" }) as Record<string, unknown>,
);

/**
 * The planner declared the sample unusable (no coherent task fits its tools, or every task needs credentials the
 * user would have to recite). The run records the attempt under check `unusable_sample` and goes on with the next
 * sample; it is not a model failure.
 */
export class SampleUnusableError extends GenerationError {
  readonly reason: string;
  constructor(reason: string) {
    super("planner", `sample unusable: ${reason}`);
    this.reason = reason;
  }
}

/** User turns a plan needs: one a step, two for a clarify step (the request, then the missing value). */
export function planTurns(plan: DialoguePlan): number {
  return plan.steps.reduce((n, s) => n + (s.kind === "clarify" ? 2 : 1), 0);
}

/**
 * Semantic checks of a plan against the sampled tools. Returns human-readable problems (empty = valid):
 * step ids increase, tool names exist in the sample, dependsOn points to earlier steps, each kind has the right
 * number of tools, clarify steps name real required arguments, every sampled tool is used or listed in
 * unusedTools with a reason, and the plan fits the turn limit. With `stepMix` given, `unsupported` steps are
 * refused when its share is 0 (the run asked for none).
 */
export function validatePlan(
  plan: DialoguePlan,
  tools: readonly ToolSpec[],
  options: { maxTurns?: number; stepMix?: StepMix } = {},
): string[] {
  const errors: string[] = [];
  const names = new Set(tools.map((t) => t.name));
  const byName = new Map(tools.map((t) => [t.name, t]));
  const seen = new Set<number>();
  let prev = 0;
  const used = new Set<string>();
  plan.steps.forEach((s, i) => {
    const at = `step ${s.id} (steps[${i}])`;
    if (seen.has(s.id)) errors.push(`${at}: duplicate step id ${s.id}`);
    if (s.id <= prev) errors.push(`${at}: step ids must increase (previous id ${prev})`);
    seen.add(s.id);
    prev = Math.max(prev, s.id);
    for (const t of s.tools) {
      if (!names.has(t)) errors.push(`${at}: unknown tool "${t}" (the sampled tools are: ${[...names].join(", ")})`);
      else used.add(t);
    }
    for (const d of s.dependsOn) {
      if (!plan.steps.slice(0, i).some((e) => e.id === d))
        errors.push(`${at}: dependsOn ${d} does not name an earlier step`);
    }
    switch (s.kind) {
      case "single":
        if (s.tools.length !== 1) errors.push(`${at}: a single step calls exactly one tool (has ${s.tools.length})`);
        break;
      case "parallel":
        if (s.tools.length < 2) errors.push(`${at}: a parallel step needs at least 2 calls (has ${s.tools.length})`);
        break;
      case "chained":
        if (s.tools.length === 0) errors.push(`${at}: a chained step calls at least one tool`);
        else if (s.tools.length < 2 && s.dependsOn.length === 0)
          errors.push(`${at}: a chained step needs 2+ tools or dependsOn naming the step whose result it uses`);
        break;
      case "clarify": {
        if (s.tools.length === 0) errors.push(`${at}: a clarify step calls at least one tool`);
        const missing = s.missingArgs ?? [];
        if (missing.length === 0) errors.push(`${at}: a clarify step must list missingArgs`);
        for (const a of missing) {
          const ok = s.tools.some((t) => byName.has(t) && requiredParams(byName.get(t)!).includes(a));
          if (!ok) errors.push(`${at}: missingArgs "${a}" is not a required argument of ${s.tools.join(", ") || "its tools"}`);
        }
        break;
      }
      case "no_tool":
      case "chitchat":
        if (s.tools.length > 0) errors.push(`${at}: a ${s.kind} step calls no tools (has ${s.tools.join(", ")})`);
        break;
      case "unsupported":
        if (s.tools.length > 0)
          errors.push(`${at}: an unsupported step asks for something no tool can do, so it calls no tools (has ${s.tools.join(", ")})`);
        if (s.intent.trim() === "") errors.push(`${at}: an unsupported step needs an intent saying what the user asks for`);
        if (options.stepMix && options.stepMix.unsupported === 0)
          errors.push(`${at}: this run asks for no unsupported steps (step mix unsupported=0); use another kind`);
        break;
    }
    if (s.kind !== "clarify" && s.missingArgs && s.missingArgs.length > 0)
      errors.push(`${at}: only clarify steps have missingArgs`);
  });
  if (!plan.steps.some((s) => s.tools.length > 0)) errors.push("the plan has no step that calls a tool");
  const unused = new Set<string>();
  for (const u of plan.unusedTools) {
    if (!names.has(u.tool)) errors.push(`unusedTools: unknown tool "${u.tool}"`);
    else if (used.has(u.tool)) errors.push(`unusedTools: "${u.tool}" is used by a step`);
    if (u.reason.trim() === "") errors.push(`unusedTools: "${u.tool}" needs a reason`);
    unused.add(u.tool);
  }
  for (const n of names) {
    if (!used.has(n) && !unused.has(n)) errors.push(`tool "${n}" is neither used by a step nor listed in unusedTools`);
  }
  if (options.maxTurns !== undefined && planTurns(plan) > options.maxTurns)
    errors.push(`the plan needs ${planTurns(plan)} user turns but the limit is ${options.maxTurns}; use fewer steps`);
  return errors;
}

/**
 * How many `unsupported` steps to ask one plan for, so that over many plans about `share` of all steps are
 * unsupported: a plan has about one step per tool plus one, so it gets share/(1-share) times that many, the
 * fraction decided by the seed (a model follows "include 1 unsupported step" better than a percentage).
 */
export function unsupportedStepTarget(share: number, toolCount: number, maxTurns: number, seed: number): number {
  return unsupportedStepCount(share, toolCount + 1, maxTurns, new Rng(deriveSeed(seed, "unsupported-steps")));
}

/**
 * `share`/(1-`share`) times `base` unsupported steps: the whole part, plus one with the probability of the fraction
 * (one draw from `rng`, made only when 0 < share < 1), at most maxTurns - 1.
 */
export function unsupportedStepCount(share: number, base: number, maxTurns: number, rng: Rng): number {
  if (!(share > 0 && share < 1)) return 0;
  const x = (share / (1 - share)) * base;
  const n = Math.floor(x) + (rng.chance(x - Math.floor(x)) ? 1 : 0);
  return Math.max(0, Math.min(n, maxTurns - 1));
}

const views = new WeakMap<ToolSpec, Record<string, unknown>>();

/** The view of a tool given to prompt templates (cached per spec object). */
export function toolView(t: ToolSpec): Record<string, unknown> {
  let v = views.get(t);
  if (!v) {
    v = makeToolView(t);
    views.set(t, v);
  }
  return v;
}

function makeToolView(t: ToolSpec): Record<string, unknown> {
  return {
    name: t.name,
    description: t.description,
    summary: shortDescription(t),
    parameters: compactSchema(normalizeSchema(t.parameters), "  "),
    required: requiredParams(t),
    params: Object.keys(paramProperties(t)),
    returns: t.returns ? compactSchema(normalizeSchema(t.returns), "  ") : "",
    returnFields: returnFields(t).map((f) => f.path),
  };
}

export interface PlanOptions {
  seed: number;
  maxTurns: number;
  /** The user the conversation is planned for (their requests fit who they are). */
  persona?: Persona;
  /** Desired share of step kinds (default DEFAULT_STEP_MIX: no unsupported steps). */
  stepMix?: StepMix;
  temperature?: number;
  signal?: AbortSignal;
}

export interface PlannerOptions {
  /** Attempts in all (the first ask plus re-asks with the errors); default 3. */
  maxAttempts?: number;
}

/** Writes the dialogue plan of a tool sample. */
export class Planner {
  private readonly maxAttempts: number;
  constructor(
    private readonly model: ChatModel,
    options: PlannerOptions = {},
  ) {
    this.maxAttempts = Math.max(1, options.maxAttempts ?? 3);
  }

  async plan(sample: ToolSample, tools: ToolSpec[], options: PlanOptions): Promise<DialoguePlan> {
    const stepMix = options.stepMix ?? DEFAULT_STEP_MIX;
    const system = renderPrompt("planner", {
      tools: tools.map(toolView),
      edges: sample.edges,
      kinds: PLAN_STEP_KINDS,
      maxTurns: options.maxTurns,
      unsupportedPercent: Math.round(stepMix.unsupported * 1000) / 10,
      unsupportedSteps: unsupportedStepTarget(stepMix.unsupported, tools.length, options.maxTurns, options.seed),
      persona: options.persona ?? null,
      userSupplied: sample.userSupplied ?? [],
    });
    const context: PlannerContext = {
      agent: "planner",
      seed: options.seed,
      sample: { id: sample.id, tools: sample.tools, edges: sample.edges },
      tools,
      maxTurns: options.maxTurns,
      stepMix,
    };
    const asAnswer = fromZod(PlannerAnswerZ);
    let answer: PlannerAnswer;
    try {
      const { value } = await generateObject({
        model: this.model,
        request: {
          messages: [
            { role: "system", content: system },
            { role: "user", content: "Write the dialogue plan for these tools as JSON." },
          ],
          temperature: options.temperature,
          seed: options.seed,
          cacheKey: promptCacheKey("planner", options.seed),
          signal: options.signal,
          role: "planner",
          context,
        },
        name: "dialogue_plan",
        schema: PLAN_JSON_SCHEMA,
        parse: (v) => {
          const got = asAnswer(v);
          if (!got.ok) return got;
          const unusable = got.value.unusable?.trim() ?? "";
          if (unusable !== "") {
            return got.value.steps.length === 0
              ? { ok: true, value: { ...got.value, unusable } }
              : { ok: false, problems: ["a plan with steps cannot also be `unusable`: give steps, or no steps and the reason"] };
          }
          const { unusable: _u, ...plan } = got.value;
          const problems =
            plan.steps.length === 0
              ? ["the plan has no steps; if no coherent conversation fits these tools, say why in `unusable`"]
              : validatePlan(plan, tools, { maxTurns: options.maxTurns, stepMix });
          return problems.length > 0 ? { ok: false, problems } : { ok: true, value: plan };
        },
        maxAttempts: this.maxAttempts,
        instruction: "Return the whole corrected plan as JSON.",
      });
      answer = value;
    } catch (err) {
      throw noUsableAnswer("planner", "no valid plan", err);
    }
    if (answer.unusable) throw new SampleUnusableError(answer.unusable);
    return { steps: answer.steps, unusedTools: answer.unusedTools };
  }
}
