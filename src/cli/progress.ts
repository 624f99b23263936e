/**
 * `done/total` progress of a command on stderr through core's progress display (a bar on a terminal, a line every
 * tenth of the work or 10 s elsewhere, and the last count at the end), for commands whose stage reports
 * `onProgress(done, total)` (judge, eval heldout).
 */
import { createProgressDisplay, type ProgressDisplay } from "../core/index.js";

export function countProgress(label: string, unit: string): { onProgress(done: number, total: number): void; stop(): void } {
  let display: ProgressDisplay<number> | undefined;
  return {
    onProgress(done, total) {
      display ??= createProgressDisplay<number>({
        stream: process.stderr,
        total,
        barFormat: `${label} [{bar}] {value}/{total} ${unit}`,
        barValue: (n) => n,
        barPayload: () => ({}),
        line: (n) => `${label}: ${n}/${total} ${unit}`,
        events: (n) => n,
        everyN: Math.max(1, Math.ceil(total / 10)),
      });
      display.update(done);
    },
    stop() {
      display?.stop(); // the display's last count
    },
  };
}
