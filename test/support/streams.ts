/** A writable stream that keeps what is written, for tests of what a command prints. */
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
