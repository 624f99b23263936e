/**
 * `toolflow tools import FILE... -o tools.jsonl`: normalize tool collections to ToolSpec lines.
 * `toolflow tools lint tools.jsonl [--graph graph.json] [--json]`: tools no dialogue should use (docs/lint.md).
 */
import type { Command } from "commander";
import { checkInputFile, checkOutputFile, guardWrite, ToolflowError, UsageError, sharedOptions } from "../core/index.js";
import { buildToolGraph, ToolGraph } from "../graph/index.js";
import { SamplingGraph } from "../sampling/index.js";
import { writeFileAtomic } from "../core/index.js";
import { TOOL_FORMATS, type ToolFormat } from "../core/index.js";
import {
  CONFLICT_POLICIES,
  DEFAULT_RECURSION_DEPTH,
  DEFAULT_SCHEMA_BUDGET,
  importTools,
  LINT_RULE_INFO,
  LINT_RULES,
  lintTools,
  readToolsJsonl,
  writeToolsJsonl,
  type LintReport,
  type ConflictPolicy,
  type ImportReport,
} from "../tools/index.js";
import { intOption, listOption } from "./options.js";
import { commanderOption } from "./option-specs.js";

/** The values of the named environment variables (UsageError naming one that is not set). */
function envValues(names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) {
    const v = process.env[n];
    if (v === undefined) throw new UsageError(`--mcp-env: environment variable ${n} is not set`);
    out[n] = v;
  }
  return out;
}

interface ImportCmdOptions {
  out: string;
  onConflict: string;
  format?: string;
  report?: string;
  quiet?: boolean;
  strict?: boolean;
  recursionDepth?: number;
  mcpEnv?: string[];
  schemaBudget?: number;
  keepFullSchemas?: boolean;
}

