/**
 * The `http` executor against a local pet-clinic API described by an OpenAPI document built in the test
 * (test/support/pets-api.ts): auth from the environment, real 4xx answers as tool errors, writes refused without
 * --allow-writes, timeouts, retries, the per-tool rate limit, validation against `returns`, secrets scrubbed.
 */
import { writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { petsOpenApi, startPetsApi, type PetsApi } from "../../test/support/pets-api.js";
import { tempDirForFile } from "../../test/support/tmp.js";
import { InputError, type ToolSpec } from "../core/index.js";
import { importTools } from "../tools/index.js";
import { createToolExecution, loadExecuteConfig, scrubSecrets, type ExecuteConfigInput } from "./index.js";

const TOKEN = "pets-secret-7f3a";
const tmp = tempDirForFile("toolflow-http-exec-");
let api: PetsApi;
let tools: ToolSpec[];
let docFile: string;

beforeAll(async () => {
  api = await startPetsApi({ token: TOKEN });
  docFile = join(tmp(), "pets.json");
  await writeFile(docFile, JSON.stringify(petsOpenApi(api.baseUrl)));
  ({ tools } = await importTools([docFile]));
});
afterAll(async () => {
  await api.close();
});

const tool = (name: string) => tools.find((t) => t.name === name)!;
const auth = { header: "Authorization", env: "PETS_TOKEN", prefix: "Bearer " };
const env = { PETS_TOKEN: TOKEN };
const config = (extra: Record<string, unknown> = {}): ExecuteConfigInput =>
  ({ sources: [{ match: "pets.json", auth, retryDelayMs: 10, ...extra }] }) as ExecuteConfigInput;

describe("the http executor", () => {
  it("calls the operation with the auth header from the environment; the answer is the tool message; ids flow on", async () => {
    const ex = await createToolExecution(tools, { execute: "http", config: config(), env });
    try {
      const n = api.requests.length;
      const list = await ex.hook({ tool: tool("listPets"), arguments: { species: "cat", limit: 3 }, callId: "a" });
      expect(list.kind).toBe("executed");
      const req = api.requests[n]!;
      expect(req).toMatchObject({ method: "GET", path: "/v1/pets", query: { species: "cat", limit: "3" }, authorization: `Bearer ${TOKEN}`, status: 200 });
      expect(list).toMatchObject({ ok: true, result: req.response, execution: { mode: "executed", executor: "http", target: `GET ${api.baseUrl}/pets` } });
      const id = (req.response as { pets: Array<{ pet_id: string }> }).pets[0]!.pet_id;
      const pet = await ex.hook({ tool: tool("getPet"), arguments: { petId: id }, callId: "b" });
      expect(api.requests[n + 1]!.path).toBe(`/v1/pets/${id}`);
      expect(pet).toMatchObject({ ok: true, result: api.requests[n + 1]!.response });
      expect(JSON.stringify(pet)).not.toContain(TOKEN);
    } finally {
      await ex.close();
    }
  });

  it("a 4xx answer is a tool error the assistant must handle; the record says the call failed", async () => {
    const ex = await createToolExecution(tools, { execute: "http", config: config(), env });
    const out = await ex.hook({ tool: tool("getPet"), arguments: { petId: "rex" }, callId: "a" });
    expect(out).toMatchObject({
      kind: "executed",
      ok: false,
      error: "HTTP 404 Not Found: no pet with id rex",
      result: { error: "HTTP 404 Not Found: no pet with id rex", status: 404 },
      execution: { mode: "executed", error: true },
    });
    // without the token the server says 401, as a tool error too
    const noAuth = await createToolExecution(tools, { execute: "http" });
    expect(await noAuth.hook({ tool: tool("listPets"), arguments: { species: "dog" }, callId: "b" })).toMatchObject({ ok: false, result: { status: 401 } });
  });

  it("a write is refused without --allow-writes (simulated, nothing sent) and sent with it", async () => {
    const n = api.requests.length;
    const safe = await createToolExecution(tools, { execute: "http", config: config(), env });
    expect(safe.plan.find((r) => r.tool === "createPet")).toMatchObject({ write: true, runs: false, target: `POST ${api.baseUrl}/pets` });
    const refused = await safe.hook({ tool: tool("createPet"), arguments: { name: "Rex", species: "dog" }, callId: "a" });
    expect(refused).toEqual({ kind: "simulate", execution: { mode: "simulated", executor: "http", note: expect.stringMatching(/--allow-writes/) } });
    expect(api.requests.slice(n).filter((r) => r.method === "POST")).toEqual([]);

    const open = await createToolExecution(tools, { execute: "http", config: config(), env, allowWrites: true });
    const note = await open.hook({ tool: tool("addNote"), arguments: { petId: "pet-00001", note: "limps a bit", urgent: true }, callId: "n" });
    expect(api.requests.at(-1)).toMatchObject({ method: "POST", path: "/v1/pets/pet-00001/notes", body: { form: { note: "limps a bit", urgent: "true" } } });
    expect(note).toMatchObject({ ok: true, result: { saved: { form: { note: "limps a bit" } } } });
    const made = await open.hook({ tool: tool("createPet"), arguments: { name: "Rex", species: "dog" }, callId: "b" });
    const post = api.requests.at(-1)!;
    expect(post).toMatchObject({ method: "POST", path: "/v1/pets", body: { name: "Rex", species: "dog" }, status: 201 });
    expect(made).toMatchObject({ kind: "executed", ok: true, result: post.response, execution: { write: true } });
    // a dialogue's writes on an HTTP API stay there (an API is one shared state)
    const dialogue = open.openDialogue("tf-1-000000");
    await dialogue.hook({ tool: tool("createPet"), arguments: { name: "Max", species: "cat" }, callId: "c" });
    await dialogue.hook({ tool: tool("listPets"), arguments: { species: "cat" }, callId: "d" });
    expect(dialogue.writes()).toEqual([
      { tool: "createPet", callId: "c", target: `POST ${api.baseUrl}/pets`, arguments: { name: "Max", species: "cat" }, state: "left" },
    ]);
    await dialogue.close();
  });

  it("times out per attempt and retries; after the last retry the timeout is the tool's error", async () => {
    api.slowMs = 600;
    const ex = await createToolExecution(tools, { execute: "http", config: config({ timeoutMs: 150, retries: 1 }), env });
    const n = api.requests.length;
    const out = await ex.hook({ tool: tool("slowCall"), arguments: {}, callId: "a" });
    expect(out).toMatchObject({ ok: false, result: { error: "timed out after 150 ms" }, execution: { error: true } });
    await new Promise((r) => setTimeout(r, 700)); // the server finishes (and records) both attempts
    expect(api.requests.slice(n).filter((r) => r.path === "/v1/slow")).toHaveLength(2);
  });

  it("retries 503s; when they outlast the retries the 503 is the tool's error", async () => {
    const ex = await createToolExecution(tools, { execute: "http", config: config({ retries: 2 }), env });
    api.flakyFailures = 2;
    expect(await ex.hook({ tool: tool("flakyCall"), arguments: {}, callId: "a" })).toMatchObject({ ok: true, result: { ok: true } });
    api.flakyFailures = 5;
    expect(await ex.hook({ tool: tool("flakyCall"), arguments: {}, callId: "b" })).toMatchObject({ ok: false, result: { status: 503 } });
    expect(api.flakyFailures).toBe(2); // three attempts were made
    api.flakyFailures = 0;
  });

  it("applies the per-tool rate limit: the third call in a window waits for it", async () => {
    const ex = await createToolExecution(tools, { execute: "http", config: config({ rateLimit: { calls: 2, perSeconds: 0.4 } }), env });
    const started = Date.now();
    const times: number[] = [];
    await Promise.all(
      [0, 1, 2].map(async (i) => {
        await ex.hook({ tool: tool("getPet"), arguments: { petId: `pet-0000${i}` }, callId: `r${i}` });
        times.push(Date.now() - started);
      }),
    );
    times.sort((a, b) => a - b);
    expect(times[2]!).toBeGreaterThanOrEqual(390);
    // another tool has its own budget
    const t0 = Date.now();
    await ex.hook({ tool: tool("listVaccinations"), arguments: { petId: "pet-00001" }, callId: "v" });
    expect(Date.now() - t0).toBeLessThan(390);
  });

  it("a server that cannot be reached rejects the call (EXECUTE_FAILED) after its retries", async () => {
    // a port that was just free: nothing listens on it
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const cfg = { sources: [{ match: "pets.json", baseUrl: `http://127.0.0.1:${port}/v1`, retries: 1, retryDelayMs: 10 }] } as ExecuteConfigInput;
    const ex = await createToolExecution(tools, { execute: "http", config: cfg });
    await expect(ex.hook({ tool: tool("getPet"), arguments: { petId: "pet-00001" }, callId: "a" })).rejects.toMatchObject({
      code: "EXECUTE_FAILED",
      message: `getPet: connection refused at http://127.0.0.1:${port} (GET /v1/pets/pet-00001)`,
    });
    // a port fetch never connects to is refused when the run is set up
    const blocked = { sources: [{ match: "pets.json", baseUrl: "http://127.0.0.1:9/v1", retries: 0 }] } as ExecuteConfigInput;
    await expect(createToolExecution(tools, { execute: "http", config: blocked })).rejects.toThrow(/fetch never connects to port 9/);
  });

  it("checks real results against returns and records a mismatch", async () => {
    const strict = tools.map((t) =>
      t.name === "getPet" ? { ...t, returns: { type: "object", properties: { age: { type: "string" } }, required: ["age"] } } : t,
    );
    const ex = await createToolExecution(strict, { execute: "http", config: config(), env });
    const out = await ex.hook({ tool: strict.find((t) => t.name === "getPet")!, arguments: { petId: "pet-0abcd" }, callId: "a" });
    expect(out).toMatchObject({ kind: "executed", ok: true, execution: { returnsMismatch: ["/age must be string"] } });
  });

  it("loads the config file; rejects unknown fields and credentials in URLs; scrubs secrets from any value", async () => {
    const good = join(tmp(), "exec.yaml");
    await writeFile(good, `sources:\n  - match: pets.json\n    baseUrl: ${api.baseUrl}\n    auth: {env: PETS_TOKEN, prefix: "Bearer "}\n`);
    expect((await loadExecuteConfig(good)).sources[0]).toMatchObject({ auth: { header: "Authorization", env: "PETS_TOKEN" } });
    const bad = join(tmp(), "bad.yaml");
    await writeFile(bad, `sources:\n  - match: pets.json\n    token: abc\n`);
    await expect(loadExecuteConfig(bad)).rejects.toThrow(InputError);
    await writeFile(bad, `sources:\n  - match: pets.json\n    baseUrl: http://u:p@127.0.0.1/\n`);
    await expect(loadExecuteConfig(bad)).rejects.toThrow(/credentials/);
    expect(scrubSecrets({ error: `bad token ${TOKEN}`, list: [TOKEN] }, [TOKEN])).toEqual({ error: "bad token [REDACTED]", list: ["[REDACTED]"] });
  });
});
