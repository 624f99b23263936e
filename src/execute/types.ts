/**
 * The executor interface: something that runs a tool call for real and returns its result, or a real error as a
 * result ({"error": ...}, `ok: false`) that the assistant must handle like a simulated error.
 */
import { ToolflowError, type ToolContentPart, type ToolSpec } from "../core/index.js";
import { sleep } from "../llm/index.js";

/** Executors by name: `simulate` is the tool agent (the default); `mcp` and `http` run calls on real servers. */
export const EXECUTOR_KINDS = ["simulate", "mcp", "http"] as const;
export type ExecutorKind = (typeof EXECUTOR_KINDS)[number];
export type RealExecutorKind = Exclude<ExecutorKind, "simulate">;

export interface RealCall {
  tool: ToolSpec;
  arguments: Record<string, unknown>;
  signal?: AbortSignal;
  /**
   * The dialogue the call belongs to, when its server is isolated per dialogue (`isolation: dialogue`): calls of one
   * scope reach a server process of their own, which `Executor.release(scope)` ends.
   */
  scope?: string;
}

export interface RealResult {
  /** The JSON value the tool message carries. */
  result: unknown;
  /** false for a real error (HTTP 4xx/5xx, MCP error result, timeout): `result` is {"error": ...}. */
  ok: boolean;
  error?: string;
  /** MCP results with content other than text: the content blocks as kept (ToolExecution.content). */
  content?: ToolContentPart[];
}

/** Per attempt timeout and retries (see ExecuteLimits in config.ts for the defaults). */
export interface AttemptLimits {
  timeoutMs: number;
  retries: number;
  retryDelayMs: number;
  /** Every attempt runs through this (the tool's rate limit and concurrency cap); backoff waits outside it. */
  gate?: <T>(attempt: () => Promise<T>) => Promise<T>;
}

export interface Executor {
  readonly kind: RealExecutorKind;
  /** Where a tool's calls go: `GET http://host/v1/pets/{petId}`, `mcp+stdio:node server.js`. */
  target(tool: ToolSpec): string;
  /** Whether a call can change things (runs only with --allow-writes). */
  isWrite(tool: ToolSpec): boolean;
  call(call: RealCall, limits: AttemptLimits): Promise<RealResult>;
  /** End what the calls of one scope opened (an isolated dialogue's server processes). */
  release?(scope: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * A call could not reach its server (connection refused, the MCP server exited) after its retries: the dialogue is
 * rejected (a generation failure), not given a tool message.
 */
export class ExecuteError extends ToolflowError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { code: "EXECUTE_FAILED", cause: options.cause });
  }
}

/** One attempt's outcome for `withRetries`: done, or worth another try (with what to return if none is left). */
export type Attempt = { done: RealResult } | { retry: string; fallback?: RealResult; fatal?: Error };


/**
 * Run attempts until one is done or the retries are spent (backoff retryDelayMs, doubled each time); then the
 * last attempt's fallback (a real error as a result), else its fatal error.
 */
export async function withRetries(run: () => Promise<Attempt>, limits: AttemptLimits, signal?: AbortSignal): Promise<RealResult> {
  for (let i = 0; ; i++) {
    const a = limits.gate ? await limits.gate(run) : await run();
    if ("done" in a) return a.done;
    if (i >= limits.retries) {
      if (a.fallback) return a.fallback;
      throw a.fatal ?? new ExecuteError(a.retry);
    }
    await sleep(limits.retryDelayMs * 2 ** i, signal);
  }
}

/** A real error as the value of a tool message. */
export function errorResult(message: string, extra: Record<string, unknown> = {}): RealResult {
  return { result: { error: message, ...extra }, ok: false, error: message };
}
