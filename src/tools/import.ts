/**
 * importTools: read tool collections in any supported format and normalize every tool to one ToolSpec.
 *
 * Per file: parse (JSON / JSONL / YAML) -> detect the format -> convert to drafts. Per draft: sanitize the name
 * to `^[a-zA-Z0-9_-]{1,64}$` (source name kept as `originalName`), normalize the schemas (BFCL types, `required`
 * repairs, recorded as fixes), compile them with ajv. Then resolve names:
 *   - same name and same canonical parameters + returns -> an exact duplicate, merged into the first (the first
 *     description, source and category win);
 *   - same name, different schema -> a conflict, handled by `onConflict`:
 *       rename (default): every variant is kept; the first keeps the name, later ones (in input order) become
 *         `name_v2`, `name_v3`, ... (skipping names already taken), with `originalName` set;
 *       first: later variants are dropped (counted);
 *       error: InputError naming both places.
 * Output order is the order in which each kept tool first appears in the inputs, so the result is stable.
 */
import { InputError } from "../core/index.js";
import { ToolSpecZ, type ToolFormat, type ToolSpec } from "../core/index.js";
import { detectInputFormat, type Detection } from "./detect.js";
import { bfclRecordToDrafts } from "./formats/bfcl.js";
import { at, inputError } from "./formats/common.js";
import { mcpDocumentToDrafts } from "./formats/mcp.js";
import { openAIDocumentToDrafts, openAIToolToDraft } from "./formats/openai.js";
import {
  openApiDocumentToDrafts,
  toolAlpacaDocumentToDrafts,
  isToolAlpacaEntry,
  operationLabel,
  skippedOperation,
  type OpenApiOptions,
  type ImportWarning,
  type SkippedOperation,
} from "./formats/openapi.js";
import { isMcpSpec, listMcpTools } from "./mcp-live.js";
import { toolBenchDocumentToDrafts } from "./formats/toolbench.js";
import { toolSpecToDraft } from "./formats/toolspec.js";
import { readInputFile, type ParsedInput } from "./read.js";
import { canonicalJson } from "../core/index.js";
import { normalizeSchema } from "../core/index.js";
import { isPlainObject, normalizeParameters, sanitizeToolName, SchemaChecker } from "./schema.js";
import { schemaDepthProblem } from "./validate.js";
import { DEFAULT_SCHEMA_BUDGET, fitTool } from "./schema-budget.js";
import type { ConflictPolicy, FileReport, FormatCounts, ImportOptions, ImportReport, Location, SchemaFix, ToolDraft } from "./types.js";

export interface ImportResult {
  tools: ToolSpec[];
  report: ImportReport;
}

/** Convert one parsed file to drafts, with its detected (or forced) format. */
export async function convertInput(
  input: ParsedInput,
  forced?: ToolFormat,
  openapi: OpenApiOptions = {},
): Promise<{ detection: Detection; drafts: ToolDraft[] }> {
  const detection: Detection = forced ? { format: forced, variant: forced } : detectInputFormat(input);
  const drafts: ToolDraft[] = [];
  const root: Location = { file: input.file, pointer: "" };
  if (input.kind === "jsonl") {
    for (const { value, line } of input.records) {
      const loc: Location = { file: input.file, line, pointer: "" };
      drafts.push(...(await convertValue(value, loc, detection, true, openapi)));
    }
  } else {
    drafts.push(...(await convertValue(input.value, root, detection, false, openapi)));
  }
  return { detection, drafts };
}

