/**
 * `synth --execute SPEC`: which executor runs each tool, and the hook the dialogue generator calls for every tool
 * call. SPEC is a comma-separated list of
 *   - `mcp` / `http`: every tool that can run there (listed from an MCP server / an OpenAPI operation);
 *   - `NAME=EXECUTOR`: one tool (by name) or one source (a tool file, as a path or file name, or an MCP server as
 *     `tools.jsonl` writes it) to `simulate`, `mcp` or `http`.
 * A tool's own entry wins over its source's, which wins over `mcp` / `http`; everything else is simulated.
 *
 * Safety: a call that can change things (HTTP methods other than GET / HEAD; MCP tools annotated destructive or
 * not annotated read-only) runs only with `allowWrites`; without it the call is simulated and its record says why.
 * Each tool has its own limiter (concurrency, optional rate limit); each attempt has a timeout; timeouts, network
 * errors, HTTP 429 / 5xx are retried. Secrets (auth header values and server variables from the environment) are
 * sent, never returned: every form of one a server may echo (raw, JSON-escaped, URL-encoded, base64 / base64url /
 * hex of the value or of `prefix + value`; see src/llm/secret-forms.ts) is replaced by "[REDACTED]" in results,
 * errors and thrown errors before the dialogue sees them. Auth values are also registered with the model layer's redaction, so that every record, manifest,
 * cache entry and message toolflow writes is scrubbed of them too.
 */
import { basename } from "node:path";
import { formatAjvErrors, SchemaCompileError, tryCompileSchema, UsageError, type ToolExecution, type ToolSpec } from "../core/index.js";
import type { ExecuteToolHook, ToolExecutionOutcome } from "../agents/index.js";
import { redactError, redactKnownDeep, registerSecret, RequestLimiter } from "../llm/index.js";
import {
  configUrlError,
  ExecuteConfigZ,
  loadExecuteConfig,
  sourceConfigFor,
  sourceKeys,
  type ExecuteConfig,
  type ExecuteConfigInput,
  type ExecuteLimits,
} from "./config.js";
import { badBaseUrl, HttpExecutor, type HttpEndpoint } from "./http.js";
import { McpExecutor } from "./mcp.js";
import { EXECUTOR_KINDS, type AttemptLimits, type Executor, type ExecutorKind, type RealExecutorKind } from "./types.js";

export interface ExecuteSpec {
  /** `mcp` / `http` given alone. */
  kinds: Set<RealExecutorKind>;
  /** `NAME=EXECUTOR` entries, in order. */
  targets: Map<string, ExecutorKind>;
}

/** Parse `--execute` (UsageError naming the bad item). */
export function parseExecuteSpec(text: string): ExecuteSpec {
  const spec: ExecuteSpec = { kinds: new Set(), targets: new Map() };
  const items = text.split(",").map((x) => x.trim()).filter((x) => x !== "");
  if (items.length === 0) throw new UsageError(`--execute: expected mcp, http or NAME=EXECUTOR (executors: ${EXECUTOR_KINDS.join(", ")})`);
  for (const item of items) {
    const eq = item.lastIndexOf("=");
    const kind = (eq >= 0 ? item.slice(eq + 1) : item).trim();
    if (!(EXECUTOR_KINDS as readonly string[]).includes(kind)) {
      throw new UsageError(`--execute: unknown executor "${kind}" in "${item}" (executors: ${EXECUTOR_KINDS.join(", ")})`);
    }
    if (eq < 0) {
      if (kind === "simulate") continue; // the default
      spec.kinds.add(kind as RealExecutorKind);
    } else {
      const name = item.slice(0, eq).trim();
      if (name === "") throw new UsageError(`--execute: "${item}" names no tool or source before "="`);
      spec.targets.set(name, kind as ExecutorKind);
    }
  }
  return spec;
}

/** What happens to one tool's calls. */
export interface ExecutionPlanRow {
  tool: string;
  executor: ExecutorKind;
  /** `GET http://host/v1/pets/{petId}`, `mcp+stdio:...`; null when simulated. */
  target: string | null;
  /** The call can change things. */
  write: boolean;
  /** false when a write is refused (no --allow-writes): its calls are simulated. */
  runs: boolean;
  note?: string;
}

