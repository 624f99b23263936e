/**
 * `--execute-config FILE` (YAML or JSON): per source (an OpenAPI file, an MCP server, or one tool), the base URL,
 * which environment variable holds the auth header's value, timeouts, retries and a rate limit. The secret itself
 * is read from the environment when the run starts; the file only names the variable, and nothing stores it.
 *
 * ```yaml
 * defaults: {timeoutMs: 10000, retries: 2}
 * sources:
 *   - match: pets.yaml              # a tool's source file (path or file name), MCP server, or tool name
 *     baseUrl: https://api.example.com/v1
 *     auth: {header: Authorization, env: PETS_TOKEN, prefix: "Bearer "}
 *     rateLimit: {calls: 5, perSeconds: 1}
 *   - match: "mcp+stdio:node memory-server.js"
 *     isolation: dialogue             # a server process per dialogue (the default when its writes run)
 * ```
 */
import { basename } from "node:path";
import { z } from "zod";
import { InputError, readJsonOrYamlFile, type ToolSpec } from "../core/index.js";
import { badBaseUrl } from "./http.js";

const LimitsZ = z
  .object({
    /** Per attempt, ms (default 15,000). */
    timeoutMs: z.number().int().min(1).max(600_000).optional(),
    /** Retries after a timeout, a network error, HTTP 429 or 5xx (default 2). */
    retries: z.number().int().min(0).max(10).optional(),
    /** First backoff, ms, doubled per retry (default 250). */
    retryDelayMs: z.number().int().min(0).max(60_000).optional(),
    /** At most `calls` calls of one tool per `perSeconds` seconds (sliding window). */
    rateLimit: z.object({ calls: z.number().int().min(1), perSeconds: z.number().positive() }).strict().optional(),
    /** Calls of one tool in flight at once (default 4). */
    concurrency: z.number().int().min(1).max(256).optional(),
  })
  .strict();
export type ExecuteLimits = z.infer<typeof LimitsZ>;

export const AuthZ = z
  .object({
    /** Header to send (default Authorization). */
    header: z.string().min(1).default("Authorization"),
    /** Environment variable holding the value; never stored or logged. */
    env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name"),
    /** Put before the value, e.g. "Bearer ". */
    prefix: z.string().default(""),
  })
  .strict();

/**
 * MCP servers: `dialogue` starts a server process per dialogue (each dialogue sees only its own writes; stdio
 * servers only), `shared` one process for the run (concurrent dialogues see each other's writes). Default:
 * `dialogue` for a stdio server whose writes run (--allow-writes), else `shared`.
 */
export const ISOLATIONS = ["dialogue", "shared"] as const;
export type Isolation = (typeof ISOLATIONS)[number];
const IsolationZ = z.enum(ISOLATIONS);

const SourceZ = LimitsZ.extend({
  match: z.string().min(1),
  isolation: IsolationZ.optional(),
  /** HTTP: replaces the OpenAPI document's `servers` (checked by badBaseUrl when the config is read). */
  baseUrl: z.string().min(1).optional(),
  /** HTTP: the environment variable holding the base URL (read when the run starts; instead of baseUrl). */
  baseUrlEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name").optional(),
  /** stdio MCP servers: environment variables passed to the server (names; the values are read at the start). */
  env: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be an environment variable name")).optional(),
  auth: AuthZ.optional(),
}).strict();
export type SourceConfig = z.infer<typeof SourceZ>;

export const ExecuteConfigZ = z
  .object({
    defaults: LimitsZ.extend({ isolation: IsolationZ.optional() }).strict().optional(),
    sources: z.array(SourceZ).default([]),
  })
  .strict();
export type ExecuteConfig = z.infer<typeof ExecuteConfigZ>;
/** An execute config as written (defaults not filled in). */
export type ExecuteConfigInput = z.input<typeof ExecuteConfigZ>;

/** The first unusable baseUrl of a config (or one giving both baseUrl and baseUrlEnv), with where it is. */
export function configUrlError(config: ExecuteConfig): { message: string; pointer: string } | null {
  for (const [i, s] of config.sources.entries()) {
    if (s.baseUrl !== undefined && s.baseUrlEnv !== undefined) {
      return { message: `source "${s.match}": give baseUrl or baseUrlEnv, not both`, pointer: `/sources/${i}` };
    }
    const why = s.baseUrl !== undefined ? badBaseUrl(s.baseUrl) : null;
    if (why) {
      return { message: `source "${s.match}": baseUrl "${s.baseUrl}" cannot be used: ${why}`, pointer: `/sources/${i}/baseUrl` };
    }
  }
  return null;
}

/** Read and validate an execute config; errors name the file and the field. */
export async function loadExecuteConfig(path: string): Promise<ExecuteConfig> {
  const data = await readJsonOrYamlFile(path, "the execute config");
  const parsed = ExecuteConfigZ.safeParse(data ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(issue?.message ?? "invalid execute config", { file: path, pointer: "/" + (issue?.path ?? []).map(String).join("/") });
  }
  const bad = configUrlError(parsed.data);
  if (bad) throw new InputError(bad.message, { file: path, pointer: bad.pointer });
  return parsed.data;
}

/** The names a tool's source answers to in `match` and `--execute`: its file (as written and its file name), its name. */
export function sourceKeys(tool: ToolSpec): string[] {
  return [tool.source.file, basename(tool.source.file)];
}

/** The config entry of a tool: one matching its name first, then its source. */
export function sourceConfigFor(config: ExecuteConfig | undefined, tool: ToolSpec): SourceConfig | undefined {
  if (!config) return undefined;
  return config.sources.find((s) => s.match === tool.name) ?? config.sources.find((s) => sourceKeys(tool).includes(s.match));
}