async function convertValue(value: unknown, loc: Location, d: Detection, isLine: boolean, openapi: OpenApiOptions): Promise<ToolDraft[]> {
  switch (d.format) {
    case "openai":
      return isLine ? [openAIToolToDraft(value, loc)] : openAIDocumentToDrafts(value, loc);
    case "bfcl":
      if (!isLine && Array.isArray(value)) return value.flatMap((v, i) => bfclRecordToDrafts(v, at(loc, i)));
      return bfclRecordToDrafts(value, loc);
    case "mcp":
      return mcpDocumentToDrafts(value, loc);
    case "toolbench":
      return toolBenchDocumentToDrafts(value, loc);
    case "toolspec":
      if (!isLine && Array.isArray(value)) return value.map((v, i) => toolSpecToDraft(v, at(loc, i)));
      return [toolSpecToDraft(value, loc)];
    case "openapi":
      if (Array.isArray(value) || isToolAlpacaEntry(value)) return toolAlpacaDocumentToDrafts(value, loc, openapi);
      return openApiDocumentToDrafts(value, loc, openapi);
  }
}

interface Candidate {
  spec: ToolSpec;
  /** The name before conflict resolution (already sanitized). */
  baseName: string;
  /** The name in the source. */
  sourceName: string;
  key: string;
  fixes: string[];
  format: ToolFormat;
  parametersKey: string;
  returnsKey: string;
  propertyPointers?: Record<string, string>;
  /** What the budget cut. */
  cut?: { description: boolean; parameters: boolean; returns: boolean };
}

/**
 * Sanitize, normalize and shape one draft into a ToolSpec (schemas not yet compiled); with `schemaBudget`, its
 * parameters and returns are cut to that many estimated tokens (schema-budget.ts).
 */
export function finalizeDraft(draft: ToolDraft, schemaBudget?: number): Candidate {
  const loc = draft.loc;
  const rawName = draft.name;
  if (rawName === undefined || rawName === null || (typeof rawName === "string" && rawName.trim() === "")) {
    throw inputError(at(loc, "name"), "tool has no name");
  }
  if (typeof rawName !== "string") throw inputError(at(loc, "name"), `tool name must be a string, got ${JSON.stringify(rawName)}`);
  const name = sanitizeToolName(rawName);
  if (name === "") throw inputError(at(loc, "name"), `tool name ${JSON.stringify(rawName)} has no usable characters`);
  for (const [key, schema] of [[draft.parametersKey ?? "parameters", draft.parameters], [draft.returnsKey ?? "returns", draft.returns]] as const) {
    const deep = schemaDepthProblem(schema);
    if (deep) throw inputError(at(loc, key), `tool "${rawName}": ${deep}`);
  }
  if (typeof draft.description !== "string") {
    throw inputError(at(loc, "description"), `tool "${rawName}": description must be a string`);
  }
  const fixes = [...(draft.fixes ?? [])];
  let parameters: ToolSpec["parameters"];
  try {
    const pf: string[] = [];
    parameters = normalizeParameters(draft.parameters, pf);
    fixes.push(...pf.map((f) => `parameters${f}`));
  } catch (err) {
    throw inputError(at(loc, draft.parametersKey ?? "parameters"), `tool "${rawName}": ${(err as Error).message}`, err);
  }
  let returns: ToolSpec["returns"];
  if (draft.returns !== undefined && draft.returns !== null) {
    if (!isPlainObject(draft.returns)) {
      throw inputError(at(loc, draft.returnsKey ?? "returns"), `tool "${rawName}": returns must be a JSON Schema object`);
    }
    try {
      const rf: string[] = [];
      returns = normalizeSchema(draft.returns, rf) as Record<string, unknown>;
      fixes.push(...rf.map((f) => `returns${f}`));
    } catch (err) {
      throw inputError(at(loc, draft.returnsKey ?? "returns"), `tool "${rawName}" returns: ${(err as Error).message}`, err);
    }
  }
  let description = draft.description.trim();
  let cut: Candidate["cut"];
  if (schemaBudget !== undefined) ({ description, parameters, returns, cut } = fitTool({ description, parameters, returns }, schemaBudget));
  const source = draft.source ?? {
    file: loc.file,
    pointer: loc.pointer,
    ...(loc.line !== undefined ? { line: loc.line } : {}),
    format: draft.format,
    ...(draft.mcp ? { mcp: draft.mcp } : {}),
    ...(draft.http ? { http: draft.http } : {}),
  };
  const spec: ToolSpec = { name, description, parameters, source };
  if (returns !== undefined) spec.returns = returns;
  if (draft.category !== undefined) spec.category = draft.category;
  const originalName = draft.originalName ?? (name !== rawName ? rawName : undefined);
  if (originalName !== undefined) spec.originalName = originalName;
  if (draft.annotations !== undefined && Object.keys(draft.annotations).length > 0) spec.annotations = draft.annotations;
  return {
    spec,
    baseName: name,
    sourceName: rawName,
    key: canonicalJson({ p: parameters, r: returns ?? null }),
    fixes,
    format: draft.format,
    parametersKey: draft.parametersKey ?? "parameters",
    returnsKey: draft.returnsKey ?? "returns",
    ...(draft.propertyPointers ? { propertyPointers: draft.propertyPointers } : {}),
    ...(cut ? { cut } : {}),
  };
}

