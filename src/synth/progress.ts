/**
 * Run progress on stderr (core's progress display): a bar on a terminal (accepted / rejected / rate / ETA /
 * tokens), plain log lines elsewhere (every `intervalMs` or every `everyN` decided dialogues, whichever comes first).
 */
import { createProgressDisplay, formatDuration, formatTokens, type ProgressDisplay } from "../core/index.js";
import type { RunProgress } from "./runner.js";

export { formatDuration, formatTokens };

export type ProgressReporter = ProgressDisplay<RunProgress>;

export interface ProgressOptions {
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  /** Defaults to stream.isTTY. */
  tty?: boolean;
  total: number;
  /** Log-line mode: at most one line per interval (default 10 s)... */
  intervalMs?: number;
  /** ...or every N decided dialogues (default max(10, total / 10)). */
  everyN?: number;
  now?: () => number;
}

/** Accepted dialogues per minute in this session. */
export function ratePerMinute(p: RunProgress, now: number): number {
  const minutes = (now - p.startedAt) / 60000;
  return minutes > 0 ? p.sessionAccepted / minutes : 0;
}

/** One plain progress line, e.g. `synth: 23/50 accepted, 4 rejected, 12.0/min, ETA 2m15s, 45.7k tokens`. */
export function formatProgressLine(p: RunProgress, now: number): string {
  const rate = ratePerMinute(p, now);
  const remaining = p.target - p.accepted;
  const eta = remaining <= 0 ? "0s" : rate > 0 ? formatDuration((remaining / rate) * 60) : "?";
  return (
    `synth: ${p.accepted}/${p.target} accepted, ${p.rejected} rejected, ${rate.toFixed(1)}/min, ` +
    `ETA ${eta}, ${formatTokens(p.tokens)} tokens`
  );
}

export function createProgressReporter(options: ProgressOptions): ProgressReporter {
  return createProgressDisplay<RunProgress>({
    stream: options.stream,
    ...(options.tty !== undefined ? { tty: options.tty } : {}),
    total: options.total,
    barFormat: "synth [{bar}] {value}/{total} accepted | {rejected} rejected | {rate}/min | ETA {eta_formatted} | {tokens} tokens",
    barValue: (p) => p.accepted,
    barPayload: (p, now) => ({ rejected: p.rejected, rate: ratePerMinute(p, now).toFixed(1), tokens: formatTokens(p.tokens) }),
    line: formatProgressLine,
    events: (p) => p.sessionDecided,
    ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}),
    everyN: options.everyN ?? Math.max(10, Math.ceil(options.total / 10)),
    ...(options.now ? { now: options.now } : {}),
  });
}

/** The progress display of a run (local or queued) from its I/O options. */
export function runProgressReporter(
  stream: ProgressOptions["stream"],
  total: number,
  io: { tty?: boolean; progressIntervalMs?: number; progressEveryN?: number },
): ProgressReporter {
  return createProgressReporter({
    stream,
    total,
    ...(io.tty !== undefined ? { tty: io.tty } : {}),
    ...(io.progressIntervalMs !== undefined ? { intervalMs: io.progressIntervalMs } : {}),
    ...(io.progressEveryN !== undefined ? { everyN: io.progressEveryN } : {}),
  });
}
