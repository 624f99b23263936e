/** Writable streams for tests: one that keeps what is written (what a command prints), one that drops it. */
import { Writable } from "node:stream";

export function textSink(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  return {
    stream: new Writable({
      write(c: Buffer, _e, cb) {
        chunks.push(c.toString());
        cb();
      },
    }),
    text: () => chunks.join(""),
  };
}

/** A writable stream that discards everything written to it (progress and messages a test does not read). */
export function quietStream(): Writable {
  return new Writable({ write: (_c, _e, cb) => cb() });
}
