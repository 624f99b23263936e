/**
 * Where the sim policy takes argument values from. The simulated user and the simulated assistant use the same
 * rules, so the user states exactly the values the assistant cannot take from earlier tool results.
 */
import { deriveSeed, Rng } from "../core/index.js";
import type { DialoguePlan, JsonSchema, ToolSpec } from "../core/index.js";
import type { KnownField } from "../agents/index.js";
import {
  fieldFillsParam,
  isIdLike,
  paramProperties,
  requiredParams,
  returnFields,
  toolByName,
  typesCompatible,
} from "../agents/index.js";
import { fakeValue } from "./fake-value.js";
import { coherent, startsEmpty } from "./values.js";

/** Values that belong to the user rather than to one call (the same in every call of a parallel step). */
export const PERSONAL = /token|secret|password|api_?key|client_?id|user_?name|first_?name|last_?name|email/i;

/** Free texts a person writes anew (a note's content, a message): never copied from an earlier result. */
const FREE_TEXT = /^(content|text|body|message|comment|description|note|notes|title|subject|reason|feedback|review)$/i;

/**
 * Whether some result field of `producer` fills `param` in sim dialogues: producesParam, except for fields inside
 * lists that start empty in sim results (the items of a cart just created).
 */
export function simProduces(producer: ToolSpec, param: string, paramSchema?: JsonSchema): boolean {
  if (FREE_TEXT.test(param)) return false;
  return returnFields(producer).some(
    (f) =>
      fieldFillsParam(f.name, producer.name, param) &&
      typesCompatible(f.schema, paramSchema) &&
      !(f.path.includes(".") && startsEmpty(producer.name, f.path.split(".")[0]!)),
  );
}

export interface RequestScope {
  stepId: number | null;
  dependsOn: number[];
}

/**
 * The earlier value that fills `param`, or undefined. Id-like parameters (ids, tokens, keys) take the latest
 * matching value from any earlier result or argument; other parameters only from results of the same step or of
 * a step it depends on (a later request restates dates, places... in words).
 */
export function resolveParam(
  param: string,
  scope: RequestScope,
  known: readonly KnownField[],
  schema?: JsonSchema,
): KnownField | undefined {
  const idLike = isIdLike(param);
  let found: KnownField | undefined;
  for (let i = known.length - 1; i >= 0; i--) {
    const k = known[i]!;
    // Within the latest call that has a match, the first one (the first item of a list, the call's own argument).
    if (found && k.callId !== found.callId) break;
    if (!fieldFillsParam(k.name, k.tool, param)) continue;
    if (!fitsType(schema, k.value)) continue;
    if (!idLike) {
      if (FREE_TEXT.test(param)) break;
      if (k.from !== "result" || k.stepId === null) continue;
      if (!(k.stepId === scope.stepId || scope.dependsOn.includes(k.stepId))) continue;
    }
    found = k;
  }
  return found;
}

/** Whether a JSON value fits the basic type of a parameter schema. */
export function fitsType(schema: JsonSchema | undefined, v: unknown): boolean {
  if (!schema) return true;
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) return false;
  const t = schema.type;
  const types = typeof t === "string" ? [t] : Array.isArray(t) ? t : [];
  if (types.length === 0) return true;
  return types.some((ty) => {
    switch (ty) {
      case "string":
        return typeof v === "string";
      case "integer":
      case "int":
        return typeof v === "number" && Number.isInteger(v);
      case "number":
      case "float":
        return typeof v === "number";
      case "boolean":
        return typeof v === "boolean";
      default:
        return true;
    }
  });
}

/**
 * The value the simulated user gives for `param` of `tool`. Seeded by the parameter name (not the step), so the
 * same kind of value (a date, a token) stays the same through the dialogue; `variant` separates the calls of a
 * parallel step that uses one tool twice.
 */
export function userValue(
  seed: number,
  tool: ToolSpec,
  param: string,
  variant: number,
  personName: string,
  depth = 0,
): unknown {
  const props = paramProperties(tool);
  const schema = (props[param] ?? { type: "string" }) as JsonSchema;
  // Things that belong to the user, not to one call (their token, password, name), stay the same in a parallel step.
  const personal = PERSONAL.test(param);
  const gen = (attempt: number) =>
    fakeValue(
      schema,
      {
        name: param,
        description: typeof schema.description === "string" ? schema.description : undefined,
        toolDescription: tool.description,
        tool: tool.name,
        personName,
        purpose: "argument",
      },
      // (a free text is written for its call: a note's content differs from the text appended to another)
      new Rng(deriveSeed(seed, `value:${FREE_TEXT.test(param) ? `${tool.name}:` : ""}${param}:${personal ? 0 : variant}${attempt > 0 ? `:${attempt}` : ""}`)),
    );
  const value = gen(0);
  if (depth > 1) return value;
  // Values that depend on another parameter of the call: a check-out date after the check-in date, a postal
  // code of the city, a target unit other than the source unit. The sibling's value is computed the same way.
  return coherent(param, value, {
    names: Object.keys(props),
    get: (n) => (n in props ? userValue(seed, tool, n, variant, personName, depth + 1) : undefined),
    regen: gen,
    rng: new Rng(deriveSeed(seed, `value:${param}:${variant}:related`)),
    schema,
    argument: true,
  });
}

/**
 * Whether the value of `param` for the call at `index` of a request is expected from a tool result: it
 * resolves from what is known now, or an earlier call of the same request returns it.
 */
export function expectedFromResults(
  param: string,
  index: number,
  callTools: readonly string[],
  tools: readonly ToolSpec[],
  scope: RequestScope,
  known: readonly KnownField[],
): boolean {
  const own = toolByName(tools, callTools[index] ?? "");
  const schema = own ? (paramProperties(own)[param] as JsonSchema | undefined) : undefined;
  if (resolveParam(param, scope, known, schema)) return true;
  return callTools.slice(0, index).some((t) => {
    const spec = toolByName(tools, t);
    return spec !== undefined && spec.name !== callTools[index] && simProduces(spec, param, schema);
  });
}

/** Required parameters of `tool` that the user would have to state (no earlier tool in `before` returns them). */
export function userSuppliedParams(tool: ToolSpec, before: readonly ToolSpec[]): string[] {
  const props = paramProperties(tool);
  return requiredParams(tool).filter(
    (p) =>
      !before.some((b) => simProduces(b, p, props[p])) &&
      !(isIdLike(p) && before.some((b) => Object.keys(paramProperties(b)).includes(p))),
  );
}

/** The tool a no_tool step asks about: the first tool of the next tool step, else of an earlier one. */
export function subjectTool(plan: DialoguePlan | null, stepIndex: number, tools: readonly ToolSpec[]): ToolSpec | undefined {
  if (plan) {
    for (const s of plan.steps.slice(stepIndex + 1)) if (s.tools[0]) return toolByName(tools, s.tools[0]);
    for (const s of plan.steps.slice(0, stepIndex).reverse()) if (s.tools[0]) return toolByName(tools, s.tools[0]);
  }
  return tools[0];
}
