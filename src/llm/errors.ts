/**
 * Typed errors of the model layer. Every message is redacted (no API key can appear), names the model, and
 * keeps the underlying error as `cause`.
 */
import { ToolflowError } from "../core/index.js";
import { redact, redactError } from "./redact.js";

export interface ModelErrorOptions {
  /** Model id, e.g. "openai:gpt-4o-mini". */
  model?: string;
  /** HTTP status when the server answered. */
  status?: number;
  /** Attempts made (1 = no retry). */
  attempts?: number;
  cause?: unknown;
  code?: string;
  /** CLI exit code (default 1). */
  exitCode?: number;
  /** Stop the whole run (default: per class). */
  fatal?: boolean;
  /** The same request may succeed later (default: per class). */
  retryable?: boolean;
}

/** Base class: something went wrong talking to a model. */
export class ModelError extends ToolflowError {
  readonly model: string | undefined;
  readonly status: number | undefined;
  readonly attempts: number | undefined;
  constructor(message: string, options: ModelErrorOptions = {}) {
    const prefix = options.model ? `${options.model}: ` : "";
    super(redact(prefix + message), {
      code: options.code ?? "MODEL_ERROR",
      exitCode: options.exitCode ?? 1,
      cause: options.cause === undefined ? undefined : redactError(options.cause),
      ...(options.fatal !== undefined ? { fatal: options.fatal } : {}),
      ...(options.retryable !== undefined ? { retryable: options.retryable } : {}),
    });
    this.model = options.model;
    this.status = options.status;
    this.attempts = options.attempts;
  }
}

/** 401/403: the key is wrong or lacks permission. Never retried; stops the run. */
export class ModelAuthError extends ModelError {
  constructor(message: string, options: ModelErrorOptions = {}) {
    super(message, { fatal: true, retryable: false, ...options, code: "MODEL_AUTH" });
  }
}

/**
 * A request the server refuses and that cannot succeed by retrying (400, 404, 422...). Fatal when every request
 * would fail alike: an unknown model (404) or a refused key (401/403).
 */
export class ModelRequestError extends ModelError {
  constructor(message: string, options: ModelErrorOptions = {}) {
    const everyRequest = options.status === 404 || options.status === 401 || options.status === 403;
    super(message, { fatal: everyRequest, retryable: false, ...options, code: options.code ?? "MODEL_REQUEST" });
  }
}

/** Still rate-limited (429) or failing (5xx, reset, malformed body) after every retry. */
export class ModelUnavailableError extends ModelError {
  constructor(message: string, options: ModelErrorOptions = {}) {
    super(message, { retryable: true, ...options, code: options.code ?? "MODEL_UNAVAILABLE" });
  }
}

/** Every attempt timed out. */
export class ModelTimeoutError extends ModelError {
  readonly timeoutMs: number | undefined;
  constructor(message: string, options: ModelErrorOptions & { timeoutMs?: number } = {}) {
    super(message, { retryable: true, ...options, code: "MODEL_TIMEOUT" });
    this.timeoutMs = options.timeoutMs;
  }
}

/** The caller aborted the request (its AbortSignal fired). */
export class ModelAbortError extends ModelError {
  constructor(message: string, options: ModelErrorOptions = {}) {
    super(message, { fatal: true, ...options, code: "MODEL_ABORTED" });
  }
}

/**
 * The model answered, but no answer was usable within the bounded re-asks of `generateChecked` / `generateObject`:
 * JSON that does not validate against the requested schema, a tool that was not offered, arguments that break
 * the tool's schema, a plan that breaks the planner's rules. A caller can catch this to reject the dialogue.
 * `problems` lists what was wrong in the last answer and `output` is that answer (truncated); `answers` has them
 * all.
 */
export class ModelOutputError extends ModelError {
  readonly problems: string[];
  readonly output: string;
  /** Every answer that was tried, in order, with its problems (the last one is `output` / `problems`). */
  readonly answers: ReadonlyArray<{ output: string; problems: string[]; model: string }>;
  constructor(
    message: string,
    options: ModelErrorOptions & {
      problems?: string[];
      output?: string;
      answers?: ReadonlyArray<{ output: string; problems: string[]; model: string }>;
    } = {},
  ) {
    super(message, { ...options, code: "MODEL_OUTPUT" });
    this.problems = (options.problems ?? []).map((p) => redact(p));
    this.output = redact((options.output ?? "").slice(0, 2000));
    this.answers = (options.answers ?? []).map((a) => ({
      output: redact(a.output.slice(0, 2000)),
      problems: a.problems.map((p) => redact(p)),
      model: a.model,
    }));
  }
}

/** A backend that cannot be loaded (e.g. node-llama-cpp is not installed) or a bad model spec. Exit code 2. */
export class ModelConfigError extends ModelError {
  constructor(message: string, options: ModelErrorOptions = {}) {
    super(message, { ...options, code: "MODEL_CONFIG", exitCode: 2 });
  }
}
