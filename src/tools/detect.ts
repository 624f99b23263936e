/**
 * Format detection: look at the shape of a parsed file and say which tool format it is, or throw an InputError
 * naming the file (with a hint when the file is a known non-tool file, e.g. BFCL ground truth).
 */
import { InputError } from "../core/index.js";
import type { ToolFormat } from "../core/index.js";
import { isBfclQuestion, looksLikeBfclDoc } from "./formats/bfcl.js";
import { isMcpTool } from "./formats/mcp.js";
import { isBareFunction, isOpenAIToolWrapper } from "./formats/openai.js";
import { isToolAlpacaEntry, isOpenApiDocument } from "./formats/openapi.js";
import { isToolBenchApi, isToolBenchQuery } from "./formats/toolbench.js";
import { isToolSpecLike } from "./formats/toolspec.js";
import { isPlainObject } from "./schema.js";
import type { ParsedInput } from "./read.js";

export interface Detection {
  format: ToolFormat;
  /** Finer shape: "openai-tools", "openai-functions", "bfcl-questions", "bfcl-docs", "openapi", "toolalpaca",
   * "mcp-result", "mcp-jsonrpc", "toolbench-queries", "toolbench-apis", "toolspec". */
  variant: string;
}

/** Known files that are not tool docs, with what they are. */
function notToolDocs(v: unknown): string | undefined {
  if (!isPlainObject(v)) return undefined;
  if ("ground_truth" in v) return "BFCL ground truth (possible_answer), which holds answers, not function docs";
  if ("model_output" in v && ("valid" in v || "error_type" in v)) {
    return "BFCL checker vectors (model outputs with verdicts), not function docs";
  }
  if (Array.isArray(v.messages) && "verification" in v) return "a toolflow dialogue record, not tool docs";
  return undefined;
}

/** Detect the format of one JSON / YAML value (a whole document, or one JSONL line when `jsonl`). */
export function detectFormat(value: unknown, options: { jsonl?: boolean } = {}): Detection | undefined {
  if (options.jsonl) {
    if (isToolSpecLike(value)) return { format: "toolspec", variant: "toolspec" };
    if (isBfclQuestion(value)) return { format: "bfcl", variant: "bfcl-questions" };
    if (looksLikeBfclDoc(value)) return { format: "bfcl", variant: "bfcl-docs" };
    if (isMcpTool(value)) return { format: "mcp", variant: "mcp-tools" };
    if (isOpenAIToolWrapper(value)) return { format: "openai", variant: "openai-tools" };
    if (isBareFunction(value)) return { format: "openai", variant: "openai-functions" };
    if (isToolBenchQuery(value)) return { format: "toolbench", variant: "toolbench-queries" };
    if (isToolBenchApi(value)) return { format: "toolbench", variant: "toolbench-apis" };
    return undefined;
  }
  if (Array.isArray(value)) {
    const first: unknown = value[0];
    if (first === undefined) return { format: "openai", variant: "empty" }; // -> "no tools found"
    if (isOpenAIToolWrapper(first)) return { format: "openai", variant: "openai-tools" };
    if (isToolBenchQuery(first)) return { format: "toolbench", variant: "toolbench-queries" };
    if (isToolBenchApi(first)) return { format: "toolbench", variant: "toolbench-apis" };
    if (isToolAlpacaEntry(first)) return { format: "openapi", variant: "toolalpaca" };
    if (isMcpTool(first)) return { format: "mcp", variant: "mcp-tools" };
    if (isBfclQuestion(first)) return { format: "bfcl", variant: "bfcl-questions" };
    if (isToolSpecLike(first)) return { format: "toolspec", variant: "toolspec" };
    if (value.some((x) => looksLikeBfclDoc(x))) return { format: "bfcl", variant: "bfcl-docs" };
    if (isBareFunction(first)) return { format: "openai", variant: "openai-functions" };
    return undefined;
  }
  if (!isPlainObject(value)) return undefined;
  if (isOpenApiDocument(value)) return { format: "openapi", variant: "openapi" };
  if (isToolAlpacaEntry(value)) return { format: "openapi", variant: "toolalpaca" };
  if (isPlainObject(value.result) && Array.isArray(value.result.tools)) return { format: "mcp", variant: "mcp-jsonrpc" };
  if (Array.isArray(value.tools)) {
    const first: unknown = value.tools[0];
    if (isMcpTool(first)) return { format: "mcp", variant: "mcp-result" };
    if (first === undefined) return { format: "openai", variant: "empty" }; // -> "no tools found"
    return { format: "openai", variant: "openai-tools" };
  }
  if (Array.isArray(value.functions) && isBareFunction(value.functions[0])) {
    return { format: "openai", variant: "openai-functions" };
  }
  if (isToolBenchQuery(value)) return { format: "toolbench", variant: "toolbench-queries" };
  if (isToolBenchApi(value)) return { format: "toolbench", variant: "toolbench-apis" };
  if (isMcpTool(value)) return { format: "mcp", variant: "mcp-tools" };
  if (isBfclQuestion(value)) return { format: "bfcl", variant: "bfcl-questions" };
  if (isToolSpecLike(value)) return { format: "toolspec", variant: "toolspec" };
  if (isOpenAIToolWrapper(value)) return { format: "openai", variant: "openai-tools" };
  if (looksLikeBfclDoc(value)) return { format: "bfcl", variant: "bfcl-docs" };
  if (isBareFunction(value)) return { format: "openai", variant: "openai-functions" };
  return undefined;
}

/** Detect the format of a parsed file; unknown or non-tool files are InputErrors naming the file. */
export function detectInputFormat(input: ParsedInput): Detection {
  const probe = input.kind === "jsonl" ? input.records[0]?.value : input.value;
  const probeLine = input.kind === "jsonl" ? input.records[0]?.line : undefined;
  const probeItem = Array.isArray(probe) ? probe[0] : probe;
  const known = notToolDocs(probeItem);
  if (known) {
    throw new InputError(`this is ${known}; give toolflow files with tool definitions`, {
      file: input.file,
      line: probeLine,
      code: "UNKNOWN_FORMAT",
    });
  }
  if (isPlainObject(probe) && typeof probe.swagger === "string") {
    throw new InputError(`Swagger ${probe.swagger} is not supported: convert it to OpenAPI 3 first`, {
      file: input.file,
      pointer: "/swagger",
      code: "UNKNOWN_FORMAT",
    });
  }
  let d = detectFormat(probe, { jsonl: input.kind === "jsonl" });
  // Bare function docs are BFCL when any of them uses a BFCL type or `response` (not only the first one).
  if (d?.variant === "openai-functions" && input.kind === "jsonl" && input.records.some((r) => looksLikeBfclDoc(r.value))) {
    d = { format: "bfcl", variant: "bfcl-docs" };
  }
  if (!d) {
    throw new InputError(
      "unknown format: expected OpenAI tools, BFCL function docs, OpenAPI 3, an MCP tools/list result, " +
        "ToolBench api_list queries, a ToolAlpaca file, or toolflow tools.jsonl",
      { file: input.file, line: probeLine, code: "UNKNOWN_FORMAT" },
    );
  }
  return d;
}