function emptyCounts(): FormatCounts {
  return { files: 0, toolsRead: 0, duplicatesMerged: 0, conflictsRenamed: 0, conflictsDropped: 0, skipped: 0, toolsWritten: 0 };
}

function where(spec: ToolSpec): string {
  const s = spec.source;
  return [s.file, s.line !== undefined ? `line ${s.line}` : undefined, `at ${s.pointer || "/"}`].filter(Boolean).join(" ");
}

/** Read, convert, normalize and deduplicate tools from files. Throws InputError on bad input or no tools. */
export async function importTools(files: readonly string[], options: ImportOptions = {}): Promise<ImportResult> {
  if (files.length === 0) throw new InputError("no input files given");
  const policy: ConflictPolicy = options.onConflict ?? "rename";
  const budget = options.keepFullSchemas ? undefined : (options.schemaBudget ?? DEFAULT_SCHEMA_BUDGET);
  if (budget !== undefined && !(Number.isInteger(budget) && budget > 0)) {
    throw new InputError(`schema budget must be a positive whole number of tokens, got ${String(budget)}`);
  }
  const perFormat: Partial<Record<ToolFormat, FormatCounts>> = {};
  const counts = (f: ToolFormat) => (perFormat[f] ??= emptyCounts());
  const fileReports: FileReport[] = [];
  const candidates: Candidate[] = [];

  const skipped: SkippedOperation[] = [];
  const warnings: ImportWarning[] = [];
  const openapi: OpenApiOptions = {
    onWarning: (w) => {
      warnings.push(w);
      options.onWarning?.(w);
    },
    ...(options.strict ? { strict: true } : {}),
    ...(options.recursionDepth !== undefined ? { recursionDepth: options.recursionDepth } : {}),
    onSkip: (s) => {
      skipped.push(s);
      options.onSkip?.(s);
    },
  };
  for (const file of files) {
    let detection: Detection;
    let drafts: ToolDraft[];
    if (isMcpSpec(file)) {
      // A running MCP server: its tools/list, read with the MCP SDK.
      drafts = await listMcpTools(file, {
        ...(options.mcpTimeoutMs !== undefined ? { timeoutMs: options.mcpTimeoutMs } : {}),
        ...(options.mcpEnv ? { env: options.mcpEnv } : {}),
      });
      detection = { format: "mcp", variant: file.startsWith("mcp+stdio:") ? "mcp-stdio" : "mcp-http" };
    } else {
      const input = await readInputFile(file);
      const before = skipped.length;
      ({ detection, drafts } = await convertInput(input, options.format, openapi));
      // Operations skipped while converting count as read (and skipped), so the counts add up.
      counts(detection.format).toolsRead += skipped.length - before;
      counts(detection.format).skipped += skipped.length - before;
    }
    const fr: FileReport = { file, format: detection.format, variant: detection.variant, toolsRead: drafts.length };
    fileReports.push(fr);
    options.onFile?.(fr);
    counts(detection.format).files++;
    for (const d of drafts) {
      counts(d.format).toolsRead++;
      if (d.format === "openapi" && d.http && !options.strict) {
        // One OpenAPI operation that cannot be shaped into a tool is skipped, not the whole file.
        try {
          candidates.push(finalizeDraft(d, budget));
        } catch (err) {
          counts(d.format).skipped++;
          openapi.onSkip!(skipOf(d, (err as Error).message));
        }
      } else candidates.push(finalizeDraft(d, budget));
    }
  }

  // Group by name; within a name, distinct schemas are variants in order of first appearance.
  const groups = new Map<string, Candidate[]>();
  let duplicatesMerged = 0;
  const order: Candidate[] = [];
  for (const c of candidates) {
    const variants = groups.get(c.baseName);
    if (!variants) {
      groups.set(c.baseName, [c]);
      order.push(c);
      continue;
    }
    if (variants.some((v) => v.key === c.key)) {
      duplicatesMerged++;
      counts(c.format).duplicatesMerged++;
      continue;
    }
    if (policy === "error") {
      const first = variants[0] as Candidate;
      throw new InputError(
        `tool name "${c.baseName}" has two different schemas: ${where(first.spec)} and ${where(c.spec)} ` +
          `(use --on-conflict rename or first)`,
        { file: c.spec.source.file, line: c.spec.source.line, pointer: c.spec.source.pointer, code: "NAME_CONFLICT" },
      );
    }
    variants.push(c);
    if (policy === "first") {
      counts(c.format).conflictsDropped++;
      continue;
    }
    order.push(c);
  }

  // Compile every distinct schema (of dropped variants too: broken input is an error). A returns schema that
  // does not compile documents nothing usable: it becomes {} (any value) with a note and a warning naming the
  // tool and the schema's place (with --strict it is an error).
  const checker = new SchemaChecker();
  const uncompiled = new Set<Candidate>();
  for (const variants of groups.values()) {
    for (const c of variants) {
      const perr = checker.check(c.spec.parameters);
      const rerr = perr === undefined && c.spec.returns !== undefined ? checker.check(c.spec.returns) : undefined;
      if (rerr !== undefined && !options.strict) {
        const s = c.spec.source;
        const warning: ImportWarning = {
          file: s.file,
          pointer: `${s.pointer}/${c.returnsKey}`,
          ...(s.line !== undefined ? { line: s.line } : {}),
          operation: s.http ? operationLabel(s.http.method, s.http.path, c.sourceName) : c.sourceName,
          message: `tool "${c.sourceName}": returns schema does not compile (${rerr}); replaced by {} (any value)`,
        };
        warnings.push(warning);
        options.onWarning?.(warning);
        c.spec.returns = { description: `(returns schema did not compile at import: ${clip(rerr, 200)}; any value accepted)` };
        continue;
      }
      const err = perr !== undefined ? schemaError(c, "parameters", perr) : rerr !== undefined ? schemaError(c, "returns", rerr) : undefined;
      if (!err) continue;
      if (c.format !== "openapi" || options.strict || !c.spec.source.http) throw err;
      uncompiled.add(c);
      counts(c.format).skipped++;
      // The skip points at the parameter's schema when ajv's message names one (`data/properties/n/minimum ...`).
      const prop = c.propertyPointers && field(perr ?? "", c.propertyPointers);
      const pointer = prop ?? c.spec.source.pointer;
      openapi.onSkip!(skipOf({ loc: { file: c.spec.source.file, pointer }, http: c.spec.source.http, name: c.sourceName }, err.message));
    }
  }
  if (uncompiled.size > 0) {
    for (const [name, variants] of groups) {
      const left = variants.filter((c) => !uncompiled.has(c));
      if (left.length === 0) groups.delete(name);
      else groups.set(name, left);
    }
    for (let i = order.length - 1; i >= 0; i--) if (uncompiled.has(order[i]!)) order.splice(i, 1);
  }

  // Rename later variants.
  let conflictsRenamed = 0;
  let conflictsDropped = 0;
  const taken = new Set(groups.keys());
  const kept = new Set<Candidate>();
  for (const [name, variants] of groups) {
    variants.forEach((c, i) => {
      if (i === 0) {
        kept.add(c);
        return;
      }
      if (policy === "first") {
        conflictsDropped++;
        return;
      }
      let n = i + 1;
      let candidate = suffixed(name, n);
      while (taken.has(candidate)) candidate = suffixed(name, ++n);
      taken.add(candidate);
      c.spec.name = candidate;
      c.spec.originalName ??= c.sourceName;
      conflictsRenamed++;
      counts(c.format).conflictsRenamed++;
      kept.add(c);
    });
  }

  const tools: ToolSpec[] = [];
  const fixes: SchemaFix[] = [];
  let namesSanitized = 0;
  const schemasCut = { tools: 0, description: 0, parameters: 0, returns: 0 };
  for (const c of order) {
    if (!kept.has(c)) continue;
    const spec = ToolSpecZ.parse(c.spec);
    tools.push(spec);
    if (c.cut?.description || c.cut?.parameters || c.cut?.returns) schemasCut.tools++;
    if (c.cut?.description) schemasCut.description++;
    if (c.cut?.parameters) schemasCut.parameters++;
    if (c.cut?.returns) schemasCut.returns++;
    counts(c.format).toolsWritten++;
    if (c.baseName !== c.sourceName) namesSanitized++;
    for (const fix of c.fixes) {
      const f: SchemaFix = { tool: spec.name, file: spec.source.file, pointer: spec.source.pointer, fix };
      if (spec.source.line !== undefined) f.line = spec.source.line;
      fixes.push(f);
    }
  }
  if (tools.length === 0) {
    throw new InputError(`no tools found in ${files.join(", ")}`, { code: "NO_TOOLS" });
  }
  const report: ImportReport = {
    inputsRead: files.length,
    // Every operation / tool read, including those skipped: toolsRead = toolsWritten + duplicatesMerged +
    // conflictsDropped + skipped.length.
    toolsRead: Object.values(perFormat).reduce((n, c) => n + c.toolsRead, 0),
    duplicatesMerged,
    conflictsRenamed,
    conflictsDropped,
    namesSanitized,
    toolsWritten: tools.length,
    schemaBudget: budget ?? null,
    schemasCut,
    onConflict: policy,
    files: fileReports,
    perFormat,
    fixes,
    skipped,
    warnings,
  };
  return { tools, report };
}