export interface ToolExecutionSetup {
  /** Pass as GenerateOptions.executeTool. */
  hook: ExecuteToolHook;
  /** One row per tool, in the order given. */
  plan: ExecutionPlanRow[];
  close(): Promise<void>;
}

export interface ExecutionOptions {
  /** `--execute` */
  execute: string;
  /** `--execute-config` (path) or the config itself. */
  config?: string | ExecuteConfigInput;
  allowWrites?: boolean;
  /** Where auth values are read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Test seam: executors to use instead of the real ones. */
  executors?: Partial<Record<RealExecutorKind, Executor>>;
  /**
   * The tools given are part of those `execute` was checked against (a queue worker has the run's sampled tools
   * only): an entry naming none of them is not an error here.
   */
  subsetOfTools?: boolean;
}

const DEFAULT_LIMITS = { timeoutMs: 15_000, retries: 2, retryDelayMs: 250, concurrency: 4 } as const;

function keysOf(tool: ToolSpec): string[] {
  return [tool.name, ...sourceKeys(tool)];
}

/** Which executor each tool uses (UsageError for an entry that fits no tool, or a tool an executor cannot run). */
export function assignExecutors(
  tools: readonly ToolSpec[],
  spec: ExecuteSpec,
  options: { subsetOfTools?: boolean } = {},
): Map<string, ExecutorKind> {
  const used = new Set<string>();
  const out = new Map<string, ExecutorKind>();
  for (const t of tools) {
    let kind: ExecutorKind = "simulate";
    let why = "";
    const own = spec.targets.get(t.name);
    const source = sourceKeys(t).find((k) => spec.targets.has(k));
    if (own !== undefined) {
      kind = own;
      used.add(t.name);
      why = `--execute ${t.name}=${own}`;
    } else if (source !== undefined) {
      kind = spec.targets.get(source)!;
      used.add(source);
      why = `--execute ${source}=${kind}`;
    } else if (spec.kinds.has("mcp") && t.source.mcp) kind = "mcp";
    else if (spec.kinds.has("http") && t.source.http) kind = "http";
    if (kind === "mcp" && !t.source.mcp) throw new UsageError(`${why}: tool "${t.name}" was not listed from a live MCP server (source ${t.source.file})`);
    if (kind === "http" && !t.source.http) throw new UsageError(`${why}: tool "${t.name}" is not an OpenAPI operation (source ${t.source.file})`);
    out.set(t.name, kind);
  }
  for (const name of options.subsetOfTools ? [] : spec.targets.keys()) {
    if (!used.has(name) && !tools.some((t) => keysOf(t).includes(name))) {
      throw new UsageError(`--execute: "${name}" is neither a tool name nor a tool source of the run's tools`);
    }
  }
  return out;
}

function limitsFor(config: ExecuteConfig | undefined, tool: ToolSpec): Required<Omit<ExecuteLimits, "rateLimit">> & Pick<ExecuteLimits, "rateLimit"> {
  const src = sourceConfigFor(config, tool);
  const d = config?.defaults ?? {};
  const rateLimit = src?.rateLimit ?? d.rateLimit;
  return {
    timeoutMs: src?.timeoutMs ?? d.timeoutMs ?? DEFAULT_LIMITS.timeoutMs,
    retries: src?.retries ?? d.retries ?? DEFAULT_LIMITS.retries,
    retryDelayMs: src?.retryDelayMs ?? d.retryDelayMs ?? DEFAULT_LIMITS.retryDelayMs,
    concurrency: src?.concurrency ?? d.concurrency ?? DEFAULT_LIMITS.concurrency,
    ...(rateLimit ? { rateLimit } : {}),
  };
}

/**
 * Replace every form of a secret (raw, JSON-escaped, URL-encoded, base64, ...: src/llm/secret-forms.ts) in the
 * strings and keys of a value by "[REDACTED]"; registered secrets are removed too.
 */
export function scrubSecrets<T>(value: T, secrets: readonly string[]): T {
  return redactKnownDeep(value, secrets);
}

