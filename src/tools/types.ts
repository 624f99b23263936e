import type { HttpOperationRef, McpServerRef, ToolAnnotations, ToolFormat, ToolSource } from "../core/index.js";
import type { ImportWarning, SkippedOperation } from "./formats/openapi.js";

/** Where a record sits: the file, the line (JSONL) and the JSON pointer inside the record / document. */
export interface Location {
  file: string;
  line?: number;
  pointer: string;
}

/**
 * A tool as a converter read it, before names are sanitized, schemas normalized and compiled, and duplicates
 * resolved. `parameters` / `returns` are raw (may use BFCL type names etc.).
 */
export interface ToolDraft {
  name: unknown;
  description: unknown;
  parameters: unknown;
  returns?: unknown;
  category?: string;
  format: ToolFormat;
  loc: Location;
  /** Repairs the converter already made (e.g. a truncated template_response repaired). */
  fixes?: string[];
  /** Re-imported ToolSpec lines keep their original source and originalName. */
  source?: ToolSource;
  originalName?: string;
  /** Keys of the parameters / returns schemas in the source, for error pointers (default "parameters" / "returns"). */
  parametersKey?: string;
  returnsKey?: string;
  /** The live MCP server the tool was listed from (kept in `source.mcp`). */
  mcp?: McpServerRef;
  /** OpenAPI: the JSON pointer (in the file) of each parameters property's schema, for errors that name it. */
  propertyPointers?: Record<string, string>;
  /** The OpenAPI operation behind the tool (kept in `source.http`). */
  http?: HttpOperationRef;
  annotations?: ToolAnnotations;
}

/** What `importTools` does when one name has two different schemas. */
export const CONFLICT_POLICIES = ["rename", "first", "error"] as const;
export type ConflictPolicy = (typeof CONFLICT_POLICIES)[number];

export interface ImportOptions {
  /** Default "rename": the first variant keeps the name, later ones get `_v2`, `_v3`... */
  onConflict?: ConflictPolicy;
  /** Force a format instead of detecting it (applies to every file). */
  format?: ToolFormat;
  /** Called once per file after it is read (for progress on stderr). */
  onFile?: (file: FileReport) => void;
  /**
   * OpenAPI: fail the file when one operation cannot be converted (default: skip it with a warning). Any format: a
   * `returns` schema that does not compile is an error (default: replaced by `{}` with a warning).
   */
  strict?: boolean;
  /**
   * Estimated tokens a tool's description + parameters + returns may take together (default DEFAULT_SCHEMA_BUDGET, 1,500):
   * larger schemas are cut (schema-budget.ts). Ignored with `keepFullSchemas`.
   */
  schemaBudget?: number;
  /** Write every schema whole, however large (`--keep-full-schemas`). */
  keepFullSchemas?: boolean;
  /** OpenAPI: how often a self-referring schema is expanded along one path (default 2). */
  recursionDepth?: number;
  /** Called for each operation (or tool) left out with a warning. */
  onSkip?: (skipped: SkippedOperation) => void;
  /** Called for each warning that did not leave anything out (OpenAPI: a dangling `$ref`). */
  onWarning?: (warning: ImportWarning) => void;
  /** Timeout for listing a live MCP server's tools, ms (default 30,000). */
  mcpTimeoutMs?: number;
  /** Environment variables given to stdio MCP servers started for listing (values never stored). */
  mcpEnv?: Record<string, string>;
}

export interface FileReport {
  file: string;
  format: ToolFormat;
  /** A finer label for the format when useful, e.g. "toolalpaca", "bfcl-questions", "mcp-jsonrpc". */
  variant: string;
  toolsRead: number;
}

export interface FormatCounts {
  files: number;
  toolsRead: number;
  duplicatesMerged: number;
  conflictsRenamed: number;
  conflictsDropped: number;
  /** Operations left out (see ImportReport.skipped). read = written + merged + dropped + skipped. */
  skipped: number;
  toolsWritten: number;
}

export interface SchemaFix {
  tool: string;
  file: string;
  pointer: string;
  line?: number;
  fix: string;
}

export interface ImportReport {
  inputsRead: number;
  toolsRead: number;
  /** Same name and same canonical parameters + returns as an earlier tool: merged into it. */
  duplicatesMerged: number;
  /** Same name, different schema, renamed with a suffix (policy "rename"). */
  conflictsRenamed: number;
  /** Same name, different schema, dropped (policy "first"). */
  conflictsDropped: number;
  /** Names changed to meet `^[a-zA-Z0-9_-]{1,64}$` (the source name is kept as originalName). */
  namesSanitized: number;
  toolsWritten: number;
  /** The schema budget applied (estimated tokens per tool), or null with `keepFullSchemas`. */
  schemaBudget: number | null;
  /** Written tools the budget cut: tools, and of them those with a cut description / parameters / returns. */
  schemasCut: { tools: number; description: number; parameters: number; returns: number };
  onConflict: ConflictPolicy;
  files: FileReport[];
  perFormat: Partial<Record<ToolFormat, FormatCounts>>;
  /** Repairs made to schemas so that they compile (one entry per repair, of written tools). */
  fixes: SchemaFix[];
  /** Operations (or tools) that could not be converted and were left out (not with `strict`). */
  skipped: SkippedOperation[];
  /**
   * Problems that left nothing out: a dangling `$ref` (in an error response, or replaced by `{}`), a `returns`
   * schema that does not compile (replaced by `{}`).
   */
  warnings: ImportWarning[];
}
