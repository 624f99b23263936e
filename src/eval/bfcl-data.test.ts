import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../core/index.js";
import { loadBfclData } from "./index.js";
import { PyFloat } from "../core/index.js";

const fn = (name: string) => ({ name, description: "", parameters: { type: "dict", properties: { x: { type: "float" } }, required: ["x"] } });

async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "toolflow-bfcl-"));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, ".."), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

const line = (v: unknown) => JSON.stringify(v) + "\n";

describe("loadBfclData", () => {
  it("reads questions and answers of several folders; the first folder holding an id wins", async () => {
    const a = await folder({
      "BFCL_v4_simple_python.json": line({ id: "simple_python_0", question: [[]], function: [fn("a.f")] }),
      "possible_answer/BFCL_v4_simple_python.json": '{"id": "simple_python_0", "ground_truth": [{"a.f": {"x": [2.0]}}]}\n',
      "BFCL_v4_irrelevance.json": line({ id: "irrelevance_0", question: [[]], function: [fn("g")] }),
      "README.md": "not data",
    });
    const b = await folder({
      "BFCL_v4_simple_python.json": line({ id: "simple_python_0", question: [[]], function: [fn("other")] }) + "\n" + line({ id: "simple_python_1", question: [[]], function: [fn("b")] }),
    });
    const data = await loadBfclData([a, b]);
    expect(data.size).toBe(3);
    expect(data.categories()).toEqual(["irrelevance", "simple_python"]);
    const q = data.require("simple_python_0");
    expect(q.functions[0]?.name).toBe("a.f");
    expect(q.file).toBe(join(a, "BFCL_v4_simple_python.json"));
    expect(q.line).toBe(1);
    // 2.0 in an answer stays a float, as Python reads it
    expect(q.possibleAnswer?.[0]?.["a.f"]?.x?.[0]).toBeInstanceOf(PyFloat);
    expect(data.require("simple_python_1").line).toBe(3);
    expect(data.requireAnswer(data.require("irrelevance_0"))).toBeUndefined();
    expect(() => data.requireAnswer(data.require("simple_python_1"))).toThrow(/simple_python_1.*no possible answer/);
    expect(() => data.require("parallel_9")).toThrow(InputError);
    expect(() => data.require("parallel_9")).toThrow(/"parallel_9" is in none of the data folders/);
  });

  it("names the file and line of a bad line", async () => {
    const dir = await folder({
      "BFCL_v4_multiple.json": line({ id: "multiple_0", question: [[]], function: [fn("f")] }) + '{"id": "multiple_1", "question": [[]]}\n',
    });
    await expect(loadBfclData([dir])).rejects.toThrow(/BFCL_v4_multiple\.json line 2 at \/function/);
    const dir2 = await folder({ "BFCL_v4_multiple.json": "{oops\n" });
    await expect(loadBfclData([dir2])).rejects.toThrow(/BFCL_v4_multiple\.json line 1: invalid JSON/);
    const dir3 = await folder({
      "BFCL_v4_multiple.json": line({ id: "multiple_0", question: [[]], function: [fn("f")] }),
      "possible_answer/BFCL_v4_multiple.json": line({ id: "multiple_0", ground_truth: [{ f: { x: 1 } }] }),
    });
    await expect(loadBfclData([dir3])).rejects.toThrow(/possible_answer\/BFCL_v4_multiple\.json line 1 at \/ground_truth\/0\/f\/x/);
  });

  it("rejects a folder without question files, and a missing folder", async () => {
    const empty = await folder({ "notes.txt": "" });
    await expect(loadBfclData([empty])).rejects.toThrow(/no BFCL question files/);
    await expect(loadBfclData([join(empty, "absent")])).rejects.toThrow(/absent: cannot read the BFCL data folder/);
    await expect(loadBfclData([])).rejects.toThrow(InputError);
  });
});
