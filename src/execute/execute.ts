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
 * errors and thrown errors before the dialogue sees them. Auth values are also registered with the model layer's
 * redaction, so that every record, manifest, cache entry and message toolflow writes is scrubbed of them too.
 *
 * State: an MCP server with `isolation: dialogue` (the default for a stdio server whose writes run) gets a process
 * per dialogue (`openDialogue`), so a dialogue sees only its own writes and a run is reproducible; `shared` servers
 * (and HTTP APIs) are one state for every dialogue. Each dialogue lists the writes it executed (`writes()`), so a
 * rejected dialogue's writes can be reported as discarded (its own process) or left on the server (shared).
 */
import { basename } from "node:path";
import {
  formatAjvErrors,
  SchemaCompileError,
  tryCompileSchema,
  UsageError,
  type ExecutedWrite,
  type ToolExecution,
  type ToolSpec,
} from "../core/index.js";
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
  type Isolation,
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
  /** MCP tools: `dialogue` when each dialogue gets a server process of its own, `shared` when all share one. */
  isolation?: Isolation;
  note?: string;
}

/** The tool calls of one dialogue: its hook, the writes it executed, and the end of its own server processes. */
export interface DialogueExecution {
  /** Pass as GenerateOptions.executeTool. */
  hook: ExecuteToolHook;
  /** Write calls executed so far (`discarded` on the dialogue's own process, `left` on a shared server). */
  writes(): ExecutedWrite[];
  /** End the dialogue's own server processes (waits until they have exited). Call once, also on failure. */
  close(): Promise<void>;
}

export interface ToolExecutionSetup {
  /**
   * Runs every call on shared connections (one per server), whatever the isolation: for a single dialogue or a
   * caller that wants one state. Runs with several dialogues use `openDialogue`.
   */
  hook: ExecuteToolHook;
  /** The calls of one dialogue (`id` names it in messages): servers with `isolation: dialogue` start a process for it. */
  openDialogue(id: string): DialogueExecution;
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

  resolveIsolation(tools, plan, config);

  const rows = new Map(plan.map((r) => [r.tool, r]));
  // A returns schema that does not compile documents, it cannot check.
  const validatorFor = (tool: ToolSpec) => {
    if (!tool.returns) return null;
    const v = tryCompileSchema(tool.returns);
    return v instanceof SchemaCompileError ? null : v;
  };

