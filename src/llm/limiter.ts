/**
 * One limiter shared by every stage and model: a concurrency cap (p-limit) plus optional requests-per-minute
 * and tokens-per-minute budgets over a sliding 60-second window. Each HTTP attempt (including retries) passes
 * through it; waits for backoff happen outside it so they do not hold a slot.
 */
import pLimit, { type LimitFunction } from "p-limit";
import { sleep } from "./retry.js";

export interface LimiterOptions {
  /** Requests in flight at once. Default 8. */
  concurrency?: number;
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  /** Window length in ms (default 60,000; tests may shorten it). */
  windowMs?: number;
}

interface Grant {
  at: number;
  tokens: number;
}

export class RequestLimiter {
  readonly concurrency: number;
  readonly requestsPerMinute: number | undefined;
  readonly tokensPerMinute: number | undefined;
  private readonly windowMs: number;
  private readonly limit: LimitFunction;
  private grants: Grant[] = [];
  private head = 0;
  /** Whether an RPM or TPM budget applies (otherwise only the concurrency cap). */
  private readonly budgeted: boolean;
  private tokensInWindow = 0;
  /** Requests started through this limiter. */
  started = 0;

  constructor(options: LimiterOptions = {}) {
    this.concurrency = Math.max(1, Math.floor(options.concurrency ?? 8));
    this.requestsPerMinute = positive(options.requestsPerMinute);
    this.tokensPerMinute = positive(options.tokensPerMinute);
    this.windowMs = options.windowMs ?? 60_000;
    this.limit = pLimit(this.concurrency);
    this.budgeted = this.requestsPerMinute !== undefined || this.tokensPerMinute !== undefined;
  }

  /** Requests running or waiting for a slot. */
  get pending(): number {
    return this.limit.activeCount + this.limit.pendingCount;
  }

  /**
   * Run `fn` within the limits. `tokens` is the request's estimated size (prompt + expected completion);
   * `fn` may return the actual count through `settle` so the TPM window reflects real usage.
   */
  run<T>(
    fn: (settle: (actualTokens: number) => void) => Promise<T>,
    options: { tokens?: number; signal?: AbortSignal } = {},
  ): Promise<T> {
    if (!this.budgeted) {
      // Concurrency cap only: no window bookkeeping, no extra awaits per request.
      return this.limit(() => {
        this.started++;
        return fn(ignoreSettle);
      });
    }
    return this.limit(async () => {
      const grant = await this.acquire(options.tokens ?? 0, options.signal);
      this.started++;
      return fn((actual) => {
        if (!Number.isFinite(actual) || actual < 0) return;
        this.tokensInWindow += actual - grant.tokens;
        grant.tokens = actual;
      });
    });
  }

  /** Grants in the window: `grants[head..]` (the head index avoids copying the array on every prune). */
  private get inWindow(): number {
    return this.grants.length - this.head;
  }

  private prune(now: number): void {
    const g = this.grants;
    while (this.head < g.length && (g[this.head] as Grant).at <= now - this.windowMs) {
      this.tokensInWindow -= (g[this.head] as Grant).tokens;
      this.head++;
    }
    if (this.head >= 64 && this.head * 2 > g.length) {
      this.grants = g.slice(this.head);
      this.head = 0;
    }
  }

  private async acquire(tokens: number, signal?: AbortSignal): Promise<Grant> {
    for (;;) {
      const now = performance.now();
      this.prune(now);
      const rpmFull = this.requestsPerMinute !== undefined && this.inWindow >= this.requestsPerMinute;
      const tpmFull =
        this.tokensPerMinute !== undefined &&
        this.inWindow > 0 &&
        this.tokensInWindow + tokens > this.tokensPerMinute;
      if (!rpmFull && !tpmFull) {
        const g = { at: now, tokens };
        this.grants.push(g);
        this.tokensInWindow += tokens;
        return g;
      }
      const oldest = this.grants[this.head] as Grant;
      await sleep(Math.max(1, oldest.at + this.windowMs - now + 1), signal);
    }
  }
}

function ignoreSettle(): void {}

function positive(x: number | undefined): number | undefined {
  return x !== undefined && Number.isFinite(x) && x > 0 ? x : undefined;
}
