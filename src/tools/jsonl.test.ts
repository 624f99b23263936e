import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDirForFile } from "../../test/support/tmp.js";
import { InputError } from "../core/index.js";
import { readToolsJsonl } from "./jsonl.js";

const tmp = tempDirForFile("tools-jsonl-");

describe("readToolsJsonl", () => {
  it("says to import a tool file given where a tools.jsonl is expected, naming the file", async () => {
    const file = join(tmp(), "travel.openai.json");
    writeFileSync(file, JSON.stringify([{ type: "function", function: { name: "f", parameters: { type: "object" } } }], null, 2));
    const err = await readToolsJsonl(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toBe(
      `${file} line 1: invalid JSON on this line: Unexpected end of JSON input; this is not a tools.jsonl (one ToolSpec a line): ` +
        `import the tool file first with \`toolflow tools import ${file} -o tools.jsonl\``,
    );
    expect((err as InputError).exitCode).toBe(2);
  });

  it("names a later bad line without the import hint", async () => {
    const file = join(tmp(), "tools.jsonl");
    const spec = { name: "f", description: "", parameters: { type: "object", properties: {} }, source: { format: "openai", file: "x", pointer: "/0" } };
    writeFileSync(file, JSON.stringify(spec) + "\n{oops\n");
    const err = await readToolsJsonl(file).catch((e: unknown) => e);
    expect((err as InputError).message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")} line 2: invalid JSON`));
    expect((err as InputError).message).not.toMatch(/tools import/);
  });

  it("keeps the field a first line fails on, once", async () => {
    const file = join(tmp(), "other.jsonl");
    writeFileSync(file, JSON.stringify({ type: "function", function: { name: "f" } }) + "\n");
    const message = String(((await readToolsJsonl(file).catch((e: unknown) => e)) as InputError).message);
    expect(message.startsWith(`${file} line 1 at /`)).toBe(true);
    expect(message.split(file).length).toBe(3); // the file named where and in the command to run, nowhere else
    expect(message).toMatch(/not a valid ToolSpec.*; this is not a tools\.jsonl/);
  });
});
