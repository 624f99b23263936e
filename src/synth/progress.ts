/**
 * Run progress on stderr: a cli-progress bar on a terminal (accepted / rejected / rate / ETA / tokens), plain log
 * lines elsewhere (every `intervalMs` or every `everyN` decided dialogues, whichever comes first).
 */
import cliProgress from "cli-progress";
import type { RunProgress } from "./runner.js";

export interface ProgressReporter {
  update(p: RunProgress): void;
  /** Print a line without breaking the bar. */
  log(line: string): void;
  stop(final?: RunProgress): void;
}

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

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

export function formatTokens(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
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
  const now = options.now ?? Date.now;
  const tty = options.tty ?? Boolean(options.stream.isTTY);

  if (tty) {
    const bar = new cliProgress.SingleBar(
      {
        stream: options.stream,
        format:
          "synth [{bar}] {value}/{total} accepted | {rejected} rejected | {rate}/min | ETA {eta_formatted} | {tokens} tokens",
        hideCursor: true,
        etaBuffer: 50,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(p) {
        const payload = {
          rejected: p.rejected,
          rate: ratePerMinute(p, now()).toFixed(1),
          tokens: formatTokens(p.tokens),
        };
        if (!started) {
          bar.start(p.target, p.accepted, payload);
          started = true;
        } else bar.update(p.accepted, payload);
      },
      log(line) {
        if (started) {
          // cli-progress redraws on the next update; clear the line first so the message stays readable
          options.stream.write("\r\x1b[2K" + line + "\n");
        } else options.stream.write(line + "\n");
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }

  const intervalMs = options.intervalMs ?? 10_000;
  const everyN = options.everyN ?? Math.max(10, Math.ceil(options.total / 10));
  let lastAt = now();
  let lastDecided = 0;
  let last: RunProgress | undefined;
  return {
    update(p) {
      last = p;
      const t = now();
      if (t - lastAt >= intervalMs || p.sessionDecided - lastDecided >= everyN) {
        options.stream.write(formatProgressLine(p, t) + "\n");
        lastAt = t;
        lastDecided = p.sessionDecided;
      }
    },
    log(line) {
      options.stream.write(line + "\n");
    },
    stop(final) {
      const p = final ?? last;
      if (p && p.sessionDecided !== lastDecided) {
        options.stream.write(formatProgressLine(p, now()) + "\n");
      }
    },
  };
}
