import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createProgressDisplay, formatDuration, formatTokens } from "./progress.js";
import { textSink as sink } from "../../test/support/streams.js";


const options = (stream: Writable, clock: { t: number }, tty: boolean) => ({
  stream,
  tty,
  total: 10,
  barFormat: "t [{bar}] {value}/{total} | {extra}",
  barValue: (n: number) => n,
  barPayload: (n: number) => ({ extra: `x${n}` }),
  line: (n: number, now: number) => `done ${n} at ${now}`,
  events: (n: number) => n,
  everyN: 3,
  intervalMs: 1000,
  now: () => clock.t,
});

describe("createProgressDisplay", () => {
  it("plain lines every N events or once per interval, and a last line only when something is new", () => {
    const out = sink();
    const clock = { t: 0 };
    const p = createProgressDisplay(options(out.stream, clock, false));
    p.update(1);
    p.update(2);
    p.update(3); // third event: a line
    clock.t = 1500;
    p.update(4); // the interval passed: a line
    p.log("a message");
    p.stop();
    expect(out.text()).toBe("done 3 at 0\ndone 4 at 1500\na message\n");
    const again = sink();
    const q = createProgressDisplay(options(again.stream, clock, false));
    q.update(1);
    q.stop(2);
    expect(again.text()).toBe(`done 2 at 1500\n`);
  });

  it("draws a bar on a terminal, keeps logged lines readable, and starts at once from an initial state", () => {
    const out = sink();
    Object.assign(out.stream, { isTTY: true, columns: 100 }); // as a terminal (cli-progress draws only there)
    const clock = { t: 0 };
    const p = createProgressDisplay({ ...options(out.stream, clock, true), initial: 4 });
    expect(out.text()).toMatch(/4\/10 \| x4/);
    p.log("hello");
    expect(out.text()).toContain("\r\x1b[2Khello\n");
    p.update(7);
    p.stop();
    expect(out.text()).toMatch(/7\/10 \| x7/);
  });

  it("formats tokens and durations", () => {
    expect([formatTokens(950), formatTokens(45_700), formatTokens(2_340_000)]).toEqual(["950", "45.7k", "2.34M"]);
    expect([formatDuration(59), formatDuration(135), formatDuration(3725), formatDuration(Number.NaN)]).toEqual(["59s", "2m15s", "1h02m", "?"]);
  });
});
