/**
 * `toolflow verify --provenance judge:<spec>`: the rules first, then one request per dialogue they leave values
 * ungrounded in, to a model on the local OpenAI-compatible test server.
 */
import { afterEach, describe, expect, it } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cliInProcess } from "../../test/support/cli.js";
import { exampleDialogueRecord } from "../../test/support/example-dialogue.js";
import { startOpenAIServer, type OpenAIServer } from "../../test/support/openai-server.js";
import { tempDirForFile } from "../../test/support/tmp.js";

const tmp = tempDirForFile("verify-cmd-");
let server: OpenAIServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A run folder with the example dialogue twice: as written, and with the destination as an IATA code. */
function runDir(): string {
  const dir = tmp();
  const good = exampleDialogueRecord();
  const bad = exampleDialogueRecord();
  bad.id = "tf-bad";
  const m = bad.messages[2];
  if (m?.role !== "assistant" || !m.tool_calls?.[0]) throw new Error("the example changed");
  m.tool_calls[0].function.arguments = JSON.stringify({ ...JSON.parse(m.tool_calls[0].function.arguments), destination: "LIS" });
  writeFileSync(join(dir, "dialogues.jsonl"), [good, bad].map((r) => JSON.stringify(r)).join("\n") + "\n");
  return dir;
}

describe("toolflow verify --provenance", () => {
  it("rules alone: an IATA code the rules know is converted, an invalid mode is named", async () => {
    const dir = runDir();
    const r = await cliInProcess(["verify", dir, "--no-dedup", "--json"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { passed: number; provenance: Record<string, number> };
    expect(report.passed).toBe(2);
    expect(report.provenance.converted).toBeGreaterThanOrEqual(1);
    const bad = await cliInProcess(["verify", dir, "--provenance", "judge:"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--provenance must be reject, flag, off or judge:<model spec>/);
  });

  it("judge:<spec> asks the model only about dialogues with ungrounded values, and reports its usage", async () => {
    const dir = runDir();
    // make one value ungrounded for the rules: a city nobody named
    const lines = (await import("node:fs")).readFileSync(join(dir, "dialogues.jsonl"), "utf8").replace('\\"destination\\":\\"LIS\\"', '\\"destination\\":\\"Porto\\"');
    writeFileSync(join(dir, "dialogues.jsonl"), lines);
    server = await startOpenAIServer({
      apiKey: "sk-verify",
      script: [{ json: { verdicts: [{ id: 1, supported: false, reason: "the user asked for Lisbon, not Porto" }] } }],
    });
    const savedKey = process.env.OPENAI_API_KEY;
    process.env.OPENAI_API_KEY = "sk-verify";
    try {
      const r = await cliInProcess(["verify", dir, "--no-dedup", "--json", "--provenance", "judge:openai:judge-model", "--base-url", server.baseURL]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const report = JSON.parse(r.stdout) as {
        passed: number;
        failed: number;
        provenance: Record<string, number>;
        usage: Record<string, { requests: number }>;
        failures: Array<{ id: string; reason: string }>;
      };
      expect(server.count()).toBe(1);
      expect(report).toMatchObject({ passed: 1, failed: 1, provenance: { judged: 1, entailed: 0, ungrounded: 1 } });
      expect(report.usage.provenance?.requests).toBe(1);
      expect(report.failures[0]?.reason).toBe('ungrounded argument search_flights/destination = "Porto" (call call_1): judge: the user asked for Lisbon, not Porto');
    } finally {
      if (savedKey === undefined) delete process.env.OPENAI_API_KEY;
      else process.env.OPENAI_API_KEY = savedKey;
    }
  });
});
