/**
 * The data that flows between stages, each with a zod schema used wherever it is read back from disk:
 *   tools.jsonl (ToolSpec) -> graph.json (ToolGraphJson) -> samples.jsonl (ToolSample)
 *   -> dialogues.jsonl (DialogueRecord) -> exports.
 */
import { z } from "zod";

/** A JSON Schema, kept as a plain object (validated with ajv where it matters). */
export type JsonSchema = { [key: string]: unknown };

// ---- roles

/** The roles of one dialogue: who writes the plan and who speaks. Defined once; every stage uses this list. */
export const DIALOGUE_ROLES = ["planner", "user", "assistant", "tool"] as const;
export type DialogueRole = (typeof DIALOGUE_ROLES)[number];
/** Who asks a model: a dialogue role, the judge, an evaluation, or a caller's own name (usage is counted per role). */
export type ModelRole = DialogueRole | "judge" | "eval" | (string & {});
export const JsonSchemaZ = z.record(z.string(), z.unknown());

export const TOOL_FORMATS = ["openai", "bfcl", "openapi", "mcp", "toolbench", "toolspec"] as const;
export type ToolFormat = (typeof TOOL_FORMATS)[number];

/**
 * A live MCP server a tool was listed from (`tools import mcp+stdio:...` / `mcp+http://...`), so an executor can
 * reach it at synthesis time. Never holds secrets: no environment, and URLs without user-info.
 */
export const McpServerRefZ = z.discriminatedUnion("transport", [
  z.object({ transport: z.literal("stdio"), command: z.string().min(1), args: z.array(z.string()) }),
  z.object({ transport: z.literal("http"), url: z.string().min(1) }),
]);
export type McpServerRef = z.infer<typeof McpServerRefZ>;

/** Where a parameter of an OpenAPI operation goes in the HTTP request. */
export const HTTP_PARAM_LOCATIONS = ["path", "query", "header", "cookie", "body"] as const;

/**
 * The OpenAPI operation behind a tool, so the `http` executor can call it: method, path template, the document's
 * server URLs, and where each parameter goes (`body` = a property of the JSON body; `bodyParam` = the parameter
 * that is the whole body when the body is not an object).
 */
export const HttpOperationRefZ = z.object({
  method: z.string().min(1),
  path: z.string().min(1),
  servers: z.array(z.string()).default([]),
  params: z.record(z.string(), z.object({ in: z.enum(HTTP_PARAM_LOCATIONS), name: z.string() })),
  bodyParam: z.string().optional(),
  /** The request body's media type when it is not JSON (e.g. application/x-www-form-urlencoded). */
  bodyType: z.string().optional(),
});
export type HttpOperationRef = z.infer<typeof HttpOperationRefZ>;

/** Where a tool came from: the file, the JSON pointer (or line) inside it, and the detected format. */
export const ToolSourceZ = z.object({
  file: z.string(),
  pointer: z.string(),
  line: z.number().int().optional(),
  format: z.enum(TOOL_FORMATS),
  /** Set when the tool was listed from a running MCP server. */
  mcp: McpServerRefZ.optional(),
  /** Set for OpenAPI operations: how to call them over HTTP. */
  http: HttpOperationRefZ.optional(),
});

/** MCP tool annotations (hints about what a call does), kept from the server's tools/list. */
export const ToolAnnotationsZ = z
  .object({
    title: z.string().optional(),
    readOnlyHint: z.boolean().optional(),
    destructiveHint: z.boolean().optional(),
    idempotentHint: z.boolean().optional(),
    openWorldHint: z.boolean().optional(),
  })
  .strip();
export type ToolAnnotations = z.infer<typeof ToolAnnotationsZ>;
export type ToolSource = z.infer<typeof ToolSourceZ>;

/** One tool, normalized. `parameters` is always a JSON Schema of type "object". */
export const ToolSpecZ = z.object({
  name: z.string().min(1),
  description: z.string(),
  parameters: z
    .object({ type: z.literal("object"), properties: z.record(z.string(), JsonSchemaZ).optional() })
    .catchall(z.unknown()),
  returns: JsonSchemaZ.optional(),
  source: ToolSourceZ,
  category: z.string().optional(),
  /** The tool's name in its source when `name` differs (sanitized to OpenAI's rule, or renamed on a conflict). */
  originalName: z.string().optional(),
  /** MCP annotations (read-only, destructive, ...) when the source gave them. */
  annotations: ToolAnnotationsZ.optional(),
});
export type ToolSpec = z.infer<typeof ToolSpecZ>;

// ---------------------------------------------------------------- graph.json

export const EDGE_KINDS = ["P-P", "P-R"] as const;
export type EdgeKind = (typeof EDGE_KINDS)[number];

