import type { Template } from "@huggingface/jinja";
import { EXPORT_FORMATS, type ExportFormat, type ExportFormatName } from "./common.js";
import { hermesFormat } from "./hermes.js";
import { llama31Format, makeLlama31Format, type Llama31Options } from "./llama31.js";
import { openaiFormat } from "./openai.js";
import { sharegptFormat } from "./sharegpt.js";
import { xlamFormat } from "./xlam.js";

export * from "./common.js";
export { openaiFormat } from "./openai.js";
export { sharegptFormat } from "./sharegpt.js";
export { hermesFormat, hermesSystemPrompt } from "./hermes.js";
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
export { xlamFormat, xlamParameters } from "./xlam.js";

const FORMATS: Record<ExportFormatName, ExportFormat> = {
  openai: openaiFormat,
  sharegpt: sharegptFormat,
  hermes: hermesFormat,
  llama31: llama31Format,
  xlam: xlamFormat,
};

/** The writer/parser of a format; llama31 uses its options and `chatTemplate` when given. */
export function getFormat(name: ExportFormatName, options: { chatTemplate?: Template; llama31?: Partial<Llama31Options> } = {}): ExportFormat {
  if (name === "llama31" && (options.chatTemplate || options.llama31)) return makeLlama31Format(options.llama31, options.chatTemplate);
  return FORMATS[name];
}

export function isFormatName(s: string): s is ExportFormatName {
  return (EXPORT_FORMATS as readonly string[]).includes(s);
}
