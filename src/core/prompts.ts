/**
 * Prompt templates: text files under the package's prompts/ folder, rendered with Jinja syntax
 * ({{ var }}, {% if %}, {% for %}, `| tojson`) by @huggingface/jinja. Runs of blank lines left by template tags
 * are collapsed.
 */
import { readFileSync } from "node:fs";
import { Template } from "@huggingface/jinja";
import { ToolflowError } from "./errors.js";
import { packagePath } from "./package.js";

/** The prompts/ folder of the package. */
export function promptsDir(): string {
  return packagePath("prompts");
}

const texts = new Map<string, string>();

/** Raw text of prompts/<name>.txt (cached). */
export function promptText(name: string): string {
  if (!/^[a-z0-9_-]+$/i.test(name)) throw new ToolflowError(`bad prompt name "${name}"`, { code: "PROMPT_ERROR" });
  let text = texts.get(name);
  if (text === undefined) {
    const file = packagePath("prompts", `${name}.txt`);
    try {
      // read loosely on purpose: a template shipped in the package (prompts/), never a user's or run's file
      text = readFileSync(file, "utf8");
    } catch (err) {
      throw new ToolflowError(`cannot read prompt template ${file}`, { code: "PROMPT_NOT_FOUND", cause: err });
    }
    texts.set(name, text);
  }
  return text;
}

const templates = new Map<string, Template>();
const MAX_TEMPLATES = 200;

/**
 * Render Jinja template text with `vars` (parsed once per distinct text); `label` names the template in errors.
 * Blank-line runs are collapsed and the result trimmed.
 */
export function renderTemplateText(text: string, vars: Record<string, unknown>, label = "prompt template"): string {
  let tpl = templates.get(text);
  if (!tpl) {
    try {
      tpl = new Template(text);
    } catch (err) {
      throw new ToolflowError(`${label} does not parse: ${(err as Error).message}`, { code: "PROMPT_ERROR", cause: err });
    }
    if (templates.size >= MAX_TEMPLATES) templates.clear();
    templates.set(text, tpl);
  }
  try {
    return tpl
      .render(vars)
      .replace(/\n{3,}/g, "\n\n")
      .trim();
  } catch (err) {
    throw new ToolflowError(`${label} failed to render: ${(err as Error).message}`, { code: "PROMPT_ERROR", cause: err });
  }
}

/** Render prompts/<name>.txt with `vars`. */
export function renderPrompt(name: string, vars: Record<string, unknown>): string {
  return renderTemplateText(promptText(name), vars, `prompt template ${name}.txt`);
}
