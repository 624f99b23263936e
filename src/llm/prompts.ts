/**
 * The model layer's prompt templates (prompts/llm-*.txt, Jinja syntax rendered by @huggingface/jinja): the
 * instructions used when a server lacks native structured output or tool calls, and the re-ask message.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Template } from "@huggingface/jinja";
import { ToolflowError } from "../core/errors.js";

const templates = new Map<string, Template>();

function findPrompt(file: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const p = join(dir, "prompts", file);
    if (existsSync(p)) return p;
    const up = resolve(dir, "..");
    if (up === dir) break;
    dir = up;
  }
  throw new ToolflowError(`cannot find the prompt template prompts/${file}`, { code: "PROMPTS_NOT_FOUND" });
}

export type LlmPrompt = "llm-json-instructions" | "llm-tools-instructions" | "llm-reask";

export function renderLlmPrompt(name: LlmPrompt, vars: Record<string, unknown>): string {
  let tpl = templates.get(name);
  if (!tpl) {
    const file = findPrompt(`${name}.txt`);
    try {
      tpl = new Template(readFileSync(file, "utf8"));
    } catch (err) {
      throw new ToolflowError(`prompt template ${file} does not parse: ${(err as Error).message}`, {
        code: "PROMPT_ERROR",
        cause: err,
      });
    }
    templates.set(name, tpl);
  }
  return tpl.render(vars).replace(/\n{3,}/g, "\n\n").trim();
}
