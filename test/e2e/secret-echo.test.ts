/**
 * A server that echoes the secret it was sent (test/support/echo-api.ts): `synth --execute http` with the auth
 * header's value from the environment, a token full of characters that encodings change (`+/=&%"\` and a space),
 * and an API that gives the header back raw, JSON-escaped inside a JSON string, URL-encoded, base64, base64url and
 * inside the base64 of the whole header line, in results, in a text answer and in 400 errors. No byte of any file
 * the run writes (records, rejected records, manifest, samples, the response cache) holds the secret in any of
 * those forms, nor does anything printed; the rest of what the server said is kept, with "[REDACTED]" in place.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DialogueRecord, RejectedRecord } from "../../src/core/index.js";
import { createToolExecution } from "../../src/execute/index.js";
import { importTools } from "../../src/tools/index.js";
import { cliInProcess } from "../support/cli.js";
import { echoesOf, echoOpenApi, startEchoApi, type EchoApi } from "../support/echo-api.js";
import { tempDirForFile } from "../support/tmp.js";
import { filesUnder } from "./support/run-files.js";

const tmp = tempDirForFile("toolflow-e2e-secret-echo-");
const TOKEN = `PLANTED+tok/3x=&%"\\ 9q`;

/** Every form of the token (and of "Bearer " + token) that must not reach a file. */
function forbidden(): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const [who, value] of [["token", TOKEN], ["header", `Bearer ${TOKEN}`]] as const) {
    for (const [how, text] of Object.entries(echoesOf(value))) {
      if (how === "json") out.push([`${who} JSON-escaped`, JSON.stringify(value).slice(1, -1)], [`${who} JSON in JSON`, JSON.stringify(JSON.stringify(value)).slice(3, -3)]);
      else if (how === "form") out.push([`${who} form-encoded`, text.slice("authorization=".length)]);
      else if (how === "line") out.push([`${who} in the base64 of the header line`, text.slice(20, 40)]);
      else out.push([`${who} ${how}`, text]);
    }
  }
  out.push(["token base64, unpadded", Buffer.from(TOKEN).toString("base64").replace(/=+$/, "")]);
  out.push(["token hex", Buffer.from(TOKEN).toString("hex")]);
  return out;
}

const readJsonl = <T>(file: string): T[] =>
  readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as T);

