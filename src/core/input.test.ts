import { mkdirSync, mkdtempSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError, ToolflowError } from "./errors.js";
import { parseJsonText, parseYamlText, writeFileAtomic, writeLinesAtomic } from "./fs.js";
import {
  checkInputFile,
  checkOutputDir,
  checkOutputFile,
  cleanStaleTemps,
  decodeUtf8,
  guardWrite,
  lossyUtf8Count,
  scanUtf8,
  setLossyUtf8,
  valueDepth,
  writeError,
} from "./input.js";
import { readJsonlAll } from "./jsonl.js";

const dir = mkdtempSync(join(tmpdir(), "toolflow-input-"));

/** A process id that is not running (the largest pid Linux allows is 2^22). */
const DEAD_PID = 4_194_303 + 1000;

describe("strict UTF-8", () => {
  it("names file, line and byte offset of the first bad byte; --lossy-utf8 replaces and counts", async () => {
    const file = join(dir, "bad.jsonl");
    const good = Buffer.from('{"a": "héllo"}\n{"a": "x"}\n');
    const bad = Buffer.concat([good, Buffer.from('{"a": "'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}\n')]);
    writeFileSync(file, bad);
    const err = await readJsonlAll(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).line).toBe(3);
    expect((err as Error).message).toContain(`byte offset ${good.length + 7} (byte 0xc3)`);
    expect((err as Error).message).toContain("--lossy-utf8");
    setLossyUtf8(true);
    try {
      const rows = await readJsonlAll<{ a: string }>(file);
      expect(rows[2]!.a).toContain("\uFFFD");
      expect(lossyUtf8Count()).toBe(2);
    } finally {
      setLossyUtf8(false);
    }
  });

  it("agrees with the platform's decoder on which bytes are valid", () => {
    const fatal = new TextDecoder("utf-8", { fatal: true });
    let seed = 7;
    for (let n = 0; n < 300; n++) {
      const bytes = new Uint8Array(1 + (n % 9));
      for (let i = 0; i < bytes.length; i++) bytes[i] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
      let valid = true;
      try {
        fatal.decode(bytes);
      } catch {
        valid = false;
      }
      expect(scanUtf8(bytes).first === -1).toBe(valid);
    }
    expect(decodeUtf8(Buffer.from([0xef, 0xbb, 0xbf, 0x61]), "f")).toBe("a");
  });
});

describe("limits", () => {
  it("a YAML alias bomb and a too deep document are InputErrors naming the file", () => {
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x]", ..."bcdef".split("").map((k, i) => `${k}: &${k} [${Array(9).fill(`*${"abcde"[i]}`).join(", ")}]`)].join("\n");
    expect(() => parseYamlText(bomb, "bomb.yaml")).toThrow(/bomb\.yaml: invalid YAML: too many aliases/);
    const deep = "[".repeat(5000) + "]".repeat(5000);
    expect(() => parseJsonText(deep, "deep.json")).toThrow(/deep\.json: the JSON document is nested more than 256 levels deep/);
    expect(valueDepth({ a: [{ b: 1 }] })).toBe(3);
  });
});

describe("kinds and writability", () => {
  it("a folder where a file is expected, a file where a folder is, a parent that is a file", () => {
    const folder = join(dir, "folder");
    mkdirSync(folder, { recursive: true });
    const file = join(dir, "file.txt");
    writeFileSync(file, "x");
    expect(() => checkInputFile(folder, "--tools")).toThrow(/folder: --tools is a folder, expected a file/);
    expect(() => checkInputFile(join(dir, "absent"), "--graph")).toThrow(/absent: --graph not found/);
    expect(() => checkOutputFile(folder, "-o")).toThrow(/-o is an existing folder/);
    expect(() => checkOutputDir(file, "--out")).toThrow(/--out is an existing file, expected a folder/);
    expect(() => checkOutputFile(join(file, "x.json"), "-o")).toThrow(/is a file/);
    expect(() => checkOutputFile(join(dir, "new", "deeper", "x.json"))).not.toThrow();
    for (const f of [() => checkInputFile(folder), () => checkOutputDir(file)]) {
      try {
        f();
      } catch (err) {
        expect((err as ToolflowError).exitCode).toBe(2);
      }
    }
  });
});

describe("write errors", () => {
  it("ENOSPC and EACCES become one-line exit-1 errors naming the path and what was kept", async () => {
    const enospc = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", syscall: "write" });
    const e = writeError(enospc, "/data/report.html", "the previous /data/report.html is unchanged");
    expect(e.exitCode).toBe(1);
    expect(e.message).toBe("cannot write /data/report.html: no space left on the device (ENOSPC); the previous /data/report.html is unchanged");
    const target = join(dir, "kept.txt");
    writeFileSync(target, "old");
    const eacces = Object.assign(new Error("EACCES"), { code: "EACCES", syscall: "open", path: target });
    const g = await guardWrite(target, () => Promise.reject(eacces)).catch((x: unknown) => x as ToolflowError);
    expect(g.message).toMatch(/cannot write .*kept\.txt: permission denied \(EACCES\); the previous .*kept\.txt is unchanged/);
  });
});

describe("leftovers of atomic writes", () => {
  it("the next write to the same place removes the temporary files and folders of dead processes only", async () => {
    const d = join(dir, "temps");
    mkdirSync(d, { recursive: true });
    const target = join(d, "graph.json");
    const deadFile = join(d, `graph.json.${DEAD_PID}.abc123.tmp`);
    const liveFile = join(d, `graph.json.${process.pid}.def456.tmp`);
    const deadDir = join(d, `.graph.json.tmp-${DEAD_PID}-xyz`);
    const other = join(d, `other.json.${DEAD_PID}.abc.tmp`);
    for (const f of [deadFile, liveFile, other]) writeFileSync(f, "x");
    mkdirSync(join(deadDir, "openai"), { recursive: true });
    await writeFileAtomic(target, "{}");
    expect([existsSync(deadFile), existsSync(deadDir), existsSync(liveFile), existsSync(other)]).toEqual([false, false, true, true]);
    // an export's previous output moved aside is kept while the target is missing (it may be the only copy)
    const old = join(d, `.data.old-${DEAD_PID}-q`);
    mkdirSync(old);
    expect(cleanStaleTemps(join(d, "data"))).toEqual([]);
    mkdirSync(join(d, "data"));
    expect(cleanStaleTemps(join(d, "data"))).toEqual([old]);
  });

  it("writeLinesAtomic streams to a temporary file and leaves the old file when the lines fail", async () => {
    const target = join(dir, "lines.jsonl");
    writeFileSync(target, "old\n");
    function* failing(): Generator<string> {
      yield "a\n";
      throw new InputError("boom");
    }
    await expect(writeLinesAtomic(target, failing())).rejects.toThrow("boom");
    const { readFileSync, readdirSync } = await import("node:fs");
    expect(readFileSync(target, "utf8")).toBe("old\n");
    expect(readdirSync(dir).filter((f) => f.startsWith("lines.jsonl."))).toEqual([]);
    await writeLinesAtomic(target, ["x\n", "y\n"]);
    expect(readFileSync(target, "utf8")).toBe("x\ny\n");
  });
});
