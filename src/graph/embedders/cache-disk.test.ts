/** The embedding cache on a bad disk: real open failures as one line naming the file (core's makeDir / sqliteError). */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDirForFile } from "../../../test/support/tmp.js";
import { oneLineError } from "../../../test/support/one-line-error.js";
import { ToolflowError } from "../../core/index.js";
import { EmbeddingCache } from "./cache.js";

const tmp = tempDirForFile("toolflow-embedding-cache-disk-");

const openFails = (dir: string): ToolflowError => oneLineError(() => new EmbeddingCache(dir).close(), `the embedding cache in ${dir} opened`);

describe("an embedding cache that cannot be opened", () => {
  it("its folder under a regular file: exit 2 naming the folder", () => {
    const file = join(tmp(), "f");
    writeFileSync(file, "x");
    const e = openFails(join(file, "emb"));
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain(`cannot create the embedding cache folder: ${file} is a file, not a folder (ENOTDIR)`);
  });

  it("its file is a folder (SQLITE_CANTOPEN): exit 1 naming the file; not a database (SQLITE_NOTADB): exit 2, file unchanged", () => {
    const a = join(tmp(), "a");
    mkdirSync(join(a, "embeddings.sqlite"), { recursive: true });
    const e = openFails(a);
    expect(e.exitCode).toBe(1);
    expect(e.message).toMatch(new RegExp(`^cannot open the embedding cache ${join(a, "embeddings.sqlite")}: .*\\(SQLITE_CANTOPEN\\); nothing was embedded`));
    const b = join(tmp(), "b");
    mkdirSync(b);
    const text = "garbage\n".repeat(100);
    writeFileSync(join(b, "embeddings.sqlite"), text);
    expect(openFails(b).exitCode).toBe(2);
    expect(readFileSync(join(b, "embeddings.sqlite"), "utf8")).toBe(text);
  });
});