export const GraphNodeZ = z
  .object({ id: z.string(), name: z.string(), category: z.string().optional() })
  .catchall(z.unknown());
export type GraphNode = z.infer<typeof GraphNodeZ>;

/** Why two tools are joined: the pair of fields whose embeddings were similar. */
export const EdgeEvidenceZ = z.object({
  /** Field of the edge's `source` tool: a parameter (P-P) or a return field path like `booking.booking_id` (P-R). */
  sourceField: z.string(),
  /** Parameter of the edge's `target` tool. */
  targetField: z.string(),
  similarity: z.number(),
});
export type EdgeEvidence = z.infer<typeof EdgeEvidenceZ>;

export const GraphEdgeZ = z.object({
  source: z.string(),
  target: z.string(),
  kind: z.enum(EDGE_KINDS),
  weight: z.number(),
  evidence: z.array(EdgeEvidenceZ),
});
export type GraphEdge = z.infer<typeof GraphEdgeZ>;

export const ToolGraphJsonZ = z.object({
  nodes: z.array(GraphNodeZ),
  edges: z.array(GraphEdgeZ),
  meta: z.record(z.string(), z.unknown()).optional(),
});
export type ToolGraphJson = z.infer<typeof ToolGraphJsonZ>;

// ---------------------------------------------------------------- samples.jsonl

export const SAMPLING_STRATEGIES = ["walk", "random", "balanced"] as const;
export type SamplingStrategy = (typeof SAMPLING_STRATEGIES)[number];

/** A parameter of a sampled tool and the producing tool its description names (`cart_id` of addToCart, createCart). */
export const ProducerRefZ = z.object({
  /** The consuming tool (in the sample). */
  tool: z.string(),
  /** The parameter's path (`cart_id`, `filter.since`). */
  param: z.string(),
  /** The tool the parameter's description names as the value's source. */
  producer: z.string(),
});
export type ProducerRef = z.infer<typeof ProducerRefZ>;

export const ToolSampleZ = z.object({
  id: z.string(),
  /** Tool names (graph node ids), in walk order. */
  tools: z.array(z.string()).min(1),
  /** Edges walked, as [from, to] node ids with the edge kind. */
  edges: z.array(z.object({ from: z.string(), to: z.string(), kind: z.enum(EDGE_KINDS) })),
  strategy: z.enum(SAMPLING_STRATEGIES),
  seed: z.number().int(),
  requestedSize: z.number().int(),
  /** Set when the walk stopped short of requestedSize (dead end), with the reason. */
  short: z.string().optional(),
  /**
   * Producers added after the walk: `param` of `tool` names `producer` ("the id from createCart"), which the walk
   * did not reach, and the graph has the P-R edge producer -> tool. Absent when none was added (or the sample was
   * drawn without the tool specs).
   */
  addedProducers: z.array(ProducerRefZ).optional(),
  /**
   * Parameters that name a producer still outside the sample (no P-R edge, or the sample already held --size max
   * + 1 tools): the user must supply the value. One entry per (tool, param, named producer). Absent when none.
   */
  userSupplied: z.array(ProducerRefZ).optional(),
});
export type ToolSample = z.infer<typeof ToolSampleZ>;

// ---------------------------------------------------------------- dialogue plans

export const PLAN_STEP_KINDS = ["single", "parallel", "chained", "clarify", "no_tool", "chitchat", "unsupported"] as const;
export type PlanStepKind = (typeof PLAN_STEP_KINDS)[number];
/** Step kinds that call no tool. */
export const NO_CALL_STEP_KINDS: readonly PlanStepKind[] = ["no_tool", "chitchat", "unsupported"];

/**
 * The desired share of plan steps of some kinds, over a run (`synth --step-mix unsupported=0.1`). Only
 * `unsupported` can be set so far; the other kinds follow from the tools. Default: `DEFAULT_STEP_MIX`.
 */
export interface StepMix {
  /** Share of plan steps that are `unsupported` requests, 0..0.5. */
  unsupported: number;
}
/** Largest share of unsupported steps a mix may ask for (a dialogue is mostly about what the tools do). */
export const MAX_UNSUPPORTED_SHARE = 0.5;
/** Off by default: the paper's data has no such steps, and default runs stay what they were (see docs/synth.md). */
export const DEFAULT_STEP_MIX: StepMix = { unsupported: 0 };

/**
 * One user requirement of a dialogue plan.
 * - single: one tool call; parallel: several calls in one assistant turn; chained: calls where a later one needs
 *   an earlier result (within the step, or from a step in `dependsOn`); clarify: the user leaves out a required
 *   argument (`missingArgs`) so the assistant must ask; no_tool: answered without tools; chitchat: small talk;
 *   unsupported: a request none of the tools can serve (best one near a tool: same domain, an action no tool
 *   offers), answered with no call and a short explanation.
 */
