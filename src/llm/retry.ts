/**
 * Retry policy of the model layer: exponential backoff with jitter on 429, 5xx, timeouts, connection resets and
 * malformed bodies, honouring Retry-After (seconds or HTTP date) and retry-after-ms, capped. Errors that cannot
 * succeed by retrying (400, 401, 403, 404, 422...) fail at once.
 */
export interface RetryPolicy {
  /** Retries after the first attempt. Default 4. */
  maxRetries: number;
  /** Backoff before retry n (1-based) is baseDelayMs * 2^(n-1), with jitter, capped by maxDelayMs. Default 500. */
  baseDelayMs: number;
  /** Default 20,000. */
  maxDelayMs: number;
  /** Longest Retry-After honoured; longer values are capped to this. Default 60,000. */
  maxRetryAfterMs: number;
  /** Fraction of the backoff randomized (0 = none, 1 = full jitter). Default 0.5. */
  jitter: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 4,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  maxRetryAfterMs: 60_000,
  jitter: 0.5,
};

/** What a failed attempt means for the retry loop. */
export interface FailureInfo {
  retryable: boolean;
  /** Server-requested wait (already capped), when it sent one. */
  retryAfterMs?: number;
}

/** Minimal view of response headers (fetch Headers or a plain record). */
export type HeaderSource = { get(name: string): string | null } | Record<string, string | string[] | undefined>;

function header(headers: HeaderSource | undefined, name: string): string | undefined {
  if (!headers) return undefined;
  if (typeof (headers as { get?: unknown }).get === "function") {
    return (headers as { get(n: string): string | null }).get(name) ?? undefined;
  }
  const v = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(v) ? v[0] : v;
}

/**
 * Wait requested by the server, in ms: `retry-after-ms` (milliseconds) first, then `Retry-After` as seconds
 * (fractions allowed) or an HTTP date. Undefined when absent or unparsable; negative values become 0.
 */
export function parseRetryAfter(headers: HeaderSource | undefined, now = Date.now()): number | undefined {
  const ms = header(headers, "retry-after-ms");
  if (ms !== undefined && ms.trim() !== "") {
    const v = Number(ms);
    if (Number.isFinite(v)) return Math.max(0, v);
  }
  const ra = header(headers, "retry-after");
  if (ra === undefined || ra.trim() === "") return undefined;
  const secs = Number(ra);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const date = Date.parse(ra);
  if (Number.isFinite(date)) return Math.max(0, date - now);
  return undefined;
}

/** Delay before retry number `retry` (1-based). */
export function backoffDelay(retry: number, policy: RetryPolicy, info: FailureInfo, random = Math.random): number {
  if (info.retryAfterMs !== undefined) {
    // Honour the server's wait (never less), plus a little jitter so waiters do not all return at once.
    const wait = Math.min(info.retryAfterMs, policy.maxRetryAfterMs);
    return wait + Math.min(250, wait * 0.1) * random();
  }
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return exp * (1 - policy.jitter) + exp * policy.jitter * random();
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error("aborted"));
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason ?? new Error("aborted"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export interface RetryHooks {
  /** Classify a failure. */
  classify(err: unknown): FailureInfo;
  signal?: AbortSignal;
  /** Called before each wait, e.g. for logging (the error message is already redacted by callers). */
  onRetry?: (info: { retry: number; delayMs: number; error: unknown }) => void;
  random?: () => number;
}

/**
 * Run `attempt` until it succeeds, a failure is not retryable, or retries run out. Throws the last error,
 * annotated with `attempts` (a number property) so callers can report it. The first attempt is chained
 * directly (no async frame), as most requests succeed at once and many may wait for a limiter slot.
 */
export function withRetry<T>(attempt: (n: number) => Promise<T>, policy: RetryPolicy, hooks: RetryHooks): Promise<T> {
  let first: Promise<T>;
  try {
    first = attempt(0);
  } catch (err) {
    first = Promise.reject(err);
  }
  return first.then(undefined, (err: unknown) => retryAfter(err, attempt, policy, hooks));
}

async function retryAfter<T>(
  firstError: unknown,
  attempt: (n: number) => Promise<T>,
  policy: RetryPolicy,
  hooks: RetryHooks,
): Promise<T> {
  let err = firstError;
  for (let n = 0; ; n++) {
    const info = hooks.classify(err);
    if (!info.retryable || n >= policy.maxRetries || hooks.signal?.aborted) {
      throw Object.assign(err instanceof Error ? err : new Error(String(err)), { attempts: n + 1 });
    }
    const delayMs = backoffDelay(n + 1, policy, info, hooks.random);
    hooks.onRetry?.({ retry: n + 1, delayMs, error: err });
    await sleep(delayMs, hooks.signal);
    try {
      return await attempt(n + 1);
    } catch (e) {
      err = e;
    }
  }
}
