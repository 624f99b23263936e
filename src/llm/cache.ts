/**
 * Response cache on disk (SQLite in WAL mode via better-sqlite3), keyed by a SHA-256 of the full request:
 * model id, endpoint, messages, tools, tool choice, response format, temperature, seed and max tokens.
 * A resumed or repeated run pays nothing twice: `cacheMiddleware()` answers repeats from the cache (marked
 * `cached: true`) and shares one in-flight call between identical concurrent requests.
 *
 * SQLite commits are atomic and durable, so a kill never leaves a torn entry; WAL plus a busy timeout lets
 * several processes share one cache file. Only validated results are stored, never a request or a key (a
 * registered secret in a result, in any of its encoded forms, is stored as "[REDACTED]").
 *
 * When the disk fails the cache (core's `sqliteError` names the file and SQLite's code):
 * - a cache that cannot be opened at all (its folder cannot be made, SQLITE_CANTOPEN, SQLITE_READONLY, SQLITE_FULL
 *   or SQLITE_IOERR while creating its table, a file that is not a database) stops the command before any model is
 *   asked: the user asked for a cache, and running without one would pay again for every answer of a later rerun;
 * - a cache that stops accepting writes during a run (a full disk, a file made read-only, an I/O error) does not
 *   stop the run: one warning names the file and the reason, caching is off from then on (answers are no longer
 *   stored; what was stored before is kept), and the run's own files are written as before. A failed read turns
 *   reading off too. A disk that is full for the run's own files stops the run there, with the writer's own error.
 */
import { createHash } from "node:crypto";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { z } from "zod";
import { canonicalJson, isSqliteStorageError, makeDirSync, openSqliteFile, sqliteError, ToolflowError } from "../core/index.js";
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

export interface SqliteCacheOptions {
  /**
   * Where the one warning goes when the cache cannot be written or read any more during a run (a line without a
   * trailing newline). Default: standard error, as "toolflow: warning: ...".
   */
  warn?: (line: string) => void;
}

/** What a cache that cannot be opened leaves as it was. */
const OPEN_KEPT = "the cache holds what was answered before, if anything; nothing was asked and the run's own files are intact";

/** The response cache's database with its table and statements (core's openSqliteFile: one line when it fails). */
function openResponses(path: string) {
  return openSqliteFile(
    path,
    () => new Database(path),
    (db) => {
      db.pragma("journal_mode = WAL");
      db.pragma("synchronous = NORMAL");
      db.pragma("busy_timeout = 10000");
      db.exec("CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, model TEXT NOT NULL, value TEXT NOT NULL, created_at INTEGER NOT NULL)");
      return {
        get: db.prepare<[string], { value: string }>("SELECT value FROM responses WHERE key = ?"),
        set: db.prepare<[string, string, string, number]>("INSERT OR REPLACE INTO responses (key, model, value, created_at) VALUES (?, ?, ?, ?)"),
        count: db.prepare<[], { n: number }>("SELECT COUNT(*) AS n FROM responses"),
      };
    },
    "cannot open the response cache",
    OPEN_KEPT,
  );
}

/** SQLite-backed cache. */
export class SqliteResponseCache implements ResponseCache {
  private readonly db: Database.Database;
  private readonly getStmt: Database.Statement<[string], { value: string }>;
  private readonly setStmt: Database.Statement<[string, string, string, number]>;
  private readonly countStmt: Database.Statement<[], { n: number }>;
  private readonly warn: (line: string) => void;
  hits = 0;
  misses = 0;
  /** Answers stored by this process. */
  stored = 0;
  /** Whether answers are still stored / read (false after a write / read the disk refused; see the file's comment). */
  writing = true;
  reading = true;
  /** The warning given when caching was turned off, if it was. */
  disabledBecause: string | undefined;

  constructor(
    readonly path: string,
    options: SqliteCacheOptions = {},
  ) {
    this.warn = options.warn ?? ((line) => process.stderr.write(`toolflow: ${line}\n`));
    makeDirSync(dirname(path), "the response cache folder", "nothing was written");
    let opened: ReturnType<typeof openResponses>;
    try {
      opened = openResponses(path);
    } catch (err) {
      // a storage error is core's one line already; anything else is a configuration problem naming the file
      throw err instanceof ToolflowError ? err : new ModelConfigError(`cannot open the response cache ${path}: ${(err as Error).message}`, { cause: err });
    }
    const { db, prepared } = opened;
    this.getStmt = prepared.get;
    this.setStmt = prepared.set;
    this.countStmt = prepared.count;
    this.db = db;
  }

  /** Turn caching off after a refused write or read (one warning), or rethrow what is not the disk's doing. */
  private disable(err: unknown, what: "written" | "read"): void {
    if (!isSqliteStorageError(err)) throw err;
    this.writing = false;
    if (what === "read") this.reading = false;
    if (this.disabledBecause !== undefined) return;
    const e = sqliteError(err, this.path, `the response cache cannot be ${what}:`, "") as Error;
    const reason = e.message.replace(/; $/, "");
    this.disabledBecause =
      `warning: ${reason}; caching is off for the rest of this run (answers are no longer stored${what === "read" ? " or read" : ""}; ` +
      `the answers stored before${this.stored > 0 ? ` and the ${this.stored} stored in this run` : ""} are kept; the run's own files are not affected)`;
    this.warn(this.disabledBecause);
  }

  get(key: string): ChatResult | undefined {
    if (!this.reading) {
      this.misses++;
      return undefined;
    }
    let row: { value: string } | undefined;
    try {
      row = this.getStmt.get(key);
    } catch (err) {
      this.disable(err, "read");
      this.misses++;
      return undefined;
    }
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
    if (!this.writing) return;
    const { cached: _c, ...stored } = result;
    try {
      // A model that repeats a registered secret (in any encoded form) does not get it onto disk.
      this.setStmt.run(key, model, redactedJson(stored), Date.now());
      this.stored++;
    } catch (err) {
      this.disable(err, "written");
    }
  }

  get size(): number {
    return this.countStmt.get()?.n ?? 0;
  }

  close(): void {
    if (!this.db.open) return;
    try {
      this.db.close();
    } catch (err) {
      // closing checkpoints the WAL into the file; a disk that refuses it loses nothing committed (the WAL stays)
      this.disable(err, "written");
    }
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