export const PlanStepZ = z.object({
  id: z.number().int().min(1),
  kind: z.enum(PLAN_STEP_KINDS),
  /** What the user wants, in a sentence (logic, not wording). */
  intent: z.string().min(1),
  /** Tools the step calls, in order (empty for no_tool / chitchat / unsupported). */
  tools: z.array(z.string()),
  /** Ids of earlier steps whose results this step uses. */
  dependsOn: z.array(z.number().int()).default([]),
  /** For clarify steps: required arguments the user leaves out at first. */
  missingArgs: z.array(z.string()).optional(),
});
export type PlanStep = z.infer<typeof PlanStepZ>;

export const DialoguePlanZ = z.object({
  steps: z.array(PlanStepZ).min(1),
  /** Sampled tools the plan does not use, each with the reason. */
  unusedTools: z.array(z.object({ tool: z.string(), reason: z.string() })).default([]),
});
export type DialoguePlan = z.infer<typeof DialoguePlanZ>;

// ---------------------------------------------------------------- messages (OpenAI chat format)

export const ToolCallZ = z.object({
  id: z.string(),
  type: z.literal("function"),
  function: z.object({ name: z.string(), arguments: z.string() }),
});
export type ToolCall = z.infer<typeof ToolCallZ>;

export const MessageZ = z.discriminatedUnion("role", [
  z.object({ role: z.literal("system"), content: z.string() }),
  z.object({ role: z.literal("user"), content: z.string() }),
  z.object({
    role: z.literal("assistant"),
    content: z.string().nullable(),
    tool_calls: z.array(ToolCallZ).optional(),
  }),
  z.object({ role: z.literal("tool"), tool_call_id: z.string(), name: z.string().optional(), content: z.string() }),
]);
export type Message = z.infer<typeof MessageZ>;

// ---------------------------------------------------------------- dialogue records

export const UsageZ = z.object({
  promptTokens: z.number(),
  completionTokens: z.number(),
  cachedTokens: z.number().default(0),
  /** True when some counts were estimated with a tokenizer because the server omitted usage. */
  estimated: z.boolean().default(false),
});
export type Usage = z.infer<typeof UsageZ>;

export const CheckResultZ = z.object({
  name: z.string(),
  passed: z.boolean(),
  /** Human-readable reasons when not passed (or notes when flagged). */
  reasons: z.array(z.string()).default([]),
  /** Non-fatal findings (e.g. ungrounded arguments in flag mode). */
  flagged: z.boolean().default(false),
  /** True when the check did not run (e.g. the plan check of a --no-plan dialogue); then `passed` is true. */
  skipped: z.boolean().optional(),
  metrics: z.record(z.string(), z.number()).optional(),
});
export type CheckResult = z.infer<typeof CheckResultZ>;

export const VerificationZ = z.object({
  passed: z.boolean(),
  checks: z.array(CheckResultZ),
});
export type Verification = z.infer<typeof VerificationZ>;

/**
 * One content block of a real MCP tool result, as kept in a record (MCP's `CallToolResult.content`): text as it
 * came; a resource link with its URI; an embedded resource with its URI and text (cut at TOOL_CONTENT_TEXT_LIMIT
 * characters, `truncated` then holding the full length); binary data (images, audio, blob resources) never kept:
 * only its media type, its size in bytes and a short note.
 */
export const ToolContentPartZ = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text"), text: z.string() }),
  z.object({
    type: z.literal("resource_link"),
    uri: z.string(),
    name: z.string().optional(),
    title: z.string().optional(),
    description: z.string().optional(),
    mimeType: z.string().optional(),
    size: z.number().optional(),
  }),
  z.object({
    type: z.literal("resource"),
    uri: z.string(),
    mimeType: z.string().optional(),
    text: z.string().optional(),
    /** The text resource's full length in characters, when `text` was cut. */
    truncated: z.number().int().optional(),
    /** A blob resource: its size in bytes (the data is not kept). */
    size: z.number().int().optional(),
    note: z.string().optional(),
  }),
  z.object({ type: z.literal("image"), mimeType: z.string(), size: z.number().int(), note: z.string() }),
  z.object({ type: z.literal("audio"), mimeType: z.string(), size: z.number().int(), note: z.string() }),
]);
export type ToolContentPart = z.infer<typeof ToolContentPartZ>;
/** Characters of an embedded text resource kept in a record. */
export const TOOL_CONTENT_TEXT_LIMIT = 4000;

