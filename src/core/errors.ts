/**
 * Error classes shared by every stage. Each carries a stable `code`, the process exit code the CLI should use,
 * an optional `cause` (the underlying error), and the decision, set when the error is built (as the Vercel AI
 * SDK's `isRetryable`): `fatal` (stop the whole run: bad input, bad credentials, an unknown model) and `retryable`
 * (the same request may succeed later: a timeout, an outage). Synth, eval, judge and the queue decide by
 * `isFatalError` / `isRetryableError`, one rule.
 */
export class ToolflowError extends Error {
  readonly code: string;
  readonly exitCode: number;
  /** Stop the run instead of failing one item. Default: bad input or usage (exit code 2). */
  readonly fatal: boolean;
  /** Trying the same thing again later may succeed. Default false. */
  readonly retryable: boolean;
  constructor(message: string, options: { code?: string; exitCode?: number; cause?: unknown; fatal?: boolean; retryable?: boolean } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? "TOOLFLOW_ERROR";
    this.exitCode = options.exitCode ?? 1;
    this.fatal = options.fatal ?? this.exitCode === 2;
    this.retryable = options.retryable ?? false;
  }
}

/**
 * Whether an error must stop a whole run (synth, eval, judge, a queue worker's job) rather than fail one dialogue
 * or item: the error's own `fatal`; for an error from elsewhere, only an authentication error by its name.
 */
export function isFatalError(err: unknown): boolean {
  if (err instanceof ToolflowError) return err.fatal;
  return err instanceof Error && /Auth(entication)?Error$/.test(err.name);
}

/** Whether the same request may succeed later (the error's own `retryable`; false for errors from elsewhere). */
export function isRetryableError(err: unknown): boolean {
  return err instanceof ToolflowError && err.retryable;
}

/**
 * Bad user input: a file that does not parse, a tool without a name, a schema ajv rejects...
 * The message names the file and the JSON pointer (or line). CLI exit code 2.
 */
export class InputError extends ToolflowError {
  readonly file: string | undefined;
  readonly pointer: string | undefined;
  readonly line: number | undefined;
  constructor(
    message: string,
    options: { file?: string; pointer?: string; line?: number; cause?: unknown; code?: string } = {},
  ) {
    const where = [
      options.file,
      options.line !== undefined ? `line ${options.line}` : undefined,
      options.pointer !== undefined ? `at ${options.pointer === "" ? "/" : options.pointer}` : undefined,
    ]
      .filter(Boolean)
      .join(" ");
    super(where ? `${where}: ${message}` : message, {
      code: options.code ?? "INPUT_ERROR",
      exitCode: 2,
      cause: options.cause,
    });
    this.file = options.file;
    this.pointer = options.pointer;
    this.line = options.line;
  }
}

/** Usage errors of the CLI (bad option values). Exit code 2. */
export class UsageError extends ToolflowError {
  constructor(message: string) {
    super(message, { code: "USAGE_ERROR", exitCode: 2 });
  }
}

/** Escape one segment of a JSON pointer (RFC 6901). */
export function pointerSegment(segment: string | number): string {
  return String(segment).replace(/~/g, "~0").replace(/\//g, "~1");
}

/** Join segments into a JSON pointer, e.g. ["paths", "/a/b", "get"] -> "/paths/~1a~1b/get". */
export function jsonPointer(...segments: Array<string | number>): string {
  return segments.map((s) => "/" + pointerSegment(s)).join("");
}
