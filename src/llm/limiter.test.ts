import { describe, it, expect } from "vitest";
import { RequestLimiter } from "./limiter.js";
import { backoffDelay, DEFAULT_RETRY_POLICY, parseRetryAfter, withRetry } from "./retry.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("RequestLimiter", () => {
  it("caps concurrency", async () => {
    const l = new RequestLimiter({ concurrency: 2 });
    let inFlight = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 8 }, () =>
        l.run(async () => {
          inFlight++;
          peak = Math.max(peak, inFlight);
          await sleep(10);
          inFlight--;
        }),
      ),
    );
    expect(peak).toBe(2);
    expect(l.started).toBe(8);
  });

  it("holds requests beyond the per-window budget until the window moves on", async () => {
    const l = new RequestLimiter({ concurrency: 10, requestsPerMinute: 3, windowMs: 200 });
    const starts: number[] = [];
    const t0 = performance.now();
    await Promise.all(Array.from({ length: 6 }, () => l.run(async () => void starts.push(performance.now() - t0))));
    starts.sort((a, b) => a - b);
    expect(starts[2]!).toBeLessThan(100);
    expect(starts[3]!).toBeGreaterThanOrEqual(195);
  });

  it("budgets tokens per window and settles to actual counts", async () => {
    const l = new RequestLimiter({ concurrency: 10, tokensPerMinute: 100, windowMs: 200 });
    const t0 = performance.now();
    const at = () => performance.now() - t0;
    await l.run(async (settle) => settle(10), { tokens: 60 }); // estimated 60, used 10
    const second = await l.run(async () => at(), { tokens: 60 }); // 10 + 60 <= 100: at once
    expect(second).toBeLessThan(100);
    const third = await l.run(async () => at(), { tokens: 90 }); // 70 + 90 > 100: waits for the window
    expect(third).toBeGreaterThanOrEqual(195);
  });

  it("keeps counting the grants still in the window when expired ones are dropped", async () => {
    // 80 requests at t=0, 120 more at t=150 (20 fit): at t=300 the first 80 expire and are dropped, the 20 from
    // t=150 must still count, so only 80 start at t=300 and the last 20 wait until t=450.
    const l = new RequestLimiter({ concurrency: 1000, requestsPerMinute: 100, windowMs: 300 });
    const starts: number[] = [];
    const t0 = performance.now();
    const wave = (n: number) => Array.from({ length: n }, () => l.run(async () => void starts.push(performance.now() - t0)));
    const first = wave(80);
    await sleep(150);
    await Promise.all([...first, ...wave(120)]);
    expect(l.started).toBe(200);
    starts.sort((a, b) => a - b);
    expect(starts[100]!).toBeGreaterThanOrEqual(295);
    expect(starts[199]!).toBeGreaterThanOrEqual(445);
  });
});

describe("retry policy", () => {
  it("parses retry-after-ms, seconds, fractional seconds and HTTP dates", () => {
    const h = (o: Record<string, string>) => new Headers(o);
    expect(parseRetryAfter(h({ "retry-after-ms": "250" }))).toBe(250);
    expect(parseRetryAfter(h({ "retry-after": "2" }))).toBe(2000);
    expect(parseRetryAfter(h({ "retry-after": "0.5" }))).toBe(500);
    const now = Date.parse("Wed, 21 Oct 2015 07:28:00 GMT");
    expect(parseRetryAfter(h({ "retry-after": "Wed, 21 Oct 2015 07:28:03 GMT" }), now)).toBe(3000);
    expect(parseRetryAfter(h({ "retry-after": "Wed, 21 Oct 2015 07:27:00 GMT" }), now)).toBe(0);
    expect(parseRetryAfter(h({ "retry-after": "soon" }))).toBeUndefined();
    expect(parseRetryAfter(h({}))).toBeUndefined();
    expect(parseRetryAfter({ "retry-after": "3" })).toBe(3000);
  });

  it("backs off exponentially with jitter, capped; Retry-After wins but is capped", () => {
    const p = { ...DEFAULT_RETRY_POLICY, baseDelayMs: 100, maxDelayMs: 1000, jitter: 0.5, maxRetryAfterMs: 5000 };
    expect(backoffDelay(1, p, { retryable: true }, () => 0)).toBe(50);
    expect(backoffDelay(1, p, { retryable: true }, () => 1)).toBe(100);
    expect(backoffDelay(3, p, { retryable: true }, () => 1)).toBe(400);
    expect(backoffDelay(10, p, { retryable: true }, () => 1)).toBe(1000);
    expect(backoffDelay(1, p, { retryable: true, retryAfterMs: 2000 }, () => 0)).toBe(2000);
    expect(backoffDelay(1, p, { retryable: true, retryAfterMs: 60_000 }, () => 0)).toBe(5000);
  });

  it("stops at non-retryable errors and after maxRetries", async () => {
    let calls = 0;
    const p = { ...DEFAULT_RETRY_POLICY, maxRetries: 3, baseDelayMs: 1, maxDelayMs: 2 };
    const err = await withRetry(async () => { calls++; throw new Error("x"); }, p, { classify: () => ({ retryable: true }) }).catch((e: unknown) => e);
    expect(calls).toBe(4);
    expect((err as { attempts: number }).attempts).toBe(4);
    calls = 0;
    await withRetry(async () => { calls++; throw new Error("x"); }, p, { classify: () => ({ retryable: false }) }).catch(() => {});
    expect(calls).toBe(1);
    calls = 0;
    const v = await withRetry(async () => (++calls < 3 ? Promise.reject(new Error("x")) : "ok"), p, { classify: () => ({ retryable: true }) });
    expect(v).toBe("ok");
  });
});