describe("synth --execute http against an API that echoes the auth header", () => {
  let api: EchoApi;
  beforeAll(async () => {
    api = await startEchoApi();
  });
  afterAll(async () => {
    await api.close();
  });

  it("writes no form of the secret anywhere, and keeps the rest of the server's words", async () => {
    const dir = tmp();
    const doc = join(dir, "accounts.json");
    writeFileSync(doc, JSON.stringify(echoOpenApi(api.baseUrl)));
    const config = join(dir, "execute.yaml");
    writeFileSync(config, `sources:\n  - match: accounts.json\n    auth: {header: Authorization, env: ECHO_TOKEN, prefix: "Bearer "}\n    retries: 0\n`);
    const tools = join(dir, "tools.jsonl");
    expect((await cliInProcess(["tools", "import", doc, "-o", tools])).code).toBe(0);
    const out = join(dir, "run");
    const cache = join(out, "cache");

    api.failEvery = 2;
    process.env.ECHO_TOKEN = TOKEN;
    let r: Awaited<ReturnType<typeof cliInProcess>>;
    try {
      r = await cliInProcess([
        "synth", "--tools", tools, "--count", "3", "--llm", "sim", "--seed", "11", "--size", "3", "--out", out,
        "--execute", "http", "--execute-config", config, "--cache", cache, "--max-attempts", "14", "--judge", "sim", "--judge-min", "2",
      ]);
    } finally {
      delete process.env.ECHO_TOKEN;
    }
    expect(r.stderr).toMatch(/synth: complete: 3\/3 accepted/);
    expect(r.code).toBe(0);

    // the server was sent the header, and echoed it on every call
    expect(api.seen.length).toBeGreaterThan(0);
    for (const h of api.seen) expect(h).toBe(`Bearer ${TOKEN}`);

    const accepted = readJsonl<DialogueRecord>(join(out, "dialogues.jsonl"));
    const rejected = readJsonl<RejectedRecord>(join(out, "rejected.jsonl"));
    // the judge (sim, --judge-min 2) rejects some dialogues: rejected.jsonl holds executed results too
    expect(accepted).toHaveLength(3);
    expect(rejected.filter((d) => d.execution?.some((e) => e?.mode === "executed")).length).toBeGreaterThan(0);
    const toolTexts = [...accepted, ...rejected].flatMap((d) => (d.messages ?? []).filter((m) => m.role === "tool").map((m) => m.content));
    // results: the echo fields are there, each "[REDACTED]", next to the account id
    const me = toolTexts.filter((t) => t.includes("acct-7731") && t.includes('"echo"'));
    expect(me.length).toBeGreaterThan(0);
    for (const t of me) {
      const echo = (JSON.parse(t) as { echo: Record<string, string> }).echo;
      expect(Object.keys(echo).sort()).toEqual(Object.keys(echoesOf("x")).sort());
      expect(echo.raw).toBe("Bearer [REDACTED]");
      expect(echo.json).toBe('{"authorization":"Bearer [REDACTED]"}');
      expect(echo.url).toBe("Bearer%20[REDACTED]");
      expect(echo.form).toBe("authorization=Bearer+[REDACTED]");
      expect(echo.base64).toBe("[REDACTED]");
      expect(echo.base64url).toBe("[REDACTED]");
      // the header line: what comes before the secret is kept (base64 of "Authorization: Bearer ...")
      expect(echo.line).toMatch(/^QXV0aG9yaXphdGlvbjog.*\[REDACTED\]/);
    }
    // a 400 that echoes it: the tool error says what the server said, without it
    const errors = toolTexts.filter((t) => t.includes("no account"));
    for (const t of errors) expect(t).toMatch(/HTTP 400 Bad credentials \[REDACTED\]: no account .* for credentials \[REDACTED\] \(Bearer%20\[REDACTED\]\)/);
    expect(errors.length).toBeGreaterThan(0);

    // every byte of every file under the run folder (records, rejected records, manifest, samples, cache)
    const files = filesUnder(out);
    expect(files.map((f) => f.slice(out.length + 1))).toEqual(expect.arrayContaining(["dialogues.jsonl", "rejected.jsonl", "manifest.json", "samples.jsonl"]));
    expect(files.some((f) => f.startsWith(cache))).toBe(true);
    const leaks: string[] = [];
    for (const f of [...files, tools, config]) {
      const bytes = readFileSync(f);
      for (const [name, form] of forbidden()) if (bytes.includes(form)) leaks.push(`${f}: ${name}`);
    }
    for (const [name, form] of forbidden()) if ((r.stdout + r.stderr).includes(form)) leaks.push(`output: ${name}`);
    expect(leaks).toEqual([]);
  });

  it("the executor hook: a text answer and a 400 (body and status line) that echo the header come back without it", async () => {
    const dir = tmp();
    const doc = join(dir, "accounts-hook.json");
    writeFileSync(doc, JSON.stringify(echoOpenApi(api.baseUrl)));
    const { tools } = await importTools([doc]);
    const config = { sources: [{ match: "accounts-hook.json", auth: { header: "Authorization", env: "ECHO_TOKEN", prefix: "Bearer " }, retries: 0 }] };
    const ex = await createToolExecution(tools, { execute: "http", config, env: { ECHO_TOKEN: TOKEN } });
    try {
      const tool = (name: string) => tools.find((t) => t.name === name)!;
      const text = await ex.hook({ tool: tool("getMeText"), arguments: {}, callId: "a" });
      expect(text).toMatchObject({ kind: "executed", ok: true });
      const body = (text as { result: string }).result;
      expect(body.split("\n")).toEqual([
        "raw=Bearer [REDACTED]",
        'json={"authorization":"Bearer [REDACTED]"}',
        "url=Bearer%20[REDACTED]",
        "form=authorization=Bearer+[REDACTED]",
        "base64=[REDACTED]",
        "base64url=[REDACTED]",
        expect.stringMatching(/^line=QXV0aG9yaXphdGlvbjog\[REDACTED\]/),
      ]);
      const failed = await ex.hook({ tool: tool("getAccount"), arguments: { accountId: "acct-0000" }, callId: "b" });
      expect(failed).toMatchObject({ kind: "executed", ok: false, error: "HTTP 400 Bad credentials [REDACTED]: no account acct-0000 for credentials [REDACTED] (Bearer%20[REDACTED])" });
      for (const [name, form] of forbidden()) expect(JSON.stringify([text, failed]), name).not.toContain(form);
    } finally {
      await ex.close();
    }
  });
});
