/**
 * The tools of one side of the overlap test, from whatever holds them:
 * - a tool file `importTools` reads (OpenAI, BFCL, OpenAPI, MCP, ToolBench, tools.jsonl);
 * - a toolflow run: the run directory or its `dialogues.jsonl` (each record's `tools`);
 * - an exported dataset in the OpenAI format: the dataset directory (its `openai/` folder), that folder, or one of
 *   its `{train,validation,test}.jsonl` files (each row's `tools`, OpenAI `{type, function}` entries; a `tools`
 *   given as a JSON string is parsed). Other export formats keep tools in lossy forms (xLAM's flat parameters,
 *   tools inside a system prompt) and are not read.
 * Tools repeated across records are kept once (same name, description and parameters); a name reused for a
 * different tool gets `_v2`, `_v3`... so the `--exclude` output is a valid tools.jsonl.
 */
import { existsSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import { canonicalJson, DialogueRecordZ, InputError, readJsonl, type ToolSpec } from "../core/index.js";
import { loadDialogues, RUN_FILES } from "../data/index.js";
import { exportSplitFiles, SPLIT_FILES } from "../data/index.js";
import { finalizeDraft, importTools, openAIDocumentToDrafts } from "../tools/index.js";

export type ToolSourceKind = "tools" | "run" | "dataset";

export interface LoadedTools {
  path: string;
  kind: ToolSourceKind;
  tools: ToolSpec[];
  /** Tool occurrences read before duplicates were merged. */
  read: number;
}

/** The format folder of an exported dataset whose split files are read (when none are in the folder itself). */
const DATASET_FORMATS = ["openai"];

class ToolSet {
  readonly tools: ToolSpec[] = [];
  read = 0;
  private readonly keys = new Set<string>();
  private readonly names = new Set<string>();
  add(spec: ToolSpec): void {
    this.read++;
    const key = canonicalJson({ name: spec.name, description: spec.description, parameters: spec.parameters });
    if (this.keys.has(key)) return;
    this.keys.add(key);
    let name = spec.name;
    for (let k = 2; this.names.has(name); k++) name = `${spec.name}_v${k}`;
    this.names.add(name);
    this.tools.push(name === spec.name ? spec : { ...spec, name, originalName: spec.originalName ?? spec.name });
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** What the first non-empty line of a JSONL file looks like: a dialogue record, a dataset row, or neither. */
async function sniffJsonl(file: string): Promise<"run" | "dataset" | "other"> {
  try {
    for await (const { raw } of readJsonl(file)) {
      const o = raw as Record<string, unknown> | null;
      if (o === null || typeof o !== "object" || Array.isArray(o)) return "other";
      if (DialogueRecordZ.safeParse(o).success) return "run";
      if ((Array.isArray(o.messages) || Array.isArray(o.conversations) || "query" in o) && "tools" in o) return "dataset";
      return "other";
    }
  } catch {
    return "other"; // importTools gives the precise error
  }
  return "other";
}

async function readRunFile(file: string, set: ToolSet): Promise<void> {
  let any = false;
  for await (const { value } of readJsonl(file, DialogueRecordZ, { what: "dialogue record" })) {
    any = true;
    for (const t of value.tools) set.add(t);
  }
  if (!any) throw new InputError("no dialogues in this file", { file });
}

async function readDatasetFile(file: string, set: ToolSet): Promise<void> {
  for await (const { raw, line } of readJsonl(file)) {
    const row = raw as Record<string, unknown>;
    let tools = row !== null && typeof row === "object" ? row.tools : undefined;
    if (typeof tools === "string") {
      try {
        tools = JSON.parse(tools) as unknown;
      } catch {
        throw new InputError("`tools` is a string but not JSON", { file, line, pointer: "/tools" });
      }
    }
    if (!Array.isArray(tools)) throw new InputError("expected a dataset row with a `tools` array", { file, line });
    for (const draft of openAIDocumentToDrafts(tools, { file, line, pointer: "/tools" })) set.add(finalizeDraft(draft).spec);
  }
}

/** The distinct tools of a tool file, a run or an exported dataset (see the module comment). */
export async function loadOverlapTools(path: string): Promise<LoadedTools> {
  if (!existsSync(path)) throw new InputError("file not found", { file: path });
  const set = new ToolSet();
  let kind: ToolSourceKind;
  if (isDir(path)) {
    const dialogues = join(path, RUN_FILES.dialogues);
    const splits = exportSplitFiles(path, DATASET_FORMATS);
    if (existsSync(dialogues)) {
      kind = "run";
      for (const r of await loadDialogues(path)) for (const t of r.tools) set.add(t);
    } else if (splits) {
      kind = "dataset";
      for (const f of splits) await readDatasetFile(f, set);
    } else {
      throw new InputError(
        `a folder that is neither a toolflow run (no ${RUN_FILES.dialogues}) nor an exported dataset (no ${SPLIT_FILES.join("/")} here or under ${DATASET_FORMATS.join("/")}/)`,
        { file: path },
      );
    }
  } else {
    const sniff = path.endsWith(".jsonl") || basename(path) === RUN_FILES.dialogues ? await sniffJsonl(path) : "other";
    if (sniff === "run") {
      kind = "run";
      await readRunFile(path, set);
    } else if (sniff === "dataset") {
      kind = "dataset";
      await readDatasetFile(path, set);
    } else {
      kind = "tools";
      const { tools } = await importTools([path], { onConflict: "rename" });
      for (const t of tools) set.add(t);
    }
  }
  if (set.tools.length === 0) throw new InputError("no tools found", { file: path });
  return { path, kind, tools: set.tools, read: set.read };
}
