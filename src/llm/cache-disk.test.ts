/**
 * The response cache on a disk that fails it (issue 21), with real failures: a cache folder under a regular file
 * (ENOTDIR), a cache file that is a folder (SQLITE_CANTOPEN), a file that is not a database (SQLITE_NOTADB), a
 * folder in the place of the WAL file (SQLITE_IOERR_*), and a database that is full for real (PRAGMA max_page_count:
 * SQLite refuses the page it would need with SQLITE_FULL, as on a full disk).
 *
 * The rule (src/llm/cache.ts): a cache that cannot be opened stops the command with one line naming the file; a
 * cache that stops accepting writes during a run turns caching off with one warning and the run goes on.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { tempDirForFile } from "../../test/support/tmp.js";
import { oneLineError } from "../../test/support/one-line-error.js";
import { InputError, sqliteError, ToolflowError } from "../core/index.js";
import { cacheMiddleware, SqliteResponseCache } from "./cache.js";
import { wrapModel } from "./middleware.js";
import type { ChatModel, ChatRequest, ChatResult } from "./types.js";

const tmp = tempDirForFile("toolflow-cache-disk-");

const openFails = (path: string): ToolflowError =>
  oneLineError(() => new SqliteResponseCache(path, { warn: () => {} }).close(), `the cache ${path} opened`, { fatal: true });

/** A model that answers each request with its own text, `size` characters long; counts its calls. */
function echoModel(size: number): ChatModel & { calls: number } {
  const model = {
    id: "openai:echo",
    backend: "openai",
    calls: 0,
    async chat(request: ChatRequest): Promise<ChatResult> {
      model.calls++;
      const text = String(request.messages[0]?.content).padEnd(size, ".");
      return { text, toolCalls: [], finishReason: "stop", usage: { promptTokens: 1, completionTokens: 1, cachedTokens: 0, estimated: false }, model: "echo" };
    },
  };
  return model;
}

const ask = (content: string): ChatRequest => ({ messages: [{ role: "user", content }] });

describe("a response cache that cannot be opened stops the command, naming the file", () => {
  it("its folder under a regular file: exit 2 naming the path, nothing written", () => {
    const file = join(tmp(), "a-file");
    writeFileSync(file, "x");
    const e = openFails(join(file, "cache", "responses.sqlite"));
    expect(e).toBeInstanceOf(InputError);
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain(join(file, "cache"));
    expect(e.message).toContain(`${file} is a file, not a folder`);
    expect(e.message).toContain("nothing was written");
    expect(readFileSync(file, "utf8")).toBe("x");
  });

  it("better-sqlite3 itself on a path whose parent is a file: SQLITE_CANTOPEN as core's one-line fatal error", () => {
    const file = join(tmp(), "parent-file");
    writeFileSync(file, "x");
    let raw: unknown;
    try {
      new Database(join(file, "db.sqlite"));
    } catch (err) {
      raw = err;
    }
    expect((raw as { code?: string }).code).toBe("SQLITE_CANTOPEN");
    const e = sqliteError(raw, join(file, "db.sqlite"), "cannot open the response cache", "nothing was asked") as ToolflowError;
    expect(e).toBeInstanceOf(ToolflowError);
    expect(e.exitCode).toBe(1);
    expect(e.fatal).toBe(true);
    expect(e.message).toBe(`cannot open the response cache ${join(file, "db.sqlite")}: the database file cannot be opened (SQLITE_CANTOPEN); nothing was asked`);
    // what is not the disk's doing passes through unchanged
    const bug = new TypeError("not the disk");
    expect(sqliteError(bug, "x", "y", "z")).toBe(bug);
  });

  it("the cache file is a folder: SQLITE_CANTOPEN, exit 1, saying what is kept", () => {
    const path = join(tmp(), "c1", "responses.sqlite");
    mkdirSync(path, { recursive: true });
    const e = openFails(path);
    expect(e.exitCode).toBe(1);
    expect(e.message).toMatch(new RegExp(`^cannot open the response cache ${path}: .*\\(SQLITE_CANTOPEN\\); `));
    expect(e.message).toContain("the cache holds what was answered before");
    expect(e.message).toContain("the run's own files are intact");
  });

  it("a folder where the WAL file goes: SQLite's I/O error, exit 1", () => {
    const dir = join(tmp(), "c2");
    mkdirSync(join(dir, "responses.sqlite-wal"), { recursive: true });
    const e = openFails(join(dir, "responses.sqlite"));
    expect(e.exitCode).toBe(1);
    expect(e.message).toMatch(/\(SQLITE_IOERR[A-Z_]*\)/);
    expect(e.message).toContain(join(dir, "responses.sqlite"));
  });

  it("a file that is not a database: exit 2, the file left as it was", () => {
    const path = join(tmp(), "not-a-db.sqlite");
    const text = "these bytes are not a SQLite database\n".repeat(40);
    writeFileSync(path, text);
    const e = openFails(path);
    expect(e.exitCode).toBe(2);
    expect(e.message).toContain(`${path}: the file is not a SQLite database (SQLITE_NOTADB)`);
    expect(readFileSync(path, "utf8")).toBe(text);
  });
});

