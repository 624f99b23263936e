/**
 * Small test plumbing: a temporary folder for a test file (made before its tests, removed after), and the CPU
 * settings the tiny GGUF model tests run with.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";

/** A fresh folder under the OS temp dir for this test file; `join(tempDir(), ...)` inside tests. */
export function tempDirForFile(prefix: string): () => string {
  let dir: string | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  return () => {
    if (dir === undefined) throw new Error("tempDirForFile: used outside the test file's tests");
    return dir;
  };
}

/** Tests run the tiny models on one CPU thread: more threads only spin on a shared 2-core machine. */
export const TINY_MODEL_CPU = { gpu: false, threads: 1, contextSize: 4096 } as const;
