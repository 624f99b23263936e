/**
 * Prompt templates: text files under prompts/ (one per role), rendered with Jinja syntax
 * ({{ var }}, {% if %}, {% for %}, `| tojson`) by @huggingface/jinja.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Template } from "@huggingface/jinja";
import { ToolflowError } from "../core/errors.js";

let cachedDir: string | undefined;

/** The prompts/ folder of the package (found by walking up from this module: works from src/ and dist/). */
export function promptsDir(): string {
  if (cachedDir) return cachedDir;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, "prompts", "assistant.txt")) && existsSync(join(dir, "package.json"))) {
      cachedDir = join(dir, "prompts");
      return cachedDir;
    }
    const up = resolve(dir, "..");
    if (up === dir) break;
    dir = up;
  }
  throw new ToolflowError("cannot find the prompts/ folder of toolflow", { code: "PROMPTS_NOT_FOUND" });
}

const templates = new Map<string, Template>();
const texts = new Map<string, string>();

/** Raw text of prompts/<name>.txt (cached). */
export function promptText(name: string): string {
  if (!/^[a-z0-9_-]+$/i.test(name)) throw new ToolflowError(`bad prompt name "${name}"`, { code: "PROMPT_ERROR" });
  let text = texts.get(name);
  if (text === undefined) {
    const file = join(promptsDir(), `${name}.txt`);
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      throw new ToolflowError(`cannot read prompt template ${file}`, { code: "PROMPT_ERROR", cause: err });
    }
    texts.set(name, text);
  }
  return text;
}

/** Render prompts/<name>.txt with `vars`. Blank-line runs left by template tags are collapsed. */
export function renderPrompt(name: string, vars: Record<string, unknown>): string {
  let tpl = templates.get(name);
  if (!tpl) {
    try {
      tpl = new Template(promptText(name));
    } catch (err) {
      throw new ToolflowError(`prompt template ${name}.txt does not parse: ${(err as Error).message}`, {
        code: "PROMPT_ERROR",
        cause: err,
      });
    }
    templates.set(name, tpl);
  }
  try {
    return tpl
      .render(vars)
      .replace(/\n{3,}/g, "\n\n")
      .trim();
  } catch (err) {
    throw new ToolflowError(`prompt template ${name}.txt failed to render: ${(err as Error).message}`, {
      code: "PROMPT_ERROR",
      cause: err,
    });
  }
}

/** A simulated user: name, who they are, and how they write. */
export interface Persona {
  name: string;
  description: string;
  /** One of: polite, terse, chatty, casual, formal. */
  style: string;
}

let personas: Persona[] | undefined;

/** The personas of prompts/personas.txt (`Name | description | style` a line; # comments). */
export function loadPersonas(): Persona[] {
  if (personas) return personas;
  const out: Persona[] = [];
  promptText("personas")
    .split("\n")
    .forEach((line, i) => {
      const t = line.trim();
      if (t === "" || t.startsWith("#")) return;
      const parts = t.split("|").map((p) => p.trim());
      if (parts.length !== 3 || parts.some((p) => p === "")) {
        throw new ToolflowError(`prompts/personas.txt line ${i + 1}: expected "name | description | style"`, {
          code: "PROMPT_ERROR",
        });
      }
      out.push({ name: parts[0]!, description: parts[1]!, style: parts[2]! });
    });
  if (out.length === 0) throw new ToolflowError("prompts/personas.txt has no personas", { code: "PROMPT_ERROR" });
  personas = out;
  return out;
}