  /** Run one call; `scope` set: the call belongs to that dialogue, and isolated servers run it on its own process. */
  const run = async (req: Parameters<ExecuteToolHook>[0], scope?: { id: string; writes: ExecutedWrite[] }): Promise<ToolExecutionOutcome> => {
    const row = rows.get(req.tool.name);
    if (!row || row.executor === "simulate") return { kind: "simulate", execution: { mode: "simulated" } };
    if (!row.runs) return { kind: "simulate", execution: { mode: "simulated", executor: row.executor, note: row.note! } };
    const ex = executors[row.executor];
    const { limits } = limiters.get(req.tool.name)!;
    const isolated = scope !== undefined && row.isolation === "dialogue";
    const call = { tool: req.tool, arguments: req.arguments, ...(req.signal ? { signal: req.signal } : {}), ...(isolated ? { scope: scope.id } : {}) };
    let raw: Awaited<ReturnType<Executor["call"]>>;
    try {
      raw = await ex.call(call, limits);
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
    if (row.write) execution.write = true;
    if (isolated) execution.isolation = "dialogue";
    if (out.content) execution.content = out.content;
    if (row.write && scope) {
      scope.writes.push({
        tool: req.tool.name,
        callId: req.callId,
        target: row.target!,
        arguments: scrubSecrets(req.arguments, secrets),
        state: isolated ? "discarded" : "left",
        ...(out.ok ? {} : { error: true }),
      });
    }
    return { kind: "executed", result: out.result, ok: out.ok, ...(out.error !== undefined ? { error: out.error } : {}), execution };
  };

  let scopes = 0;
  const openDialogue = (id: string): DialogueExecution => {
    const scope = { id: `${id}#${++scopes}`, writes: [] as ExecutedWrite[] };
    let closed: Promise<void> | undefined;
    return {
      hook: (req) => {
        if (closed) return Promise.reject(new Error(`dialogue ${id}: its tool execution was closed`));
        return run(req, scope);
      },
      writes: () => scope.writes.map((w) => ({ ...w })),
      close: () => (closed ??= Promise.all([executors.http.release?.(scope.id), executors.mcp.release?.(scope.id)]).then(() => {})),
    };
  };

  return {
    hook: (req) => run(req),
    openDialogue,
    plan,
    close: async () => {
      await Promise.all([http.close(), mcp.close()]);
    },
  };
}

/**
 * Decide each MCP server's isolation (its tools' plan rows get it): the config's `isolation` (a source entry, else
 * `defaults`), else `dialogue` when a write of the server runs, else `shared`. UsageError when the tools of one
 * server are given different values, when a server toolflow cannot start (MCP over HTTP) would need a process per
 * dialogue, and for `isolation: dialogue` on an HTTP API.
 */
function resolveIsolation(tools: readonly ToolSpec[], plan: ExecutionPlanRow[], config: ExecuteConfig | undefined): void {
  const byName = new Map(tools.map((t) => [t.name, t]));
  type Server = { rows: ExecutionPlanRow[]; set: Map<Isolation, string>; writes: string[]; http: boolean };
  const servers = new Map<string, Server>();
  for (const row of plan) {
    const tool = byName.get(row.tool)!;
    const src = sourceConfigFor(config, tool);
    if (row.executor === "http" && src?.isolation === "dialogue") {
      throw new UsageError(
        `--execute-config: source "${src.match}" sets isolation: dialogue, but tool "${row.tool}" is an HTTP API call: ` +
          "toolflow cannot give each dialogue its own copy of an API (its state is shared by every dialogue); remove isolation for it",
      );
    }
    if (row.executor !== "mcp" || !tool.source.mcp) continue;
    const key = row.target!;
    const s: Server = servers.get(key) ?? { rows: [], set: new Map(), writes: [], http: tool.source.mcp.transport === "http" };
    servers.set(key, s);
    s.rows.push(row);
    const given = src?.isolation ?? config?.defaults?.isolation;
    if (given !== undefined && !s.set.has(given)) s.set.set(given, src?.isolation !== undefined ? `source "${src.match}"` : "defaults");
    if (row.write && row.runs) s.writes.push(row.tool);
  }
  for (const [server, s] of servers) {
    if (s.set.size > 1) {
      const said = [...s.set].map(([v, where]) => `${v} (${where})`).join(" and ");
      throw new UsageError(`--execute-config: the tools of ${server} are given different isolation: ${said}; isolation is per server: set it on the server's entry`);
    }
    const given = [...s.set.keys()][0];
    const isolation: Isolation = given ?? (s.writes.length > 0 ? "dialogue" : "shared");
    if (isolation === "dialogue" && s.http) {
      throw new UsageError(
        given !== undefined
          ? `--execute-config: isolation: dialogue for ${server}: toolflow cannot start a process per dialogue for a server it reaches over HTTP; ` +
              "set isolation: shared for it (every dialogue then sees every other's writes)"
          : `${server} takes writes (${s.writes.join(", ")}, --allow-writes) and cannot be given a process per dialogue (toolflow reaches it over HTTP, it does not start it): ` +
              `concurrent dialogues would see each other's writes. Set isolation: shared for it in --execute-config to accept that (docs/execute.md), or leave out --allow-writes`,
      );
    }
    for (const row of s.rows) row.isolation = isolation;
  }
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
    const own = r.isolation === "dialogue" && r.runs ? " [a server process per dialogue]" : "";
    lines.push(`  ${r.tool.padEnd(w)}  ${r.executor.padEnd(8)}  ${what}${own}${r.note ? ` - ${r.note}` : ""}`);
  }
  return lines.join("\n") + "\n";
}
