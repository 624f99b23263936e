/**
 * The tools of one side of the overlap test, from whatever holds them:
 * - a tool file `importTools` reads (OpenAI, BFCL, OpenAPI, MCP, ToolBench, tools.jsonl);
 * - a toolflow run: the run folder or a file of its dialogue records (each record's `tools`, as ToolSpecs);
 * - a dataset in any format the data layer reads (src/data/formats: the five export formats, LLaMA-Factory, Glaive):
 *   a file of it, a format folder of an export, or an export folder (its most complete format, as
 *   `datasetFiles` picks it); each dialogue's tools, as that format's reader gives them.
 * A file is a dataset when the data layer knows its first row as a dialogue; BFCL question files and anything else
 * are tool files. Tools repeated across records are kept once (same name, description and parameters); a name
 * reused for a different tool gets `_v2`, `_v3`... so the `--exclude` output is a valid tools.jsonl.
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { canonicalJson, InputError, type ToolSpec } from "../core/index.js";
import {
  detectFileFormat,
  EXPORT_FORMATS,
  exportSplitFiles,
  loadDialogueFile,
  loadDialogues,
  readDataset,
  RUN_FILES,
  SPLIT_FILES,
  type DatasetFormat,
  type DatasetTool,
} from "../data/index.js";
import { finalizeDraft, importTools, openAIDocumentToDrafts } from "../tools/index.js";

export type ToolSourceKind = "tools" | "run" | "dataset";

export interface LoadedTools {
  path: string;
  kind: ToolSourceKind;
  /** The dataset format read (kind "dataset"; "toolflow" for a run). */
  format?: DatasetFormat;
  tools: ToolSpec[];
  /** Tool occurrences read before duplicates were merged. */
  read: number;
}

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

/** A dataset's tool as a ToolSpec, through the tool importer (names sanitized, schemas normalized, as for tool files). */
function toolSpecOf(tool: DatasetTool, file: string): ToolSpec {
  const [draft] = openAIDocumentToDrafts([{ type: "function", function: tool }], { file, pointer: "/tools" });
  return finalizeDraft(draft!).spec;
}

/** Every dialogue's tools of a dataset path, read by the data layer; the format of its (first) file. */
async function readDatasetTools(path: string, set: ToolSet): Promise<DatasetFormat | undefined> {
  let file = path;
  let format: DatasetFormat | undefined;
  const onFile = (f: string, fmt: DatasetFormat) => {
    file = f;
    format ??= fmt;
  };
  for await (const d of readDataset(path, { onFile })) for (const t of d.tools) set.add(toolSpecOf(t, file));
  return format;
}

/** The format of a file's first row, when the data layer reads it as a dialogue dataset; undefined otherwise. */
async function datasetFormatOf(file: string): Promise<DatasetFormat | undefined> {
  if (!file.endsWith(".jsonl") && !file.endsWith(".json")) return undefined;
  try {
    return await detectFileFormat(file);
  } catch {
    return undefined; // not readable as rows: importTools gives the precise error
  }
}

/** The distinct tools of a tool file, a run or a dataset (see the module comment). */
export async function loadOverlapTools(path: string): Promise<LoadedTools> {
  if (!existsSync(path)) throw new InputError("file not found", { file: path });
  const set = new ToolSet();
  let kind: ToolSourceKind;
  let format: DatasetFormat | undefined;
  if (isDir(path)) {
    if (existsSync(join(path, RUN_FILES.dialogues))) {
      kind = "run";
      format = "toolflow";
      for (const r of await loadDialogues(path)) for (const t of r.tools) set.add(t);
    } else if (exportSplitFiles(path, EXPORT_FORMATS)) {
      kind = "dataset";
      format = await readDatasetTools(path, set);
    } else {
      throw new InputError(
        `a folder that is neither a toolflow run (no ${RUN_FILES.dialogues}) nor an exported dataset (no ${SPLIT_FILES.join("/")} here or under a format folder: ${EXPORT_FORMATS.join(", ")})`,
        { file: path },
      );
    }
  } else {
    const detected = await datasetFormatOf(path);
    if (detected === "toolflow") {
      // a run's records: their ToolSpecs as they are (returns and source kept for --exclude)
      kind = "run";
      format = detected;
      for (const r of await loadDialogueFile(path)) for (const t of r.tools) set.add(t);
    } else if (detected !== undefined && detected !== "bfcl") {
      kind = "dataset";
      format = await readDatasetTools(path, set);
    } else {
      // tool files, and BFCL question files (their function docs, as `tools import` reads them)
      kind = "tools";
      const { tools } = await importTools([path], { onConflict: "rename" });
      for (const t of tools) set.add(t);
    }
  }
  if (set.tools.length === 0) throw new InputError("no tools found", { file: path });
  return { path, kind, ...(format !== undefined ? { format } : {}), tools: set.tools, read: set.read };
}
