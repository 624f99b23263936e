import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { cliInProcess, SHARED_DATA } from "../../test/support/cli.js";
import { checkCalls, loadBfclData, type BfclData } from "../eval/index.js";
import { parsePyJson, stringifyPyJson } from "../core/index.js";

const BFCL = join(SHARED_DATA, "bfcl");

interface Vector {
  id: string;
  category: string;
  kind: string;
  model_output: unknown;
  valid: boolean;
  error_type: string | null;
}

let data: BfclData;
let vectorLines: string[];
let dir: string;

beforeAll(async () => {
  data = await loadBfclData([BFCL]);
  vectorLines = readFileSync(join(BFCL, "checker_vectors.jsonl"), "utf8").split("\n").filter((l) => l.trim() !== "");
  dir = await mkdtemp(join(tmpdir(), "toolflow-eval-cmd-"));
});

describe("toolflow eval bfcl --check", () => {
  it("echoes every input field and adds the checker's verdict", async () => {
    // every 97th vector (all categories and kinds), plus lines with floats written 2.0, plus an extra field
    const picked = vectorLines.filter((l, i) => i % 97 === 0 || (i % 7 === 0 && /\d\.0[,\]} ]/.test(l)));
    const input = picked.map((l, i) => l.replace(/^\{/, `{"note": "n${i}", `));
    const file = join(dir, "answers.jsonl");
    const out = join(dir, "checked.jsonl");
    await writeFile(file, input.join("\n") + "\n");
    const r = await cliInProcess(["eval", "bfcl", "--check", file, "--data", BFCL, "-o", out]);
    expect(r.stderr).toContain("accuracy");
    expect(r.code).toBe(0);
    const outLines = (await readFile(out, "utf8")).trimEnd().split("\n");
    expect(outLines).toHaveLength(input.length);
    let withFloats = 0;
    for (let i = 0; i < input.length; i++) {
      const inText = input[i] as string;
      const outText = outLines[i] as string;
      const src = parsePyJson(inText) as Vector & { note: string };
      const got = parsePyJson(outText) as Record<string, unknown>;
      // every input field, in its order and with its Python types (2.0 stays 2.0); "valid" (BFCL's verdict in
      // the vectors) is replaced by the checker's
      const { valid: _bfclValid, ...rest } = src;
      for (const [k, v] of Object.entries(rest)) expect(stringifyPyJson(got[k]), `${src.id} ${k}`).toBe(stringifyPyJson(v));
      expect(Object.keys(got)).toEqual([...Object.keys(src), "errorType", "error"]);
      if (/"model_output":[^\n]*\d\.0[,\]}]/.test(outText)) withFloats++;
      const q = data.require(src.id);
      const expected = checkCalls(q.functions, src.model_output, q.possibleAnswer, src.category);
      expect(got.valid, src.id).toBe(expected.valid);
      expect(got.errorType, src.id).toBe(expected.errorType);
      expect(got.error, src.id).toBe(expected.error);
      // and BFCL's own verdict
      expect(got.valid, `${src.id} ${src.kind}`).toBe(src.valid);
    }
    expect(withFloats).toBeGreaterThan(0);
    // the table: one row per category of the input, and the overall row
    for (const c of new Set(input.map((l) => (parsePyJson(l) as Vector).category))) expect(r.stderr).toMatch(new RegExp(`\\n${c}\\s+\\d+`));
    expect(r.stderr).toMatch(/\nall\s+\d+\s+\d+\s+\d+\.\d %/);
  });

  it("takes the category from the data when a line has none, and reads several --data folders", async () => {
    const file = join(dir, "nocat.jsonl");
    const out = join(dir, "nocat.out.jsonl");
    await writeFile(
      file,
      [
        { id: "simple_python_0", model_output: [{ calculate_triangle_area: { base: 10, height: 5 } }] },
        { id: "simple_python_0", model_output: [{ calculate_triangle_area: { base: 10, height: "5" } }] },
        { id: "irrelevance_0", model_output: [] },
      ]
        .map((v) => JSON.stringify(v))
        .join("\n"),
    );
    const r = await cliInProcess(["eval", "bfcl", "--check", file, "--data", join(dir, "absent-is-not-read-first"), "-o", out]);
    expect(r.code).toBe(2);
    const r2 = await cliInProcess(["eval", "bfcl", "--check", file, "--data", BFCL, "--data", BFCL, "-o", out]);
    expect(r2.code).toBe(0);
    const got = (await readFile(out, "utf8")).trimEnd().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(got.map((g) => [g.valid, g.errorType])).toEqual([
      [true, null],
      [false, "type_error:simple"],
      [true, null],
    ]);
    expect(got[0]).not.toHaveProperty("category");
    expect(r2.stderr).toMatch(/\nsimple_python\s+2\s+1\s+50\.0 %/);
    expect(r2.stderr).toMatch(/\nirrelevance\s+1\s+1\s+100\.0 %/);
  });

  it("an id in none of the data folders is an error naming it, and nothing is written", async () => {
    const file = join(dir, "missing.jsonl");
    const out = join(dir, "missing.out.jsonl");
    await writeFile(file, vectorLines.slice(0, 3).join("\n") + '\n{"id": "simple_python_99999", "category": "simple_python", "model_output": []}\n');
    const r = await cliInProcess(["eval", "bfcl", "--check", file, "--data", BFCL, "-o", out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"simple_python_99999" is in none of the data folders');
    expect(existsSync(out)).toBe(false);
  });

  it("a bad line is an error naming the file and line", async () => {
    const file = join(dir, "bad.jsonl");
    const out = join(dir, "bad.out.jsonl");
    await writeFile(file, vectorLines[0] + "\n\n{not json}\n");
    const r = await cliInProcess(["eval", "bfcl", "--check", file, "--data", BFCL, "-o", out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file} line 3: invalid JSON`);
    await writeFile(file, vectorLines[0] + '\n{"id": "simple_python_0"}\n');
    const r2 = await cliInProcess(["eval", "bfcl", "--check", file, "--data", BFCL, "-o", out]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain(`${file} line 2 at /model_output`);
    expect(existsSync(out)).toBe(false);
  });

  it("usage errors: no --data, no -o, no mode", async () => {
    const file = join(dir, "answers.jsonl");
    expect((await cliInProcess(["eval", "bfcl", "--check", file, "-o", join(dir, "x.jsonl")])).stderr).toMatch(/--data/);
    const noOut = await cliInProcess(["eval", "bfcl", "--check", file, "--data", BFCL]);
    expect(noOut.code).toBe(2);
    expect(noOut.stderr).toMatch(/-o OUT/);
    const noMode = await cliInProcess(["eval", "bfcl", "--data", BFCL]);
    expect(noMode.code).toBe(2);
    expect(noMode.stderr).toMatch(/--check/);
  });
});
