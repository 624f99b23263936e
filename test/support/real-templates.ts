/**
 * The real chat templates, at test time: node-llama-cpp (an installed dependency) ships llama.cpp's source as a git
 * bundle (`node_modules/node-llama-cpp/llama/gitRelease.bundle`, its tag in `llama.cpp.info.json`), and llama.cpp
 * keeps the chat templates of many models as published on the Hugging Face Hub in `models/templates/`. This module
 * unbundles that repository into a temporary folder, writes the templates asked for there and renders them with
 * @huggingface/jinja. No template text is kept in this repository.
 *
 * Without the bundle or git it throws (the tests that use it fail; they do not skip).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Template } from "@huggingface/jinja";
import type { DialogueRecord, Message } from "../../src/core/index.js";
import { PROJECT_ROOT } from "./cli.js";

export const LLAMA_CPP_DIR = join(PROJECT_ROOT, "node_modules", "node-llama-cpp", "llama");
export const BUNDLE = join(LLAMA_CPP_DIR, "gitRelease.bundle");

/** Meta's template as published with Llama-3.1-8B-Instruct (tokenizer_config.json's chat_template). */
export const META_LLAMA31 = "meta-llama-Llama-3.1-8B-Instruct.jinja";
/** The `tool_use` template of NousResearch/Hermes-2-Pro-Llama-3-8B. */
export const HERMES2_PRO = "NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use.jinja";
/** The `tool_use` template of NousResearch/Hermes-3-Llama-3.1-8B. */
export const HERMES3 = "NousResearch-Hermes-3-Llama-3.1-8B-tool_use.jinja";

export interface RealTemplates {
  /** llama.cpp's tag as node-llama-cpp records it (llama.cpp.info.json). */
  tag: string;
  /** The bundle's HEAD commit. */
  commit: string;
  /** The temporary folder the templates were written into. */
  dir: string;
  /** The path of a template written into `dir`. */
  path(name: string): string;
  text(name: string): string;
  /** The blob id of a template in the bundle (to tell whether two templates are the same file). */
  blob(name: string): string;
  /** Remove the temporary folder. */
  remove(): void;
}

function git(args: string[], what: string): string {
  try {
    return execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT") throw new Error(`real chat templates: git is not installed (needed to read ${BUNDLE})`);
    throw new Error(`real chat templates: ${what} failed: ${(e.stderr ?? e.message).trim()}`);
  }
}

/** Unbundle llama.cpp and write the named templates (from models/templates/) into a fresh temporary folder. */
export function extractRealTemplates(names: string[]): RealTemplates {
  if (!existsSync(BUNDLE)) {
    throw new Error(`real chat templates: ${BUNDLE} is missing (node-llama-cpp ships llama.cpp as this git bundle; is node-llama-cpp installed?)`);
  }
  const info = JSON.parse(readFileSync(join(LLAMA_CPP_DIR, "llama.cpp.info.json"), "utf8")) as { tag?: unknown };
  const dir = mkdtempSync(join(tmpdir(), "tf-real-templates-"));
  const repo = join(dir, "llama.cpp.git");
  try {
    git(["init", "--quiet", "--bare", repo], "git init");
    const heads = git(["-C", repo, "bundle", "unbundle", BUNDLE], "git bundle unbundle");
    const commit = /^([0-9a-f]{40}) HEAD$/m.exec(heads)?.[1];
    if (!commit) throw new Error(`real chat templates: no HEAD in ${BUNDLE} (git bundle unbundle printed ${JSON.stringify(heads)})`);
    // "<mode> blob <id>\t<path>" per file of models/templates/
    const listing = git(["-C", repo, "ls-tree", commit, "models/templates/"], "git ls-tree models/templates/");
    const inTree = new Map([...listing.matchAll(/^\d+ blob ([0-9a-f]+)\tmodels\/templates\/(.+)$/gm)].map((m) => [m[2] as string, m[1] as string]));
    const blobs = new Map<string, string>();
    for (const name of names) {
      const blob = inTree.get(name);
      if (!blob) throw new Error(`real chat templates: models/templates/${name} is not in llama.cpp ${String(info.tag)} (${BUNDLE})`);
      writeFileSync(join(dir, name), git(["-C", repo, "cat-file", "blob", blob], `git cat-file blob ${blob} (${name})`));
      blobs.set(name, blob);
    }
    rmSync(repo, { recursive: true, force: true });
    const known = (name: string): string => {
      if (!blobs.has(name)) throw new Error(`real chat templates: ${name} was not extracted`);
      return name;
    };
    return {
      tag: typeof info.tag === "string" ? info.tag : "(no tag)",
      commit,
      dir,
      path: (name) => join(dir, known(name)),
      text: (name) => readFileSync(join(dir, known(name)), "utf8"),
      blob: (name) => blobs.get(known(name)) as string,
      remove: () => rmSync(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

/** The OpenAI function tools of a record, as a server passes `tools` to a chat template. */
export function templateTools(record: DialogueRecord): unknown[] {
  return record.tools.map((t) => ({ type: "function", function: { name: t.name, description: t.description, parameters: t.parameters } }));
}

/**
 * Messages as an OpenAI-compatible server (vLLM, llama.cpp) or transformers hands them to a chat template: call
 * arguments decoded into objects (both parse OpenAI's JSON string before rendering), tool results as the strings
 * the records hold, `tool_calls` only on messages with calls; the text beside calls stays the message's content.
 */
export function templateMessages(messages: Message[]): unknown[] {
  return messages.map((m) => {
    if (m.role === "assistant" && (m.tool_calls?.length ?? 0) > 0) {
      return {
        role: "assistant",
        content: m.content ?? "",
        tool_calls: (m.tool_calls ?? []).map((c) => ({
          id: c.id,
          type: "function",
          function: { name: c.function.name, arguments: JSON.parse(c.function.arguments) as unknown },
        })),
      };
    }
    if (m.role === "assistant") return { role: "assistant", content: m.content ?? "" };
    return { ...m };
  });
}

/** Render a template file the way a trainer's `apply_chat_template(..., add_generation_prompt=False)` does. */
export function renderTemplate(templates: RealTemplates, name: string, context: Record<string, unknown>): string {
  const key = `${templates.dir}/${name}`;
  let t = compiled.get(key);
  if (!t) {
    t = new Template(templates.text(name));
    compiled.set(key, t);
  }
  return t.render({ add_generation_prompt: false, ...context });
}
const compiled = new Map<string, Template>();
