/**
 * Eval progress on stderr: a cli-progress bar on a terminal (decided / valid / failed requests / rate / ETA /
 * tokens), plain lines elsewhere (every 10 s or every tenth of the run).
 */
import cliProgress from "cli-progress";

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

function fmtTokens(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}

function fmtDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(s % 60).padStart(2, "0")}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

export function createEvalProgress(options: EvalProgressOptions): EvalProgress {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const tty = options.tty ?? Boolean(options.stream.isTTY);
  let decided = options.done;
  let session = 0;
  let valid = 0;
  let failed = 0;
  let tokens = 0;
  const rate = () => {
    const s = (now() - startedAt) / 1000;
    return s > 0 ? session / s : 0;
  };
  const line = () => {
    const r = rate();
    const left = options.total - decided - failed;
    return `eval: ${decided}/${options.total} decided, ${valid} valid this session, ${failed} failed requests, ${r.toFixed(1)}/s, ETA ${left <= 0 ? "0s" : r > 0 ? fmtDuration(left / r) : "?"}, ${fmtTokens(tokens)} tokens`;
  };

  if (tty) {
    const bar = new cliProgress.SingleBar(
      {
        stream: options.stream,
        format: "eval [{bar}] {value}/{total} | {valid} valid | {failed} failed requests | {rate}/s | ETA {eta_formatted} | {tokens} tokens",
        hideCursor: true,
        etaBuffer: 50,
        fps: 5,
      },
      cliProgress.Presets.shades_classic,
    );
    const payload = () => ({ valid, failed, rate: rate().toFixed(1), tokens: fmtTokens(tokens) });
    bar.start(options.total, decided, payload());
    return {
      update(e) {
        if (e.failed) failed++;
        else {
          decided++;
          session++;
          if (e.valid) valid++;
        }
        tokens += e.tokens;
        bar.update(decided, payload());
      },
      log(text) {
        options.stream.write("\r\x1b[2K" + text + "\n");
      },
      stop() {
        bar.stop();
      },
    };
  }

  const intervalMs = options.intervalMs ?? 10_000;
  const everyN = Math.max(10, Math.ceil(options.total / 10));
  let lastAt = now();
  let lastCount = 0;
  return {
    update(e) {
      if (e.failed) failed++;
      else {
        decided++;
        session++;
        if (e.valid) valid++;
      }
      tokens += e.tokens;
      const t = now();
      if (t - lastAt >= intervalMs || session + failed - lastCount >= everyN) {
        options.stream.write(line() + "\n");
        lastAt = t;
        lastCount = session + failed;
      }
    },
    log(text) {
      options.stream.write(text + "\n");
    },
    stop() {
      if (session + failed !== lastCount) options.stream.write(line() + "\n");
    },
  };
}
