/**
 * Exit codes when the endpoint refuses everything: `judge`, `eval heldout` and `eval bfcl --llm` against a local
 * OpenAI-compatible server that answers every request with HTTP 400 exit 1 with a message saying every model
 * request failed (not 0 with 0 %), and write no summary; `eval bfcl` leaves its results file as it was, so the same
 * command asks again once the endpoint works. One good answer among the refusals is a result, not a failure.
 * `--base-url` that is not an http(s) URL is a usage error (exit 2) in `doctor` and the other commands.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DialogueRecord } from "../core/index.js";
import { exampleDialogueRecord } from "../../test/support/example-dialogue.js";
import { cliInProcess, SHARED_DATA } from "../../test/support/cli.js";
import { startOpenAIServer, type OpenAIServer } from "../../test/support/openai-server.js";

const REFUSAL = "model 'nope' is not served here";
let work: string;
let run: string;
let refusing: OpenAIServer;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "toolflow-failed-requests-"));
  run = join(work, "run");
  const base = exampleDialogueRecord();
  const records: DialogueRecord[] = [0, 1, 2].map((i) => ({ ...base, id: `d${i}`, index: i, seed: 10 + i }));
  mkdirSync(run);
  writeFileSync(join(run, "dialogues.jsonl"), records.map((r) => JSON.stringify(r)).join("\n") + "\n");
  refusing = await startOpenAIServer({ respond: () => ({ fault: "http", status: 400, message: REFUSAL }) });
});
afterAll(async () => {
  await refusing.close();
  rmSync(work, { recursive: true, force: true });
});

const endpoint = () => ["--llm", "openai:nope", "--base-url", refusing.baseURL];

describe("every model request refused (HTTP 400)", () => {
  it("judge exits 1 saying so, and writes no summary", async () => {
    const out = join(work, "judge");
    const r = await cliInProcess(["judge", run, ...endpoint(), "--metrics", "judge", "-o", out]);
    expect(r.stderr).toMatch(/judge: every model request failed \(3 dialogues\); the first: d\d: .*is not served here/);
    expect(r.code).toBe(1);
    expect(existsSync(join(out, "summary.json"))).toBe(false);
    expect(refusing.chatRequests().length).toBeGreaterThanOrEqual(3);
  });

  it("eval heldout exits 1 saying so, and writes nothing", async () => {
    const out = join(work, "heldout");
    const r = await cliInProcess(["eval", "heldout", run, ...endpoint(), "--split", "all", "-o", out]);
    expect(r.stderr).toMatch(/eval heldout: every model request failed \(\d+ turns\); the first: the model call failed: .*is not served here/);
    expect(r.code).toBe(1);
    expect(existsSync(join(out, "summary.json"))).toBe(false);
    expect(existsSync(join(out, "results.jsonl"))).toBe(false);
  });

  it("eval bfcl --llm exits 1 saying so; its results file is as it was, so a rerun asks again", async () => {
    const out = join(work, "bfcl");
    const args = ["eval", "bfcl", ...endpoint(), "--data", join(SHARED_DATA, "bfcl"), "--categories", "simple_python", "--limit", "3", "-o", out];
    const r = await cliInProcess(args);
    expect(r.stderr).toMatch(/eval bfcl: every model request failed \(3 questions\); the first: .*is not served here/);
    expect(r.code).toBe(1);
    expect(existsSync(join(out, "summary.json"))).toBe(false);
    expect(readFileSync(join(out, "results.jsonl"), "utf8")).toBe("");
    const before = refusing.chatRequests().length;
    expect((await cliInProcess(args)).code).toBe(1);
    expect(refusing.chatRequests().length - before).toBe(3); // asked again, not "already decided"
  });

  it("one answer among refusals is a result: eval bfcl exits 0 and scores the refusals as failures", async () => {
    let n = 0;
    const mixed = await startOpenAIServer({ respond: () => (n++ === 0 ? "generic" : { fault: "http", status: 400, message: REFUSAL }) });
    try {
      const out = join(work, "bfcl-mixed");
      const r = await cliInProcess(["eval", "bfcl", "--llm", "openai:nope", "--base-url", mixed.baseURL, "--data", join(SHARED_DATA, "bfcl"), "--categories", "simple_python", "--limit", "3", "--concurrency", "1", "-o", out]);
      expect(r.code).toBe(0);
      const lines = readFileSync(join(out, "results.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { errorType: string | null });
      expect(lines.filter((l) => l.errorType === "request_error")).toHaveLength(2);
      expect(existsSync(join(out, "summary.json"))).toBe(true);
    } finally {
      await mixed.close();
    }
  });
});

describe("--base-url that is not a URL", () => {
  it("is a usage error (exit 2) naming the flag, in doctor and in the other commands", async () => {
    const doctor = await cliInProcess(["doctor", "--llm", "openai:m", "--base-url", "not-a-url"]);
    expect(doctor.code).toBe(2);
    expect(doctor.stderr).toMatch(/--base-url: expected an http\(s\) URL .*got "not-a-url"/);
    const judge = await cliInProcess(["judge", run, "--llm", "openai:m", "--base-url", "ftp://host/v1", "-o", join(work, "j2")]);
    expect(judge.code).toBe(2);
    expect(judge.stderr).toMatch(/--base-url: expected an http\(s\) URL/);
    expect(existsSync(join(work, "j2"))).toBe(false);
  });
});
