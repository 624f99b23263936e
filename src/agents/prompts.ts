/**
 * The agents' prompts: rendered by core (prompts/<role>.txt, Jinja); the personas of prompts/personas.txt.
 */
import { ToolflowError } from "../core/index.js";
import { promptText } from "../core/index.js";

export { promptsDir, renderPrompt } from "../core/index.js";

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
