/**
 * `makeDir` / `makeDirSync`, the one way src makes an output, job or cache folder (issue 21): a refused mkdir is one
 * line naming the folder and what was kept. Real failures where a test can cause them (a path under a regular file,
 * a regular file in the way, /sys refusing a new folder); ENOSPC through test/support/fs-faults.ts.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { failMkdirs } from "../../test/support/fs-faults.js";
import { tempDirForFile } from "../../test/support/tmp.js";
import { oneLineErrorAsync } from "../../test/support/one-line-error.js";
import { InputError, ToolflowError } from "./errors.js";
import { makeDir, makeDirSync } from "./input.js";

const tmp = tempDirForFile("toolflow-make-dir-");

const failure = (work: () => unknown): Promise<ToolflowError> => oneLineErrorAsync(work, "the folder was made", { fatal: true });

describe("makeDir", () => {
  it("makes the folder and its parents, and leaves an existing one alone", async () => {
    const dir = join(tmp(), "a", "b", "c");
    await makeDir(dir);
    expect(existsSync(dir)).toBe(true);
    writeFileSync(join(dir, "kept"), "x");
    makeDirSync(dir);
    await makeDir(dir);
    expect(readFileSync(join(dir, "kept"), "utf8")).toBe("x");
  });

  it("a path under a regular file (ENOTDIR): exit 2 naming the folder and the file in the way", async () => {
    const file = join(tmp(), "plain-file");
    writeFileSync(file, "x");
    const dir = join(file, "out", "run");
    for (const make of [() => makeDir(dir, "the output folder"), () => makeDirSync(dir, "the output folder")]) {
      const e = await failure(make);
      expect(e).toBeInstanceOf(InputError);
      expect(e.exitCode).toBe(2);
      expect(e.message).toBe(`${dir}: cannot create the output folder: ${file} is a file, not a folder (ENOTDIR); nothing was written`);
    }
    expect(readFileSync(file, "utf8")).toBe("x");
  });

  it("a regular file where the folder should be: exit 2, the file untouched", async () => {
    const file = join(tmp(), "in-the-way");
    writeFileSync(file, "keep me");
    const e = await failure(() => makeDirSync(file, "the job folder", "the previous results are unchanged"));
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe(`${file}: cannot create the job folder: a file is in the way (EEXIST); the previous results are unchanged`);
    expect(readFileSync(file, "utf8")).toBe("keep me");
  });

  it.runIf(existsSync("/sys/kernel"))("a file system that refuses new folders (/sys): exit 1 naming the folder", async () => {
    const dir = "/sys/toolflow-make-dir-test";
    const e = await failure(() => makeDir(dir, "the cache folder"));
    expect(e.exitCode).toBe(1);
    expect(e.message).toMatch(new RegExp(`^cannot create the cache folder ${dir}: .* \\((EPERM|EACCES|EROFS)\\); nothing was written$`));
    expect(existsSync(dir)).toBe(false);
  });

  it("a full disk (ENOSPC): exit 1, code DISK_FULL, naming the folder", async () => {
    const dir = join(tmp(), "full", "cache");
    await failMkdirs(
      (p) => p.startsWith(join(tmp(), "full")),
      async () => {
        for (const make of [() => makeDir(dir, "the response cache folder"), () => makeDirSync(dir, "the response cache folder")]) {
          const e = await failure(make);
          expect(e.exitCode).toBe(1);
          expect(e.code).toBe("DISK_FULL");
          expect(e.message).toBe(`cannot create the response cache folder ${dir}: no space left on the device (ENOSPC); nothing was written`);
        }
      },
    );
    mkdirSync(dir, { recursive: true }); // the patch is gone
  });
});
