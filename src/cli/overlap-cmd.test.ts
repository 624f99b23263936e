import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliInProcess } from "../../test/support/cli.js";
import { tempDirForFile } from "../../test/support/tmp.js";
import { readToolsJsonl } from "../tools/index.js";

const tempDir = tempDirForFile("toolflow-overlap-cli-");
const W = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo";
const fn = (name: string, description: string) => ({ type: "function", function: { name, description, parameters: { type: "object", properties: {} } } });

describe("toolflow overlap", () => {
  it("prints the JSON summary and writes TRAIN without the leaked tools with --exclude", async () => {
    const train = join(tempDir(), "train.json");
    const evalFile = join(tempDir(), "eval.json");
    // leaked: the 11 words in a 20-token JSON (parameters properties type object); kept: 10 of them; kept: unrelated
    await writeFile(train, JSON.stringify([fn("leaky", `zz ${W} yy`), fn("safe", `zz ${W.split(" ").slice(0, 10).join(" ")} yy`), fn("other", "send an email to a friend")]));
    await writeFile(evalFile, JSON.stringify([fn("e", W)]));
    const out = join(tempDir(), "kept.jsonl");
    const r = await cliInProcess(["overlap", train, evalFile, "--json", "--exclude", out]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(j).toMatchObject({
      trainTools: 3,
      leakedTools: 1,
      share: 0.333333,
      leaked: [{ tool: "leaky", nearest: "e", reason: { rule: "ngram", coverage: 0.55, coveredTokens: 11, tokens: 20 } }],
    });
    expect(r.stderr).toMatch(/1 leaked .*; 2 kept ->/);
    expect((await readToolsJsonl(out)).map((t) => t.name)).toEqual(["safe", "other"]);

    const text = await cliInProcess(["overlap", train, evalFile, "-q"]);
    expect(text.stdout).toMatch(/^1 of 3 TRAIN tools leaked \(33\.3 %\) against 1 EVAL tools$/m);
    expect(text.stdout).toMatch(/leaky -> e: ngram, covered 55\.0 % \(11\/20 tokens\)/);
    expect(text.stderr).toBe("");
  }, 60_000);

  it("exits 2 naming the file it cannot read, and on bad options", async () => {
    const evalFile = join(tempDir(), "eval2.json");
    await writeFile(evalFile, JSON.stringify([fn("e", W)]));
    const missing = await cliInProcess(["overlap", join(tempDir(), "nope.json"), evalFile]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.json: file not found/);
    const broken = join(tempDir(), "broken.json");
    await writeFile(broken, "{ not json");
    const b = await cliInProcess(["overlap", evalFile, broken]);
    expect(b.code).toBe(2);
    expect(b.stderr).toContain("broken.json");
    const opt = await cliInProcess(["overlap", evalFile, evalFile, "--max-coverage", "2"]);
    expect(opt.code).toBe(2);
    expect(opt.stderr).toMatch(/--max-coverage/);
    expect(await readFile(evalFile, "utf8")).toContain("alpha");
  }, 60_000);
});