export function registerToolsCommands(program: Command): void {
  const tools = program.command("tools").description("Tool collections: import and normalize to tools.jsonl");
  tools
    .command("import")
    .description(
      "Read tool definitions (OpenAI tools, BFCL function docs, OpenAPI 3 JSON/YAML, ToolAlpaca, MCP tools/list, " +
        "ToolBench api_list queries, tools.jsonl; format detected per file; or a running MCP server: " +
        'mcp+stdio:"CMD ARGS", mcp+http://host/path) and write one ToolSpec a line',
    )
    .argument("<files...>", 'input files, or MCP servers (mcp+stdio:"CMD ARGS", mcp+http(s)://...)')
    .addOption(commanderOption(sharedOptions.out("file", "tools.jsonl, one ToolSpec a line", { required: true })))
    .option("--on-conflict <policy>", `same name with a different schema: ${CONFLICT_POLICIES.join("|")}`, "rename")
    .option("--format <format>", `force the input format (${TOOL_FORMATS.join("|")}) instead of detecting it`)
    .option("--report <file>", "also write the import report (counts, fixes) as JSON")
    .option("-q, --quiet", "print only the summary line")
    .option("--mcp-env <names>", "environment variables to give stdio MCP servers (comma-separated names; values are never stored)", listOption("--mcp-env", "variable names"))
    .option("--strict", "fail when an OpenAPI operation cannot be converted (default: skip it with a warning), or a returns schema does not compile (default: {} with a warning)")
    .option("--recursion-depth <n>", `OpenAPI: expand a schema that refers to itself this many times along one path (default ${DEFAULT_RECURSION_DEPTH})`, intOption("--recursion-depth", 1, 10))
    .option(
      "--schema-budget <tokens>",
      `estimated tokens a tool's parameters + returns may take; larger schemas are cut (depth, properties, enum members, descriptions; the schema says where) (default ${DEFAULT_SCHEMA_BUDGET})`,
      intOption("--schema-budget", 100),
    )
    .option("--keep-full-schemas", "write every schema whole, however large (no --schema-budget)")
    .action(async (files: string[], opts: ImportCmdOptions) => {
      if (opts.keepFullSchemas && opts.schemaBudget !== undefined) {
        throw new UsageError("--schema-budget and --keep-full-schemas exclude each other");
      }
      if (!(CONFLICT_POLICIES as readonly string[]).includes(opts.onConflict)) {
        throw new UsageError(`--on-conflict must be one of ${CONFLICT_POLICIES.join(", ")}, got "${opts.onConflict}"`);
      }
      if (opts.format !== undefined && !(TOOL_FORMATS as readonly string[]).includes(opts.format)) {
        throw new UsageError(`--format must be one of ${TOOL_FORMATS.join(", ")}, got "${opts.format}"`);
      }
      checkOutputFile(opts.out, "--out");
      if (opts.report !== undefined) checkOutputFile(opts.report, "--report");
      const { tools, report } = await importTools(files, {
        onConflict: opts.onConflict as ConflictPolicy,
        ...(opts.format ? { format: opts.format as ToolFormat } : {}),
        onFile: opts.quiet
          ? undefined
          : (f) => process.stderr.write(`toolflow: ${f.file}: ${f.format} (${f.variant}), ${f.toolsRead} tools\n`),
        ...(opts.strict ? { strict: true } : {}),
        ...(opts.mcpEnv ? { mcpEnv: envValues(opts.mcpEnv) } : {}),
        ...(opts.recursionDepth !== undefined ? { recursionDepth: opts.recursionDepth } : {}),
        ...(opts.schemaBudget !== undefined ? { schemaBudget: opts.schemaBudget } : {}),
        ...(opts.keepFullSchemas ? { keepFullSchemas: true } : {}),
        onSkip: (s) =>
          process.stderr.write(`toolflow: warning: ${s.file} at ${s.pointer || "/"}: skipped ${s.operation}: ${s.reason}\n`),
        onWarning: (w) =>
          process.stderr.write(
            `toolflow: warning: ${w.file} at ${w.pointer || "/"}: ${w.operation ? `${w.operation}: ` : ""}${w.message}\n`,
          ),
      });
      await guardWrite(opts.out, () => writeToolsJsonl(opts.out, tools));
      if (opts.report) await writeFileAtomic(opts.report, JSON.stringify(report, null, 2) + "\n");
      process.stderr.write(formatReport(report, opts.out, !opts.quiet));
    });

  tools
    .command("lint")
    .description(
      "Find tools no dialogue should use: credential parameters, empty or boilerplate descriptions, returns built " +
        "from an error, adult / gambling / fraud services, required parameters that are constants (these flag the " +
        "tool: sampling leaves it out); and tools no other tool connects to in the graph (a notice). " +
        "Exit code 0: nothing flagged; 1: some tool flagged; 2: bad input",
    )
    .argument("<tools>", "tools.jsonl")
    .option("--graph <file>", "graph.json of these tools, for the isolated-tool notice (default: built with the lexical embedder)")
    .option("--no-graph", "skip the isolated-tool notice (no graph loaded or built)")
    .option("--json", "print the report as JSON (format toolflow-lint/1)")
    .option("-q, --quiet", "print only the counts per rule")
    .action(async (toolsPath: string, opts: { graph?: string | false; json?: boolean; quiet?: boolean }) => {
      checkInputFile(toolsPath, "tools file");
      if (typeof opts.graph === "string") checkInputFile(opts.graph, "--graph");
      const specs = await readToolsJsonl(toolsPath);
      let connectivity: { isolated: Set<string>; ownVariantsOnly: Set<string> } | undefined;
      let graphNote = "";
      if (opts.graph !== false) {
        const graph = typeof opts.graph === "string" ? await ToolGraph.load(opts.graph) : await buildToolGraph(specs);
        const names = new Set(graph.nodes());
        const missing = specs.filter((t) => !names.has(t.name));
        if (missing.length > 0) {
          throw new UsageError(
            `${opts.graph as string} lacks ${missing.length} of the ${specs.length} tools (e.g. "${missing[0]!.name}"): build the graph from ${toolsPath}`,
          );
        }
        const { isolated, ownVariantsOnly } = new SamplingGraph(graph).unwalkable();
        connectivity = { isolated: new Set(isolated), ownVariantsOnly: new Set(ownVariantsOnly) };
        graphNote = typeof opts.graph === "string" ? opts.graph : "built with the lexical embedder";
      }
      const report = lintTools(specs, connectivity ? { connectivity } : {});
      if (opts.json) process.stdout.write(JSON.stringify(lintJson(report, toolsPath, graphNote || null), null, 2) + "\n");
      else process.stdout.write(formatLint(report, toolsPath, graphNote, !opts.quiet));
      if (report.flagged.length > 0) {
        throw new ToolflowError(`${report.flagged.length} of ${report.tools} tools flagged (sampling leaves them out unless --include-flagged)`, {
          code: "TOOLS_FLAGGED",
          exitCode: 1,
        });
      }
    });
}

