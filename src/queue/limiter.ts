/**
 * The limiter workers share through Redis: one request rate per model endpoint over every worker (a GCRA token
 * bucket in a Lua script, timed by Redis's own clock), so ten workers together send the endpoint its rate, not ten
 * times it. It sits around every model call of a worker as middleware (src/llm's ModelMiddleware). BullMQ's own
 * `limiter` counts jobs per queue, and a job here is a whole dialogue of many calls to whichever endpoint its run
 * names, so it cannot express "N requests a minute to this server"; see docs/scale.md.
 */
import { createHash } from "node:crypto";
import { setTimeout as delay } from "node:timers/promises";
import type { Redis } from "ioredis";
import type { ModelMiddleware } from "../llm/index.js";

/**
 * Grant one request if the endpoint's schedule allows it now (returns 0), else the milliseconds to wait.
 * KEYS[1] holds the theoretical arrival time (ms) of the next request; ARGV: interval ms, burst.
 */
const GCRA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local wait = tat - now - (burst - 1) * interval
if wait > 0 then return wait end
local nextTat = tat + interval
redis.call('SET', KEYS[1], nextTat, 'PX', nextTat - now + 1000)
return 0`;

export interface SharedLimiterOptions {
  /** Requests per minute to the endpoint over every worker that uses the same key. */
  requestsPerMinute: number;
  /** Requests that may go at once after a quiet spell (default 1: evenly spaced). */
  burst?: number;
}

/** The Redis key of an endpoint's schedule (the URL is hashed: keys carry no credentials). */
export function limiterKey(endpoint: string): string {
  return `toolflow:limit:${createHash("sha256").update(endpoint).digest("hex").slice(0, 24)}`;
}

export class SharedRateLimiter {
  private readonly interval: number;
  private readonly burst: number;
  /** Requests granted through this limiter, and the total ms they waited. */
  granted = 0;
  waitedMs = 0;

  constructor(
    private readonly redis: Redis,
    readonly key: string,
    options: SharedLimiterOptions,
  ) {
    if (!(options.requestsPerMinute > 0)) throw new RangeError("requestsPerMinute must be positive");
    this.interval = 60_000 / options.requestsPerMinute;
    this.burst = Math.max(1, Math.floor(options.burst ?? 1));
  }

  /** Wait until the endpoint's schedule grants one request. */
  async acquire(signal?: AbortSignal): Promise<void> {
    const started = performance.now();
    for (;;) {
      const wait = Number(await this.redis.eval(GCRA, 1, this.key, String(this.interval), String(this.burst)));
      if (wait <= 0) break;
      await delay(Math.min(wait, 5000), undefined, signal ? { signal } : {});
    }
    this.granted++;
    this.waitedMs += performance.now() - started;
  }

  middleware(): ModelMiddleware {
    return {
      name: "shared-rate-limit",
      chat: async ({ request, next }) => {
        await this.acquire(request.signal);
        return next(request);
      },
    };
  }
}
