/**
 * The append-and-recover files under a full disk and with bytes that are not UTF-8: a failed write names the file,
 * the records kept and how to go on, and leaves the file ending at a whole line; recovery decodes strictly.
 * /dev/full gives a real ENOSPC; a write that fails half way through a line is injected (test/support/fs-faults.ts).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { InputError, lossyUtf8Count, setLossyUtf8, ToolflowError, writeFileAtomic, writeLinesAtomic } from "../core/index.js";
import { failAppends, HAVE_DEV_FULL, redirectOpens } from "../../test/support/fs-faults.js";
import { JsonlAppender, recoverJsonl } from "./index.js";

const dir = mkdtempSync(join(tmpdir(), "toolflow-append-"));
const Row = z.object({ n: z.number(), s: z.string() });
const line = (n: number, s = "x") => JSON.stringify({ n, s }) + "\n";

describe("recovery decodes strictly", () => {
  it("a bad byte in a whole line names file, line and byte offset; a torn tail cut inside a character is cut", async () => {
    const path = join(dir, "bad-middle.jsonl");
    const head = Buffer.from(line(0) + '{"n":1,"s":"a');
    writeFileSync(path, Buffer.concat([head, Buffer.from([0xff]), Buffer.from('"}\n' + line(2))]));
    const err = await recoverJsonl(path, Row).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).code).toBe("INVALID_UTF8");
    expect((err as Error).message).toContain(`${path} line 2: invalid UTF-8 at byte offset ${head.length} (byte 0xff)`);

    // the last whole line is not a crash's doing either
    const last = join(dir, "bad-last.jsonl");
    const before = Buffer.from(line(0) + '{"n":1,"s":"');
    writeFileSync(last, Buffer.concat([before, Buffer.from([0xc3, 0x28]), Buffer.from('"}\n')]));
    await expect(recoverJsonl(last, Row)).rejects.toThrow(`line 2: invalid UTF-8 at byte offset ${before.length} (byte 0xc3)`);

    // a line without its newline is torn, whatever its bytes (a write cut inside "é")
    const torn = join(dir, "torn.jsonl");
    const whole = Buffer.from(line(0) + line(1, "é"));
    writeFileSync(torn, Buffer.concat([whole, Buffer.from('{"n":2,"s":"'), Buffer.from([0xc3])]));
    const got = await recoverJsonl(torn, Row);
    expect(got.records.map((r) => r.n)).toEqual([0, 1]);
    expect(readFileSync(torn)).toEqual(whole);

    setLossyUtf8(true);
    try {
      const lossy = await recoverJsonl(path, Row);
      expect(lossy.records.map((r) => r.s)).toEqual(["x", "a\uFFFD", "x"]);
      expect(lossyUtf8Count()).toBe(1);
    } finally {
      setLossyUtf8(false);
    }
  });
});

describe.runIf(HAVE_DEV_FULL)("a full disk", () => {
  it("the appender on /dev/full: a fatal one-line DISK_FULL error naming the file and the records kept", async () => {
    const path = join(dir, "full.jsonl");
    symlinkSync("/dev/full", path);
    // an empty file (here: a device of size 0) is not read
    expect((await recoverJsonl(path, Row)).records).toEqual([]);
    const out = new JsonlAppender(path, { serialize: JSON.stringify, records: 3, rerun: "free the space and run again with --resume" });
    const err = (() => {
      try {
        out.append({ n: 3, s: "x" });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ToolflowError);
    const e = err as ToolflowError;
    expect([e.code, e.exitCode, e.fatal, e.retryable]).toEqual(["DISK_FULL", 1, true, false]);
    expect(e.message).toBe(`cannot write ${path}: no space left on the device (ENOSPC); 3 records kept; free the space and run again with --resume`);
    // every later append throws the same error; closing after it does not throw
    expect(() => out.append({ n: 4, s: "x" })).toThrow(e.message);
    expect(() => out.close()).not.toThrow();
  });

  it("a write that fails half way through a line: the partial line is removed and the records before it recover", async () => {
    const path = join(dir, "half.jsonl");
    writeFileSync(path, line(0));
    const err = await failAppends((p) => p === path, 2, async () => {
      const out = new JsonlAppender(path, { serialize: JSON.stringify, records: 1 });
      try {
        for (let n = 1; n <= 5; n++) out.append({ n, s: "y".repeat(40) });
      } catch (e) {
        return e as ToolflowError;
      } finally {
        out.close();
      }
      return undefined;
    });
    expect(err?.code).toBe("DISK_FULL");
    expect(err?.message).toBe(
      `cannot write ${path}: no space left on the device (ENOSPC); 3 records kept, the partial last line was removed; ` +
        "free the space (or fix the permission) and run the same command again",
    );
    const text = readFileSync(path, "utf8");
    expect(text.endsWith("\n")).toBe(true);
    const got = await recoverJsonl(path, Row);
    expect(got.records.map((r) => r.n)).toEqual([0, 1, 2]);
    expect(got.truncatedBytes).toBe(0);
    // and the file goes on from there
    const again = new JsonlAppender(path, { serialize: JSON.stringify });
    again.append({ n: 3, s: "z" });
    again.close();
    expect((await recoverJsonl(path, Row)).records.map((r) => r.n)).toEqual([0, 1, 2, 3]);
  });

  it("core's atomic writes on /dev/full: the previous file is unchanged and no temporary file is left", async () => {
    const path = join(dir, "atomic.txt");
    writeFileSync(path, "old\n");
    const toFull = (p: string) => p.startsWith(`${path}.`) && p.endsWith(".tmp");
    const a = await redirectOpens(toFull, () => writeFileAtomic(path, "new\n").catch((e: unknown) => e as ToolflowError));
    const b = await redirectOpens(toFull, () => writeLinesAtomic(path, ["a\n", "b\n"]).catch((e: unknown) => e as ToolflowError));
    for (const e of [a, b]) {
      expect(e).toBeInstanceOf(ToolflowError);
      expect([e!.code, e!.exitCode, e!.fatal]).toEqual(["DISK_FULL", 1, true]);
      expect(e!.message).toBe(`cannot write ${path}: no space left on the device (ENOSPC); the previous ${path} is unchanged`);
    }
    expect(readFileSync(path, "utf8")).toBe("old\n");
    expect(readdirSync(dir).filter((f) => f.startsWith("atomic.txt."))).toEqual([]);
    const fresh = join(dir, "fresh.txt");
    const c = await redirectOpens((p) => p.startsWith(`${fresh}.`), () => writeFileAtomic(fresh, "x").catch((e: unknown) => e as Error));
    expect(c?.message).toMatch(/; nothing was written$/);
    expect(existsSync(fresh)).toBe(false);
  });
});
