import type { Template } from "@huggingface/jinja";
import { EXPORT_FORMATS, type ExportFormat, type ExportFormatName, type FormatOptions } from "./common.js";
import { hermesFormat, hermesNousFormat } from "./hermes.js";
import { llama31Format, makeLlama31Format, type Llama31Options } from "./llama31.js";
import { openaiFormat, openaiFormatWith } from "./openai.js";
import { sharegptFormat } from "./sharegpt.js";
import { xlamFormat } from "./xlam.js";

export * from "./common.js";
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
