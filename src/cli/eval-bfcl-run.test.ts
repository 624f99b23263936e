import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Command } from "commander";
import { afterEach, describe, expect, it, vi } from "vitest";
import { startOpenAIServer, type OpenAIServer } from "../../test/support/openai-server.js";
import { SHARED_DATA } from "../../test/support/cli.js";
import { BFCL_EVAL_OPTION_TABLE } from "../eval/index.js";
import { runEvalBfclModelMode, type EvalBfclModelFlags } from "./eval-bfcl-run.js";
import { addOptionSpecs } from "./option-specs.js";

let server: OpenAIServer | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await server?.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  vi.restoreAllMocks();
});

describe("eval bfcl --llm options", () => {
  it("parse (declared from eval's option table) into the flags runEvalBfclModelMode takes, and run", async () => {
    server = await startOpenAIServer({});
    const out = mkdtempSync(join(tmpdir(), "bfcl-cli-"));
    dirs.push(out);
    let flags: EvalBfclModelFlags | undefined;
    const cmd = addOptionSpecs(new Command("bfcl").exitOverride(), BFCL_EVAL_OPTION_TABLE.options).action((o: EvalBfclModelFlags) => {
      flags = o;
    });
    await cmd.parseAsync(["--llm", "openai:m", "--data", join(SHARED_DATA, "bfcl"), "-o", out, "--categories", "simple_python,irrelevance", "--limit", "2", "--tool-mode", "prompt", "--base-url", server.baseURL, "--concurrency", "3"], { from: "user" });
    expect(flags).toMatchObject({ llm: "openai:m", categories: ["simple_python", "irrelevance"], limit: 2, toolMode: "prompt", concurrency: 3, temperature: 0 });
    const write = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
    const summary = await runEvalBfclModelMode(flags as EvalBfclModelFlags);
    expect(summary.selected).toBe(4);
    expect(summary.categories.map((c) => c.category)).toEqual(["simple_python", "irrelevance"]);
    // the generic server echoes text: no call, so simple_python fails to decode and irrelevance passes
    expect(summary.categories.map((c) => c.accuracy)).toEqual([0, 1]);
    expect(write.mock.calls.map((c) => String(c[0])).join("")).toMatch(/simple_python\s+0\/2/);
    expect(readFileSync(join(out, "results.jsonl"), "utf8").trim().split("\n")).toHaveLength(4);
    await expect(cmd.parseAsync(["--llm", "openai:m", "--tool-mode", "weird"], { from: "user" })).rejects.toThrow();
  });
});
