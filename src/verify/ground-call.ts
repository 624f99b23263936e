/**
 * Grounding one tool call: each leaf of its arguments gets a verdict, from the rules alone (synchronous, no model):
 * - `grounded`: the value is found in an earlier user turn or tool result (grounding.ts's normalizations);
 * - `converted`: it converts from something said there (conversions.ts: codes, months, dates, units, ...);
 * - `defaulted`: it carries nothing from the user and the schema alone allows it (a boolean, an enum member, the
 *   default, the first page, a sort order, an empty value);
 * - `knowledge`: general knowledge the parameter asks for (coordinates, a ticker symbol): flagged, not rejected;
 * - `ungrounded`: none of these (an invented value).
 *
 * The provenance check (verify.ts) grounds every call with `groundLeaf`, so the check and `groundCall`, which the
 * agents may use while a dialogue is generated, cannot disagree.
 */
import { ToolflowError, type JsonSchema, type Message, type ToolSpec } from "../core/index.js";
import { convertedFrom, defaultedBy, knowledgeOf } from "./conversions.js";
import { SourceIndex, isValueGrounded } from "./grounding.js";
import { argLeaves, type ArgLeaf } from "./schema.js";

export const LEAF_VERDICTS = ["grounded", "converted", "defaulted", "knowledge", "ungrounded"] as const;
export type LeafVerdict = (typeof LEAF_VERDICTS)[number];

/** The verdict on one leaf of a call's arguments. */
export interface GroundedLeaf {
  /** JSON pointer of the leaf inside the arguments, e.g. "/passengers/0/name". */
  path: string;
  value: string | number | boolean | null;
  verdict: LeafVerdict;
  /** How: the conversion ("country (ISO 3166-1): NL = the Netherlands"), why it is defaulted, or the knowledge. */
  how?: string;
}

export interface GroundCallOptions {
  /** See VerifyOptions.minTokenCoverage. */
  minTokenCoverage?: number;
  /** Count the system prompt as a source of values (default false; it is always read for the date it states). */
  groundInSystem?: boolean;
}

/** A call to ground: the tool (its parameter schema gives each leaf's sub-schema) and its arguments (object or JSON text). */
export interface CallToGround {
  tool: Pick<ToolSpec, "name" | "parameters">;
  arguments: Record<string, unknown> | string;
}

/**
 * The sources of a dialogue so far: user turns and tool results (and the system prompt with `groundInSystem`; else
 * it only gives the date it states). The assistant's own words are never a source; words it offered that the user
 * took up may complete a phrase (conversions.ts).
 */
export function sourceIndexOf(messages: readonly Message[], options: Pick<GroundCallOptions, "groundInSystem"> = {}): SourceIndex {
  const index = new SourceIndex();
  for (const m of messages) addSource(index, m, options);
  return index;
}

/** Add one message to a source index as the provenance check does. */
export function addSource(index: SourceIndex, m: Message, options: Pick<GroundCallOptions, "groundInSystem"> = {}): void {
  if (m.role === "user") index.addText(m.content);
  else if (m.role === "tool") index.addToolResult(m.content);
  else if (m.role === "assistant" && m.content) index.addOffer(m.content);
  else if (m.role === "system") {
    if (options.groundInSystem) index.addText(m.content);
    else index.addContext(m.content);
  }
}

/** The verdict on one argument leaf (with its name and sub-schema) against the sources. */
export function groundLeaf(leaf: ArgLeaf, sources: SourceIndex, options: GroundCallOptions = {}): GroundedLeaf {
  const { path, value, key, schema } = leaf;
  const out = (verdict: LeafVerdict, how?: string): GroundedLeaf => ({ path, value, verdict, ...(how !== undefined ? { how } : {}) });
  const empty = value === null || (typeof value === "string" && value.trim() === "");
  if (empty) return out("defaulted", "empty");
  if (isValueGrounded(value, sources, key, { minTokenCoverage: options.minTokenCoverage })) return out("grounded");
  const converted = convertedFrom({ value, key, schema, sources });
  if (converted !== undefined) return out("converted", converted);
  const defaulted = defaultedBy(value, key, schema);
  if (defaulted !== undefined) return out("defaulted", defaulted);
  const knowledge = knowledgeOf(value, key, schema);
  if (knowledge !== undefined) return out("knowledge", knowledge);
  return out("ungrounded");
}

/**
 * Ground every leaf of one call's arguments in the messages said before it (rules only, synchronous): the one-call
 * API for the agents, and what the provenance check runs on every call. Throws ToolflowError when `arguments` is
 * JSON text that does not parse to an object.
 */
export function groundCall(
  call: CallToGround,
  sources: readonly Message[] | SourceIndex,
  options: GroundCallOptions = {},
): { leaves: GroundedLeaf[] } {
  let args: unknown = call.arguments;
  if (typeof args === "string") {
    try {
      args = JSON.parse(args);
    } catch (err) {
      throw new ToolflowError(`groundCall: the arguments of tool "${call.tool.name}" are not valid JSON (${(err as Error).message})`, {
        code: "ARGUMENTS_INVALID",
      });
    }
  }
  if (args === null || typeof args !== "object" || Array.isArray(args)) {
    throw new ToolflowError(`groundCall: the arguments of tool "${call.tool.name}" must be a JSON object`, { code: "ARGUMENTS_INVALID" });
  }
  const index = sources instanceof SourceIndex ? sources : sourceIndexOf(sources, options);
  const schema = call.tool.parameters as JsonSchema;
  return { leaves: argLeaves(args, schema).map((leaf) => groundLeaf(leaf, index, options)) };
}
