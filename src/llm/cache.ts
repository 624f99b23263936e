/**
 * Response cache on disk (SQLite in WAL mode via better-sqlite3), keyed by a SHA-256 of the full request:
 * model id, endpoint, messages, tools, tool choice, response format, temperature, seed and max tokens.
 * A resumed or repeated run pays nothing twice: `cacheMiddleware()` answers repeats from the cache (marked
 * `cached: true`) and shares one in-flight call between identical concurrent requests.
 *
 * SQLite commits are atomic and durable, so a kill never leaves a torn entry; WAL plus a busy timeout lets
 * several processes share one cache file. Only validated results are stored, never a request or a key (a
 * registered secret in a result, in any of its encoded forms, is stored as "[REDACTED]").
 */
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { z } from "zod";
import { canonicalJson } from "../core/index.js";
import { ToolCallZ, UsageZ } from "../core/index.js";
import { ModelConfigError } from "./errors.js";
import type { ModelMiddleware } from "./middleware.js";
import { redactedJson } from "./redact.js";
import type { ChatRequest, ChatResult } from "./types.js";

const ChatResultZ = z.object({
  text: z.string(),
  toolCalls: z.array(ToolCallZ),
  /** The model's reasoning, when it gave one (kept so that a cached answer still has it). */
  reasoning: z.string().optional(),
  /** Written by earlier versions; read and ignored. */
  json: z.unknown().optional(),
  finishReason: z.enum(["stop", "length", "tool_calls", "content_filter", "error", "other"]),
  usage: UsageZ,
  model: z.string(),
});

/**
 * Cache key of a request for a model. `namespace` separates servers that use the same model id (e.g. the
 * base URL without credentials). The signal, role and context do not change the answer and are left out.
 */
export function requestCacheKey(modelId: string, request: ChatRequest, namespace = ""): string {
  const material = canonicalJson({
    v: 1,
    model: modelId,
    ns: namespace,
    messages: request.messages,
    tools: request.tools,
    toolChoice: request.toolChoice,
    responseFormat: request.responseFormat,
    temperature: request.temperature,
    seed: request.seed,
    maxTokens: request.maxTokens,
    reasoning: request.reasoning,
  });
  return createHash("sha256").update(material).digest("hex");
}

export interface ResponseCache {
  get(key: string): ChatResult | undefined;
  set(key: string, model: string, result: ChatResult): void;
  readonly size: number;
  close(): void;
}

/** SQLite-backed cache. */
export class SqliteResponseCache implements ResponseCache {
  private readonly db: Database.Database;
  private readonly getStmt: Database.Statement<[string], { value: string }>;
  private readonly setStmt: Database.Statement<[string, string, string, number]>;
  private readonly countStmt: Database.Statement<[], { n: number }>;
  hits = 0;
  misses = 0;

  constructor(readonly path: string) {
    try {
      mkdirSync(dirname(path), { recursive: true });
      this.db = new Database(path);
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = NORMAL");
      this.db.pragma("busy_timeout = 10000");
      this.db.exec(
        "CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, model TEXT NOT NULL, value TEXT NOT NULL, created_at INTEGER NOT NULL)",
      );
    } catch (err) {
      throw new ModelConfigError(`cannot open the response cache ${path}: ${(err as Error).message}`, { cause: err });
    }
    this.getStmt = this.db.prepare("SELECT value FROM responses WHERE key = ?");
    this.setStmt = this.db.prepare(
      "INSERT OR REPLACE INTO responses (key, model, value, created_at) VALUES (?, ?, ?, ?)",
    );
    this.countStmt = this.db.prepare("SELECT COUNT(*) AS n FROM responses");
  }

  get(key: string): ChatResult | undefined {
    const row = this.getStmt.get(key);
    if (!row) {
      this.misses++;
      return undefined;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(row.value);
    } catch {
      this.misses++;
      return undefined;
    }
    const r = ChatResultZ.safeParse(parsed);
    if (!r.success) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    const { json: _json, ...result } = r.data;
    return result;
  }

  set(key: string, model: string, result: ChatResult): void {
    const { cached: _c, ...stored } = result;
    // A model that repeats a registered secret (in any encoded form) does not get it onto disk.
    this.setStmt.run(key, model, redactedJson(stored), Date.now());
  }

  get size(): number {
    return this.countStmt.get()?.n ?? 0;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

/**
 * Answer repeats from `cache` (marked `cached: true`) and let identical concurrent requests share one call. Only
 * answers of real backends are worth caching; `namespace` separates servers that serve the same model id.
 */
export function cacheMiddleware(cache: ResponseCache, options: { namespace?: string } = {}): ModelMiddleware {
  const inflight = new Map<string, Promise<ChatResult>>();
  return {
    name: "cache",
    async chat({ request, next, model }) {
      const key = requestCacheKey(model.id, request, options.namespace);
      const hit = cache.get(key);
      if (hit) return { ...hit, cached: true };
      const running = inflight.get(key);
      if (running) return { ...(await running), cached: true };
      const p = next(request).then((result) => {
        cache.set(key, model.id, result);
        return result;
      });
      inflight.set(key, p);
      try {
        return await p;
      } finally {
        inflight.delete(key);
      }
    },
  };
}
