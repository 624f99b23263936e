import type { Template } from "@huggingface/jinja";
import { EXPORT_FORMATS, type ExportFormat, type ExportFormatName } from "./common.js";
import { hermesFormat } from "./hermes.js";
import { llama31Format, llama31WithTemplate } from "./llama31.js";
import { openaiFormat } from "./openai.js";
import { sharegptFormat } from "./sharegpt.js";
import { xlamFormat } from "./xlam.js";

export * from "./common.js";
export { openaiFormat } from "./openai.js";
export { sharegptFormat } from "./sharegpt.js";
export { hermesFormat, hermesSystemPrompt } from "./hermes.js";
export { llama31Format, llama31WithTemplate, readChatTemplate, compileChatTemplate, renderLlama31 } from "./llama31.js";
export { xlamFormat, xlamParameters } from "./xlam.js";

const FORMATS: Record<ExportFormatName, ExportFormat> = {
  openai: openaiFormat,
  sharegpt: sharegptFormat,
  hermes: hermesFormat,
  llama31: llama31Format,
  xlam: xlamFormat,
};

/** The writer/parser of a format; llama31 uses `chatTemplate` when given. */
export function getFormat(name: ExportFormatName, options: { chatTemplate?: Template } = {}): ExportFormat {
  if (name === "llama31" && options.chatTemplate) return llama31WithTemplate(options.chatTemplate);
  return FORMATS[name];
}

export function isFormatName(s: string): s is ExportFormatName {
  return (EXPORT_FORMATS as readonly string[]).includes(s);
}
