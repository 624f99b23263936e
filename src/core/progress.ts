/**
 * Progress of a long run on stderr, one way for every command: a cli-progress bar on a terminal, plain lines
 * elsewhere (at most one per `intervalMs`, or every `everyN` events, whichever comes first, and a last one at the
 * end when something happened since). Each command says what its state is, what the bar shows and what a line says.
 */
import cliProgress from "cli-progress";

export function formatTokens(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

export interface ProgressDisplay<S> {
  update(state: S): void;
  /** Print a line without breaking the bar. */
  log(line: string): void;
  /** The last line (plain mode) or the bar's end; `final` is the state to report when given. */
  stop(final?: S): void;
}

export interface ProgressDisplayOptions<S> {
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  /** Defaults to stream.isTTY. */
  tty?: boolean;
  /** The bar's length. */
  total: number;
  /** cli-progress format: `{bar}`, `{value}`, `{total}`, `{eta_formatted}` and the payload's keys. */
  barFormat: string;
  /** Where the bar is for a state, and the rest of what it shows. */
  barValue(state: S): number;
  barPayload(state: S, now: number): Record<string, string | number>;
  /** A plain progress line for a state. */
  line(state: S, now: number): string;
  /** Events so far in this session (for `everyN`). */
  events(state: S): number;
  /** Draw the bar at once from this state (else on the first update). */
  initial?: S;
  intervalMs?: number;
  everyN: number;
  now?: () => number;
}

export function createProgressDisplay<S>(o: ProgressDisplayOptions<S>): ProgressDisplay<S> {
  const now = o.now ?? Date.now;
  if (o.tty ?? Boolean(o.stream.isTTY)) {
    const bar = new cliProgress.SingleBar(
      { stream: o.stream, format: o.barFormat, hideCursor: true, etaBuffer: 50, fps: 5 },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    const draw = (s: S) => {
      if (!started) {
        bar.start(o.total, o.barValue(s), o.barPayload(s, now()));
        started = true;
      } else bar.update(o.barValue(s), o.barPayload(s, now()));
    };
    if (o.initial !== undefined) draw(o.initial);
    return {
      update: draw,
      log(line) {
        // cli-progress redraws on the next update; clear the line first so the message stays readable
        o.stream.write((started ? "\r\x1b[2K" : "") + line + "\n");
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  const intervalMs = o.intervalMs ?? 10_000;
  let lastAt = now();
  let lastEvents = 0;
  let last: S | undefined = o.initial;
  return {
    update(s) {
      last = s;
      const t = now();
      if (t - lastAt >= intervalMs || o.events(s) - lastEvents >= o.everyN) {
        o.stream.write(o.line(s, t) + "\n");
        lastAt = t;
        lastEvents = o.events(s);
      }
    },
    log(line) {
      o.stream.write(line + "\n");
    },
    stop(final) {
      const s = final ?? last;
      if (s !== undefined && o.events(s) !== lastEvents) o.stream.write(o.line(s, now()) + "\n");
    },
  };
}