describe("a response cache that fills up during a run: one warning, caching off, the run goes on", () => {
  it("SQLITE_FULL for real (max_page_count): answers keep coming, one warning, the entries stored before are kept", async () => {
    const path = join(tmp(), "full", "responses.sqlite");
    const warnings: string[] = [];
    const cache = new SqliteResponseCache(path, { warn: (l) => warnings.push(l) });
    const inner = echoModel(6000);
    const model = wrapModel(inner, cacheMiddleware(cache));
    const first = await model.chat(ask("first"));
    expect(cache.stored).toBe(1);
    // the database may not grow past the pages it has: the next answer (6000 characters) needs new pages
    const db = (cache as unknown as { db: Database.Database }).db;
    db.pragma(`max_page_count = ${db.pragma("page_count", { simple: true }) as number}`);
    const answers = [];
    for (const q of ["second", "third", "fourth"]) answers.push(await model.chat(ask(q)));
    expect(answers.map((a) => a.text.slice(0, 6))).toEqual(["second", "third.", "fourth"]);
    expect(inner.calls).toBe(4);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(path);
    expect(warnings[0]).toContain("(SQLITE_FULL)");
    expect(warnings[0]).toContain("caching is off for the rest of this run");
    expect(warnings[0]).toContain("the 1 stored in this run are kept");
    expect(warnings[0]!.includes("\n")).toBe(false);
    expect(cache.writing).toBe(false);
    expect(cache.reading).toBe(true);
    // what was stored before still answers, in this run and the next
    expect((await model.chat(ask("first"))).cached).toBe(true);
    expect(inner.calls).toBe(4);
    cache.close();
    const again = new SqliteResponseCache(path, { warn: (l) => warnings.push(l) });
    try {
      expect(again.size).toBe(1);
      const next = wrapModel(inner, cacheMiddleware(again));
      expect((await next.chat(ask("first"))).text).toBe(first.text);
      expect((await next.chat(ask("second"))).cached).toBeUndefined(); // not stored: asked again
      expect(again.writing).toBe(true); // a new run on a cache with room stores again
      expect(again.size).toBe(2);
    } finally {
      again.close();
    }
    expect(warnings).toHaveLength(1);
  });

  it("an error that is not the disk's (a closed database) is not hidden as a full cache", () => {
    const cache = new SqliteResponseCache(join(tmp(), "closed", "responses.sqlite"), { warn: () => {} });
    cache.close();
    const result: ChatResult = { text: "x", toolCalls: [], finishReason: "stop", usage: { promptTokens: 1, completionTokens: 1, cachedTokens: 0, estimated: false }, model: "m" };
    expect(() => cache.set("k", "m", result)).toThrow(/not open/);
    expect(cache.writing).toBe(true);
  });
});