/** How one tool message's result was made: simulated by the tool agent, or executed on the tool's real server. */
export const ToolExecutionZ = z.object({
  mode: z.enum(["executed", "simulated"]),
  /** The executor that ran it (`mcp`, `http`); absent when simulated. */
  executor: z.string().optional(),
  /** Where it ran: `GET http://host/path`, or the MCP server. */
  target: z.string().optional(),
  /** The real call failed (HTTP 4xx/5xx, MCP error result, timeout); the message carries {"error": ...}. */
  error: z.boolean().optional(),
  /** The real result did not match the tool's `returns` schema (the problems). */
  returnsMismatch: z.array(z.string()).optional(),
  /** Why a call that was to be executed was simulated instead (e.g. a write without --allow-writes). */
  note: z.string().optional(),
  /** An executed call that can change things (a write, run with --allow-writes). */
  write: z.boolean().optional(),
  /** "dialogue": it ran on the dialogue's own server process (`isolation: dialogue`); absent: a shared server. */
  isolation: z.literal("dialogue").optional(),
  /**
   * An MCP result with content other than text (resource links, embedded resources, images, audio): its content
   * blocks as kept (ToolContentPartZ). The tool message's content is these blocks as JSON unless the server also
   * gave `structuredContent`, which is then the message's content.
   */
  content: z.array(ToolContentPartZ).optional(),
});
export type ToolExecution = z.infer<typeof ToolExecutionZ>;

/**
 * A write executed in a dialogue that was rejected (`synth --execute --allow-writes`): `discarded` when it ran on
 * the dialogue's own server process, which ended with the dialogue; `left` when it ran on a shared server (an
 * MCP server with `isolation: shared`, or an HTTP API), where it stays.
 */
export const ExecutedWriteZ = z.object({
  tool: z.string(),
  callId: z.string(),
  target: z.string(),
  arguments: z.record(z.string(), z.unknown()),
  state: z.enum(["discarded", "left"]),
  /** The server answered with an error (the write may or may not have happened). */
  error: z.boolean().optional(),
});
export type ExecutedWrite = z.infer<typeof ExecutedWriteZ>;

export const DialogueRecordZ = z.object({
  id: z.string(),
  /** Index of this dialogue in the run (0-based); its seed derives from the run seed and this index. */
  index: z.number().int(),
  seed: z.number().int(),
  sampleId: z.string(),
  /** Full specs of the sampled tools (what the assistant saw), so a record stands alone. */
  tools: z.array(ToolSpecZ),
  /** null when generated with --no-plan. */
  plan: DialoguePlanZ.nullable(),
  messages: z.array(MessageZ),
  /** Parallel to messages: the plan step a message belongs to (null for system / unplanned). */
  stepOf: z.array(z.number().int().nullable()),
  /** The simulated user, "Name, who they are" (absent in runs made before it was recorded). */
  persona: z.string().optional(),
  /**
   * Present only in runs made with `synth --keep-reasoning`: parallel to messages, the assistant model's reasoning
   * for each assistant message (null when the model gave none, and for every other message). Kept out of
   * `messages` so that nothing that reads or exports messages carries it by accident; `export --reasoning` writes it.
   */
  reasoning: z.array(z.string().nullable()).optional(),
  /**
   * Present only in runs made with `synth --execute`: parallel to messages, how each tool message's result was
   * made (null for every other message). Absent in older runs and default runs: every result was simulated.
   */
  execution: z.array(ToolExecutionZ.nullable()).optional(),
  verification: VerificationZ,
  /** Model id used per agent role, e.g. {planner: "sim", user: "openai:gpt-4o", ...}. */
  models: z.record(z.string(), z.string()),
  /** "sim" when made by the built-in simulator: not real data. */
  backend: z.string(),
  usage: z.record(z.string(), UsageZ),
  /** Judge scores (1-5) when a judge ran. */
  judge: z.record(z.string(), z.number()).optional(),
  /** The flaws the judge named, when it ran and named any. */
  judgeFlaws: z.array(z.object({ kind: z.string(), note: z.string() })).optional(),
  createdAt: z.string(),
});
export type DialogueRecord = z.infer<typeof DialogueRecordZ>;

export const RejectedRecordZ = DialogueRecordZ.partial().extend({
  id: z.string(),
  index: z.number().int(),
  /** Names of the checks (or pipeline stage, e.g. "generation") that rejected it, with reasons. */
  rejectedBy: z.array(z.object({ check: z.string(), reasons: z.array(z.string()) })),
  /** Writes its tool calls executed on real servers (`synth --execute --allow-writes`); absent when none. */
  executedWrites: z.array(ExecutedWriteZ).optional(),
});
export type RejectedRecord = z.infer<typeof RejectedRecordZ>;