/** The JSON form of a lint report (`tools lint --json`). */
export function lintJson(report: LintReport, file: string, graph: string | null): Record<string, unknown> {
  return {
    format: "toolflow-lint/1",
    file,
    graph,
    tools: report.tools,
    flagged: report.flagged.length,
    rules: Object.fromEntries(
      LINT_RULES.map((r) => [r, { ...report.counts[r], flags: LINT_RULE_INFO[r].flags, ran: report.rules.includes(r) }]),
    ),
    findings: report.findings,
  };
}

/** Findings one a line (tool, rule, field, reason), then the counts per rule. */
export function formatLint(report: LintReport, file: string, graph: string, withFindings = true): string {
  const lines: string[] = [];
  if (withFindings) for (const f of report.findings) lines.push(`${f.tool}  ${f.rule}  ${f.field}  ${f.reason}`);
  lines.push(`toolflow lint: ${file}: ${report.tools} tools, ${report.flagged.length} flagged${graph ? ` (graph: ${graph})` : " (no graph: isolated tools not checked)"}`);
  for (const r of LINT_RULES) {
    if (!report.rules.includes(r)) continue;
    const c = report.counts[r];
    lines.push(`  ${r.padEnd(24)} ${String(c.tools).padStart(6)} tools  ${String(c.findings).padStart(6)} findings${LINT_RULE_INFO[r].flags ? "" : "  (notice, not flagged)"}`);
  }
  return lines.join("\n") + "\n";
}

/** Human-readable summary of an import report (for stderr). */
export function formatReport(report: ImportReport, output: string, perFormat = true): string {
  const lines: string[] = [];
  lines.push(
    `toolflow: ${report.toolsWritten} tools -> ${output} (inputs ${report.inputsRead}, tools read ${report.toolsRead}, ` +
      `exact duplicates merged ${report.duplicatesMerged}, name conflicts ` +
      (report.onConflict === "first" ? `dropped ${report.conflictsDropped}` : `renamed ${report.conflictsRenamed}`) +
      `, names sanitized ${report.namesSanitized}, schema fixes ${report.fixes.length}` +
      (report.schemasCut.tools > 0 ? `, tools cut to the schema budget of ${report.schemaBudget} tokens ${report.schemasCut.tools}` : "") +
      (report.skipped.length > 0 ? `, operations skipped ${report.skipped.length}` : "") +
      (report.warnings.length > 0 ? `, warnings ${report.warnings.length}` : "") +
      ")",
  );
  if (perFormat) {
    for (const [format, c] of Object.entries(report.perFormat)) {
      lines.push(
        `  ${format}: files ${c.files}, read ${c.toolsRead}, merged ${c.duplicatesMerged}, renamed ${c.conflictsRenamed}, ` +
          `dropped ${c.conflictsDropped}, ` +
          (c.skipped > 0 ? `skipped ${c.skipped}, ` : "") +
          `written ${c.toolsWritten}`,
      );
    }
  }
  return lines.join("\n") + "\n";
}
