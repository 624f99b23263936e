/**
 * The agents' prompts: rendered by core (prompts/<role>.txt, Jinja); the personas of prompts/personas.txt.
 */
import { deriveSeed, promptText, Rng, ToolflowError } from "../core/index.js";

export { promptsDir, renderPrompt } from "../core/index.js";

/** A simulated user: name, who they are, and how they write. */
export interface Persona {
  name: string;
  description: string;
  /** One of: polite, terse, chatty, casual, formal. */
  style: string;
}

/** The parts personas are put together from (prompts/personas.txt): names, who they are, writing styles. */
export interface PersonaParts {
  names: string[];
  descriptions: string[];
  styles: string[];
}

let parts: PersonaParts | undefined;

/** The sections of prompts/personas.txt: `[names]`, `[who]` and `[styles]`, one entry a line; # comments. */
export function loadPersonaParts(): PersonaParts {
  if (parts) return parts;
  const sections: Record<string, string[]> = {};
  let current: string[] | undefined;
  promptText("personas")
    .split("\n")
    .forEach((line, i) => {
      const t = line.trim();
      if (t === "" || t.startsWith("#")) return;
      const head = /^\[(\w+)\]$/.exec(t);
      if (head) {
        current = sections[head[1]!] = [];
        return;
      }
      if (!current) throw new ToolflowError(`prompts/personas.txt line ${i + 1}: an entry before the first [section]`, { code: "PROMPT_ERROR" });
      current.push(t);
    });
  const need = (name: string): string[] => {
    const list = sections[name];
    if (!list || list.length === 0) throw new ToolflowError(`prompts/personas.txt has no [${name}] entries`, { code: "PROMPT_ERROR" });
    return list;
  };
  parts = { names: need("names"), descriptions: need("who"), styles: need("styles") };
  return parts;
}

/**
 * The persona at position `k` of a run whose seed picks the offsets: name k, description 7k, style 3k (mod each
 * list's length), so consecutive dialogues never share a name (within as many dialogues as there are names), and a
 * (name, description) pair repeats only after lcm-many dialogues.
 */
export function personaAt(runSeed: number, k: number): Persona {
  const p = loadPersonaParts();
  const rng = new Rng(deriveSeed(runSeed, "personas"));
  const [a, b, c] = [rng.int(0, p.names.length - 1), rng.int(0, p.descriptions.length - 1), rng.int(0, p.styles.length - 1)];
  const at = <T>(list: T[], i: number): T => list[((i % list.length) + list.length) % list.length]!;
  return { name: at(p.names, a + k), description: at(p.descriptions, b + 7 * k), style: at(p.styles, c + 3 * k) };
}

/** A persona drawn from a seed alone (a dialogue made outside a run): each part drawn independently. */
export function personaFromSeed(seed: number): Persona {
  const p = loadPersonaParts();
  const rng = new Rng(deriveSeed(seed, "persona"));
  return { name: rng.pick(p.names), description: rng.pick(p.descriptions), style: rng.pick(p.styles) };
}
