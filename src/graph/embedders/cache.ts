/**
 * The embedding cache the dense embedders share: vectors in SQLite, keyed by a SHA-256 of what determines them
 * (each embedder makes its own keys), and the lookup that splits a batch of texts into hits and texts to embed.
 */
import { join } from "node:path";
import Database from "better-sqlite3";
import { makeDirSync, openSqliteFile } from "../../core/index.js";

/** SQLite-backed cache of embedding vectors keyed by a SHA-256 of what determines them. */
export class EmbeddingCache {
  private readonly db: Database.Database;
  private readonly getStmt: Database.Statement<[string], { vec: Buffer }>;
  private readonly putStmt: Database.Statement<[string, number, Buffer]>;

  constructor(dir: string) {
    makeDirSync(dir, "the embedding cache folder");
    const path = join(dir, "embeddings.sqlite");
    // a cache SQLite cannot open (full, read-only, not a database...): one line naming the file (core's rule)
    const { db, prepared } = openSqliteFile(
      path,
      () => new Database(path),
      (db) => {
        db.pragma("journal_mode = WAL");
        db.pragma("busy_timeout = 5000");
        db.exec("CREATE TABLE IF NOT EXISTS embeddings (key TEXT PRIMARY KEY, dim INTEGER NOT NULL, vec BLOB NOT NULL)");
        return {
          get: db.prepare<[string], { vec: Buffer }>("SELECT vec FROM embeddings WHERE key = ?"),
          put: db.prepare<[string, number, Buffer]>("INSERT OR REPLACE INTO embeddings (key, dim, vec) VALUES (?, ?, ?)"),
        };
      },
      "cannot open the embedding cache",
      "nothing was embedded or written (pass --no-cache to go without it)",
    );
    this.getStmt = prepared.get;
    this.putStmt = prepared.put;
    this.db = db;
  }

  get(key: string): Float32Array | undefined {
    const row = this.getStmt.get(key);
    if (!row) return undefined;
    const b = row.vec;
    return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  }

  putMany(entries: ReadonlyArray<[string, Float32Array]>): void {
    const tx = this.db.transaction((list: ReadonlyArray<[string, Float32Array]>) => {
      for (const [key, v] of list) this.putStmt.run(key, v.length, Buffer.from(v.buffer, v.byteOffset, v.byteLength));
    });
    tx(entries);
  }

  close(): void {
    this.db.close();
  }
}

/**
 * The cached vector of each key (positions whose key is undefined are never looked up), the positions still to
 * embed, and how many came from the cache.
 */
export function cachedVectors(
  cache: EmbeddingCache | undefined,
  keys: readonly (string | undefined)[],
): { out: Array<Float32Array | undefined>; missing: number[]; hits: number } {
  const out: Array<Float32Array | undefined> = new Array(keys.length);
  const missing: number[] = [];
  let hits = 0;
  keys.forEach((key, i) => {
    const hit = key === undefined ? undefined : cache?.get(key);
    if (hit) {
      out[i] = hit;
      hits++;
    } else missing.push(i);
  });
  return { out, missing, hits };
}