/** The warning for an OpenAPI operation left out after conversion. */
function skipOf(d: Pick<ToolDraft, "loc" | "http" | "name">, reason: string): SkippedOperation {
  const op = d.http ? operationLabel(d.http.method, d.http.path, typeof d.name === "string" ? d.name : undefined) : String(d.name);
  return skippedOperation(d.loc, op, reason);
}

/** The pointer of the first property named in an ajv message (`.../properties/<name>/...`), if one is known. */
function field(message: string, pointers: Record<string, string>): string | undefined {
  for (const m of message.matchAll(/properties\/([^/\s]+)/g)) {
    const name = m[1]!.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Object.prototype.hasOwnProperty.call(pointers, name)) return pointers[name];
  }
  return undefined;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function suffixed(name: string, n: number): string {
  const suffix = `_v${n}`;
  return name.length + suffix.length <= 64 ? name + suffix : name.slice(0, 64 - suffix.length) + suffix;
}

function schemaError(c: Candidate, field: "parameters" | "returns", message: string): InputError {
  const s = c.spec.source;
  return new InputError(`tool "${c.sourceName}": ${field} schema does not compile: ${message}`, {
    file: s.file,
    line: s.line,
    pointer: `${s.pointer}/${field === "parameters" ? c.parametersKey : c.returnsKey}`,
    code: "BAD_SCHEMA",
  });
}
