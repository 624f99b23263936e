/**
 * Eval progress on stderr (core's progress display): a bar on a terminal (decided / valid / failed requests /
 * rate / ETA / tokens), plain lines elsewhere (every 10 s or every tenth of the run).
 */
import { createProgressDisplay, formatDuration, formatTokens } from "../core/index.js";

export interface EvalProgress {
  /** One question decided (valid or not), or a request that failed (`failed`). */
  update(event: { valid?: boolean; failed?: boolean; tokens: number }): void;
  log(line: string): void;
  stop(): void;
}

export interface EvalProgressOptions {
  stream: NodeJS.WritableStream & { isTTY?: boolean };
  tty?: boolean;
  total: number;
  /** Questions already decided by an earlier session. */
  done: number;
  intervalMs?: number;
  now?: () => number;
}

interface EvalState {
  decided: number;
  session: number;
  valid: number;
  failed: number;
  tokens: number;
}

export function createEvalProgress(options: EvalProgressOptions): EvalProgress {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const state: EvalState = { decided: options.done, session: 0, valid: 0, failed: 0, tokens: 0 };
  const rate = (s: EvalState, t: number) => {
    const seconds = (t - startedAt) / 1000;
    return seconds > 0 ? s.session / seconds : 0;
  };
  const display = createProgressDisplay<EvalState>({
    stream: options.stream,
    ...(options.tty !== undefined ? { tty: options.tty } : {}),
    total: options.total,
    barFormat: "eval [{bar}] {value}/{total} | {valid} valid | {failed} failed requests | {rate}/s | ETA {eta_formatted} | {tokens} tokens",
    barValue: (s) => s.decided,
    barPayload: (s, t) => ({ valid: s.valid, failed: s.failed, rate: rate(s, t).toFixed(1), tokens: formatTokens(s.tokens) }),
    line: (s, t) => {
      const r = rate(s, t);
      const left = options.total - s.decided - s.failed;
      return (
        `eval: ${s.decided}/${options.total} decided, ${s.valid} valid this session, ${s.failed} failed requests, ` +
        `${r.toFixed(1)}/s, ETA ${left <= 0 ? "0s" : r > 0 ? formatDuration(left / r) : "?"}, ${formatTokens(s.tokens)} tokens`
      );
    },
    events: (s) => s.session + s.failed,
    initial: { ...state },
    ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}),
    everyN: Math.max(10, Math.ceil(options.total / 10)),
    now,
  });
  return {
    update(e) {
      if (e.failed) state.failed++;
      else {
        state.decided++;
        state.session++;
        if (e.valid) state.valid++;
      }
      state.tokens += e.tokens;
      display.update({ ...state });
    },
    log: (line) => display.log(line),
    stop: () => display.stop({ ...state }),
  };
}
