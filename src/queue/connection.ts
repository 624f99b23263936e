/**
 * The `--queue redis://HOST:PORT/DB` URL: parsing (with the option named in errors), the ioredis options every
 * connection of the queue uses (reconnect forever with a capped backoff, commands wait for the reconnect), and a
 * first check that names the URL when Redis is unreachable. Passwords never appear in messages.
 */
import { Redis, type RedisOptions } from "ioredis";
import { stripUrlCredentials, ToolflowError, UsageError } from "../core/index.js";

/** Errors of the queue (Redis unreachable, a run missing or refused). Exit code 1. */
export class QueueError extends ToolflowError {
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(message, { code: options.code ?? "QUEUE_ERROR", cause: options.cause });
  }
}

export interface QueueUrl {
  /** The URL without its password, for messages. */
  display: string;
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
}

/** Parse `redis://[user:password@]host[:port][/db]` (or `rediss://` for TLS). */
export function parseQueueUrl(text: string, flag = "--queue"): QueueUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${flag}: expected a URL like redis://127.0.0.1:6379/0, got "${stripUrlCredentials(text)}"`);
  }
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw new UsageError(`${flag}: expected a redis:// or rediss:// URL, got "${stripUrlCredentials(text)}"`);
  }
  if (url.hostname === "") throw new UsageError(`${flag}: the URL names no host: "${stripUrlCredentials(text)}"`);
  const port = url.port === "" ? 6379 : Number(url.port);
  const path = url.pathname.replace(/^\//, "");
  if (path !== "" && !/^\d{1,5}$/.test(path)) {
    throw new UsageError(`${flag}: the database must be a number (redis://host:port/DB), got "/${path}"`);
  }
  const db = path === "" ? 0 : Number(path);
  const out: QueueUrl = {
    display: stripUrlCredentials(`${url.protocol}//${url.username ? url.username + ":x@" : ""}${url.host}/${db}`),
    host: url.hostname.replace(/^\[(.*)\]$/, "$1"),
    port,
    db,
    tls: url.protocol === "rediss:",
  };
  if (url.username) out.username = decodeURIComponent(url.username);
  if (url.password) out.password = decodeURIComponent(url.password);
  return out;
}


/**
 * ioredis options for the queue's connections. `maxRetriesPerRequest: null` (BullMQ workers need it): a command
 * issued while the connection is down waits for the reconnect instead of failing; reconnects back off up to 2 s and
 * never give up, so a Redis restart or a network blip mid-run is ridden out. `onReconnect` hears each attempt.
 */
export function redisOptions(
  q: QueueUrl,
  options: { onReconnect?: (attempt: number, delayMs: number) => void } = {},
): RedisOptions & { retryStrategy: (times: number) => number } {
  return {
    host: q.host,
    port: q.port,
    db: q.db,
    ...(q.username !== undefined ? { username: q.username } : {}),
    ...(q.password !== undefined ? { password: q.password } : {}),
    ...(q.tls ? { tls: {} } : {}),
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    retryStrategy: (times: number) => {
      const delay = Math.min(2000, 50 * 2 ** Math.min(times, 6));
      options.onReconnect?.(times, delay);
      return delay;
    },
  };
}

/** Connect once, without retrying: an unreachable Redis is a clear error naming the URL. */
export async function checkRedis(q: QueueUrl, timeoutMs = 5000): Promise<void> {
  const probe = new Redis({
    ...redisOptions(q),
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    enableOfflineQueue: false,
  });
  probe.on("error", () => {});
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new QueueError(`cannot reach Redis at ${q.display}: ${stripUrlCredentials(reason)}`, { code: "QUEUE_UNREACHABLE", cause: err });
  } finally {
    probe.disconnect();
  }
}

/** A connection for the queue's own keys (records, counts, the run definition). */
export function openRedis(q: QueueUrl, log?: (line: string) => void): Redis {
  let down = false;
  const redis = new Redis(
    redisOptions(q, {
      onReconnect: (attempt) => {
        if (!down || attempt % 10 === 1) log?.(`queue: lost the connection to Redis at ${q.display}; reconnecting (attempt ${attempt})`);
        down = true;
      },
    }),
  );
  redis.on("error", () => {}); // reported through onReconnect; commands wait for the reconnect
  redis.on("ready", () => {
    if (down) log?.(`queue: reconnected to Redis at ${q.display}`);
    down = false;
  });
  return redis;
}
