/**
 * Every dataset format: the five toolflow writes (openai, sharegpt, hermes, llama31, xlam: `getFormat` gives the
 * writer with its options, whose `fromRow` is the format's reader) and the public layouts read for stats, eval,
 * judge and overlap (LLaMA-Factory's messages layout, Glaive, BFCL questions with their possible answers, toolflow
 * runs). Each format's file holds its `detect`, row schema and `read` (one reader per format) and, where toolflow
 * writes it, its writer.
 */
import type { Template } from "@huggingface/jinja";
import { EXPORT_FORMATS, type ExportFormat, type ExportFormatName, type FormatOptions } from "./common.js";
import { bfclReader } from "./bfcl.js";
import { glaiveReader } from "./glaive.js";
import { hermesFormat, hermesNousFormat, hermesReader } from "./hermes.js";
import { llamafactoryReader } from "./llamafactory.js";
import { llama31Format, llama31Reader, makeLlama31Format, type Llama31Options } from "./llama31.js";
import { openaiFormat, openaiFormatWith, openaiReader } from "./openai.js";
import {
  isObj,
  readWith,
  type DataFormat,
  type DatasetDialogue,
  type DatasetFormat,
  type RowContext,
} from "./read-helpers.js";
import { sharegptFormat, sharegptReader } from "./sharegpt.js";
import { toolflowReader } from "./toolflow.js";
import { xlamFormat, xlamReader } from "./xlam.js";

export * from "./common.js";
export {
  DATASET_FORMATS,
  NOTE_KINDS,
  parsedDialogue,
  readWith,
  type DataFormat,
  type DatasetDialogue,
  type DatasetFormat,
  type DatasetPlanStep,
  type DatasetTool,
  type NoteFn,
  type NoteKind,
  type ReadDialogue,
  type RowContext,
} from "./read-helpers.js";
export { bfclAnswerFile, bfclFileContext, readBfclAnswers, BFCL_CLASS_DOCS, bfclReader, type BfclFileContext, type TextCallParser, type ParsedTextCall } from "./bfcl.js";
export { glaiveReader } from "./glaive.js";
export { llamafactoryReader } from "./llamafactory.js";
export { toolflowDialogue, toolflowReader } from "./toolflow.js";
export { openaiReader } from "./openai.js";
export { sharegptReader } from "./sharegpt.js";
export { hermesReader } from "./hermes.js";
export { llama31Reader } from "./llama31.js";
export { xlamReader } from "./xlam.js";
export { openaiFormat, openaiFormatWith } from "./openai.js";
export { sharegptFormat, OBSERVATION_JOIN } from "./sharegpt.js";
export { hermesFormat, hermesNousFormat, hermesSystemPrompt, nousSystemPrompt, nousTool, nousPythonType } from "./hermes.js";
export {
  llama31Format,
  llama31WithTemplate,
  makeLlama31Format,
  parseLlama31,
  readChatTemplate,
  compileChatTemplate,
  renderLlama31,
  sequentialCalls,
  LLAMA31_DEFAULTS,
  LLAMA_CALL_END,
  LLAMA_PARALLEL,
  LLAMA_RESULTS,
  LLAMA_TOOLS_IN,
  TEMPLATE_DATE,
  type Llama31Options,
} from "./llama31.js";
export { xlamFormat, xlamParameters, type XlamParam } from "./xlam.js";
export { pyDumps, pyDumpsText, pyFloatRepr } from "./python-json.js";

const FORMATS: Record<ExportFormatName, ExportFormat> = {
  openai: openaiFormat,
  sharegpt: sharegptFormat,
  hermes: hermesFormat,
  llama31: llama31Format,
  xlam: xlamFormat,
};

/**
 * The writer/parser of a format; llama31 uses its options and `chatTemplate` when given, hermes `hermesStyle`
 * (`nous`: Hermes 2 Pro's template), openai `toolName` (tool messages carry `name`).
 */
export function getFormat(
  name: ExportFormatName,
  options: { chatTemplate?: Template; llama31?: Partial<Llama31Options> } & FormatOptions = {},
): ExportFormat {
  if (name === "llama31" && (options.chatTemplate || options.llama31)) return makeLlama31Format(options.llama31, options.chatTemplate);
  if (name === "hermes" && options.hermesStyle === "nous") return hermesNousFormat;
  if (name === "openai" && options.toolName) return openaiFormatWith({ toolName: true });
  return FORMATS[name];
}

export function isFormatName(s: string): s is ExportFormatName {
  return (EXPORT_FORMATS as readonly string[]).includes(s);
}

// ---------------------------------------------------------------- detection and dispatch

/** Every reader, in the order rows are tried (the more specific layout first). */
const READERS: readonly DataFormat<never>[] = [
  toolflowReader,
  llamafactoryReader,
  openaiReader,
  hermesReader,
  sharegptReader,
  llama31Reader,
  xlamReader,
  glaiveReader,
  bfclReader,
] as unknown as DataFormat<never>[];

const BY_NAME = new Map<DatasetFormat, DataFormat<never>>(READERS.map((r) => [r.name, r]));

/** The reader of a format. */
export function formatReader(name: DatasetFormat): DataFormat<unknown> {
  return BY_NAME.get(name) as unknown as DataFormat<unknown>;
}

/** What `toolflow stats` can read, for the error on a row of no known format. */
export const WHAT_IS_KNOWN =
  "a toolflow dialogue record, an OpenAI or LLaMA-Factory row {messages, tools}, ShareGPT / Hermes {conversations}, Llama 3.1 {text}, " +
  "xLAM {query, tools, answers}, Glaive {system, chat} or a BFCL question {id, question, function}";

/** The format of one row, or undefined when it is none of the known ones. */
export function detectRowFormat(row: unknown): DatasetFormat | undefined {
  if (!isObj(row)) return undefined;
  return READERS.find((r) => r.detect(row))?.name;
}

/** Why a row of a known kind is not a dialogue, or undefined. */
export function notADialogue(row: unknown): string | undefined {
  if (!isObj(row)) return undefined;
  if (typeof row.id === "string" && Array.isArray(row.ground_truth)) {
    return "a BFCL possible-answer row, not a question: read the question file (its answers are found in possible_answer/<same name>, or give --answers)";
  }
  if (typeof row.name === "string" && isObj(row.parameters) && !("messages" in row) && !("conversations" in row)) {
    return "a tool definition (function doc), not a dialogue: tool files are read by `toolflow tools import` (and `stats --tools` takes its tools.jsonl)";
  }
  if ("model_output" in row && "valid" in row) return "a checker test vector (model_output, valid), not a dialogue";
  return undefined;
}

/**
 * Normalize one row of a known format; `where` names it in errors. `ctx.note` hears what the reader could not
 * place (see NOTE_KINDS); a BFCL row gets its answer from `ctx.bfcl` (without one it is read as a question only).
 */
export function readRow(format: DatasetFormat, row: unknown, where: { file: string; line: number }, ctx: Partial<RowContext> = {}): DatasetDialogue {
  return readWith(formatReader(format), row, where, ctx);
}