/** Set up the executors of a run's tools: the plan (what runs where) and the hook. */
export async function createToolExecution(tools: readonly ToolSpec[], options: ExecutionOptions): Promise<ToolExecutionSetup> {
  const spec = parseExecuteSpec(options.execute);
  let config: ExecuteConfig | undefined;
  if (typeof options.config === "string") config = await loadExecuteConfig(options.config);
  else if (options.config !== undefined) {
    const parsed = ExecuteConfigZ.safeParse(options.config);
    if (!parsed.success) throw new UsageError(`execute config: ${parsed.error.issues[0]?.path.join(".") ?? ""}: ${parsed.error.issues[0]?.message ?? "invalid"}`);
    config = parsed.data;
    const bad = configUrlError(config);
    if (bad) throw new UsageError(`execute config: ${bad.message}`);
  }
  const env = options.env ?? process.env;
  const kinds = assignExecutors(tools, spec, { subsetOfTools: options.subsetOfTools ?? false });
  const secrets: string[] = [];

  // Auth values, read once; a variable that is not set is an error naming it (never its value).
  const authHeader = (tool: ToolSpec): { header: string; value: string; secret: string } | undefined => {
    const src = sourceConfigFor(config, tool);
    if (!src?.auth) return undefined;
    const raw = env[src.auth.env];
    if (raw === undefined || raw === "") {
      throw new UsageError(`--execute-config: source "${src.match}" takes its ${src.auth.header} header from $${src.auth.env}, which is not set`);
    }
    const value = src.auth.prefix + raw;
    if (!secrets.includes(raw)) secrets.push(raw);
    registerSecret(raw, { prefixes: [src.auth.prefix] });
    return { header: src.auth.header, value, secret: raw };
  };
  const endpoints = new Map<string, HttpEndpoint>();
  const http =
    options.executors?.http ??
    new HttpExecutor((tool) => {
      const e = endpoints.get(tool.name);
      if (!e) throw new UsageError(`tool "${tool.name}" is not set up for the http executor`);
      return e;
    });
  const mcpOptions = new Map<string, { headers?: Record<string, string>; env?: Record<string, string> }>();
  const mcp = options.executors?.mcp ?? new McpExecutor((tool) => mcpOptions.get(tool.name) ?? {});
  // Environment variables a stdio MCP server gets (names in the config; values read now, never stored).
  const serverEnv = (tool: ToolSpec): Record<string, string> | undefined => {
    const src = sourceConfigFor(config, tool);
    if (!src?.env || src.env.length === 0) return undefined;
    const out: Record<string, string> = {};
    for (const name of src.env) {
      const v = env[name];
      if (v === undefined) throw new UsageError(`--execute-config: source "${src.match}" passes $${name} to its MCP server, but it is not set`);
      out[name] = v;
      if (v !== "" && !secrets.includes(v)) secrets.push(v);
    }
    return out;
  };
  const executors: Record<RealExecutorKind, Executor> = { http, mcp };

  const plan: ExecutionPlanRow[] = [];
  const limiters = new Map<string, { limits: AttemptLimits }>();
  for (const t of tools) {
    const kind = kinds.get(t.name) ?? "simulate";
    if (kind === "simulate") {
      plan.push({ tool: t.name, executor: "simulate", target: null, write: false, runs: true });
      continue;
    }
    const auth = authHeader(t);
    if (kind === "http") {
      const src = sourceConfigFor(config, t);
      const server = t.source.http?.servers[0];
      let baseUrl: string | undefined;
      let from: string;
      if (src?.baseUrlEnv !== undefined) {
        baseUrl = env[src.baseUrlEnv];
        from = `$${src.baseUrlEnv} (--execute-config source "${src.match}")`;
        if (baseUrl === undefined || baseUrl.trim() === "") {
          throw new UsageError(`--execute-config: source "${src.match}" takes its base URL from $${src.baseUrlEnv}, which is not set`);
        }
      } else if (src?.baseUrl !== undefined) {
        baseUrl = src.baseUrl;
        from = `baseUrl of --execute-config source "${src.match}"`;
      } else {
        baseUrl = server;
        from = `the servers of ${basename(t.source.file)}`;
      }
      if (!baseUrl) {
        throw new UsageError(`tool "${t.name}" (${basename(t.source.file)}) has no server URL: set baseUrl for it in --execute-config`);
      }
      const why = badBaseUrl(baseUrl);
      if (why) {
        throw new UsageError(
          `tool "${t.name}": base URL "${baseUrl}" from ${from} cannot be used: ${why}` +
            (from.startsWith("the servers") ? "; set baseUrl for it in --execute-config" : ""),
        );
      }
      endpoints.set(t.name, { baseUrl, ...(auth ? { auth } : {}) });
    } else {
      const serverVars = serverEnv(t);
      mcpOptions.set(t.name, { ...(auth ? { headers: { [auth.header]: auth.value } } : {}), ...(serverVars ? { env: serverVars } : {}) });
    }
    const ex = executors[kind];
    const write = ex.isWrite(t);
    const runs = !write || options.allowWrites === true;
    const row: ExecutionPlanRow = { tool: t.name, executor: kind, target: ex.target(t), write, runs };
    if (!runs) row.note = "changes things: simulated without --allow-writes";
    plan.push(row);
    const l = limitsFor(config, t);
    const limiter = new RequestLimiter({
      concurrency: l.concurrency,
      ...(l.rateLimit ? { requestsPerMinute: l.rateLimit.calls, windowMs: l.rateLimit.perSeconds * 1000 } : {}),
    });
    limiters.set(t.name, {
      limits: { timeoutMs: l.timeoutMs, retries: l.retries, retryDelayMs: l.retryDelayMs, gate: (fn) => limiter.run(() => fn()) },
    });
  }

  const rows = new Map(plan.map((r) => [r.tool, r]));
  // A returns schema that does not compile documents, it cannot check.
  const validatorFor = (tool: ToolSpec) => {
    if (!tool.returns) return null;
    const v = tryCompileSchema(tool.returns);
    return v instanceof SchemaCompileError ? null : v;
  };

  const hook: ExecuteToolHook = async (req): Promise<ToolExecutionOutcome> => {
    const row = rows.get(req.tool.name);
    if (!row || row.executor === "simulate") return { kind: "simulate", execution: { mode: "simulated" } };
    if (!row.runs) return { kind: "simulate", execution: { mode: "simulated", executor: row.executor, note: row.note! } };
    const ex = executors[row.executor];
    const { limits } = limiters.get(req.tool.name)!;
    let raw: Awaited<ReturnType<Executor["call"]>>;
    try {
      raw = await ex.call({ tool: req.tool, arguments: req.arguments, ...(req.signal ? { signal: req.signal } : {}) }, limits);
    } catch (err) {
      throw redactError(err, secrets);
    }
    const out = scrubSecrets(raw, secrets);
    const execution: ToolExecution = { mode: "executed", executor: row.executor, target: row.target! };
    if (!out.ok) execution.error = true;
    else {
      const validate = validatorFor(req.tool);
      if (validate && !validate(out.result)) {
        execution.returnsMismatch = scrubSecrets(formatAjvErrors(validate.errors, 5), secrets);
      }
    }
    return { kind: "executed", result: out.result, ok: out.ok, ...(out.error !== undefined ? { error: out.error } : {}), execution };
  };

  return {
    hook,
    plan,
    close: async () => {
      await Promise.all([http.close(), mcp.close()]);
    },
  };
}

/** The plan as a table (for --dry-run and the start of a run). */
export function formatExecutionPlan(plan: readonly ExecutionPlanRow[]): string {
  const lines = ["execution (--execute):"];
  const w = Math.max(4, ...plan.map((r) => r.tool.length));
  for (const r of plan) {
    const what =
      r.executor === "simulate"
        ? "simulated (tool agent)"
        : `${r.runs ? "calls" : "would call"} ${r.target}${r.write ? (r.runs ? " [write, allowed]" : " [write]") : ""}`;
    lines.push(`  ${r.tool.padEnd(w)}  ${r.executor.padEnd(8)}  ${what}${r.note ? ` - ${r.note}` : ""}`);
  }
  return lines.join("\n") + "\n";
}
