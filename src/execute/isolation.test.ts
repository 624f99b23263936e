/**
 * Coherent state and kept content with a stateful MCP server (test/support/mcp-memory-server.ts, over stdio):
 * each dialogue gets its own server process when the server's writes run (`isolation: dialogue`), so two concurrent
 * dialogues see only their own writes and the processes end with their dialogues; `shared` keeps one process; the
 * configuration errors of servers toolflow cannot start; a run is reproducible with the same seed; rejected
 * dialogues' writes are listed in the manifest; resource links and images are kept as structured content (no base64)
 * and exported, and the dataset card counts executed and simulated results per source.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Writable } from "node:stream";
import { beforeAll, describe, expect, it } from "vitest";
import { bundleMemoryServer, EXPORT_IMAGE_BYTES, type MemoryCallLog } from "../../test/support/mcp-memory-server.js";
import { startMcpHttpServer } from "../../test/support/mcp-server.js";
import { testSynthOptions } from "../../test/support/synth-options.js";
import { tempDirForFile } from "../../test/support/tmp.js";
import { DialogueRecordZ, RejectedRecordZ, UsageError, type DialogueRecord, type ToolSpec } from "../core/index.js";
import { exportDataset } from "../export/index.js";
import { RunData } from "../html/index.js";
import { ManifestZ } from "../data/index.js";
import { defaultSynthDeps, runSynth } from "../synth/index.js";
import { importTools, writeToolsJsonl } from "../tools/index.js";
import { createToolExecution, ExecuteError, formatExecutionPlan, keepContent } from "./index.js";

const tmp = tempDirForFile("toolflow-isolation-");
const quiet = () => new Writable({ write: (_c, _e, cb) => cb() });
let server: string;
beforeAll(async () => {
  server = await bundleMemoryServer(tmp()); // a process per dialogue: start them fast
});

function memorySpec(dir: string): string {
  return `mcp+stdio:${process.execPath} ${server} --stdio --log ${join(dir, "calls.log")} --pids ${join(dir, "pids")}`;
}

async function lines(file: string): Promise<string[]> {
  return (await readFile(file, "utf8").catch(() => "")).split("\n").filter((l) => l.trim() !== "");
}

/** Every process id the server wrote has exited. */
async function expectAllExited(dir: string): Promise<number> {
  const pids = (await lines(join(dir, "pids"))).map(Number);
  const alive = pids.filter((pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  });
  expect(alive).toEqual([]);
  return pids.length;
}

function tool(tools: ToolSpec[], name: string): ToolSpec {
  const t = tools.find((x) => x.name === name);
  if (!t) throw new Error(`no ${name}`);
  return t;
}

const req = (t: ToolSpec, args: Record<string, unknown>, callId: string) => ({ tool: t, arguments: args, callId });

describe("isolation: dialogue (a server process per dialogue)", () => {
  it("two concurrent dialogues each see only their own writes; `shared` shows both; processes end with their dialogues", async () => {
    const dir = join(tmp(), "exec");
    await mkdir(dir, { recursive: true });
    const spec = memorySpec(dir);
    const { tools } = await importTools([spec]);
    const create = tool(tools, "create_entities");
    const read = tool(tools, "read_graph");

    // without --allow-writes nothing is written: one shared process is enough
    const readOnly = await createToolExecution(tools, { execute: "mcp" });
    expect(new Set(readOnly.plan.map((r) => r.isolation))).toEqual(new Set(["shared"]));
    await readOnly.close();

    const started = (await lines(join(dir, "pids"))).length; // the import's own process
    const ex = await createToolExecution(tools, { execute: "mcp", allowWrites: true });
    try {
      expect(new Set(ex.plan.map((r) => r.isolation))).toEqual(new Set(["dialogue"]));
      expect(formatExecutionPlan(ex.plan)).toMatch(/create_entities .* \[write, allowed\] \[a server process per dialogue\]/);
      const a = ex.openDialogue("tf-1-000000");
      const b = ex.openDialogue("tf-1-000001");
      const [ca, cb] = await Promise.all([
        a.hook(req(create, { entities: [{ name: "Ada", entityType: "person" }] }, "a1")),
        b.hook(req(create, { entities: [{ name: "Bob", entityType: "person" }] }, "b1")),
      ]);
      // each process counts its own ids: both dialogues got ent-1
      expect(ca).toMatchObject({ kind: "executed", ok: true, result: { created: [{ id: "ent-1", name: "Ada" }] }, execution: { write: true, isolation: "dialogue" } });
      expect(cb).toMatchObject({ kind: "executed", ok: true, result: { created: [{ id: "ent-1", name: "Bob" }] } });
      const [ra, rb] = await Promise.all([a.hook(req(read, {}, "a2")), b.hook(req(read, {}, "b2"))]);
      expect(ra).toMatchObject({ result: { entities: [{ name: "Ada" }] }, execution: { isolation: "dialogue" } });
      expect((ra as { result: { entities: unknown[] } }).result.entities).toHaveLength(1);
      expect((rb as { result: { entities: unknown[] } }).result.entities).toEqual([{ id: "ent-1", name: "Bob", entityType: "person", observations: [] }]);
      expect((ra as { execution: { write?: boolean } }).execution.write).toBeUndefined(); // a read is not a write
      expect(a.writes()).toEqual([
        { tool: "create_entities", callId: "a1", target: spec, arguments: { entities: [{ name: "Ada", entityType: "person" }] }, state: "discarded" },
      ]);
      expect((await lines(join(dir, "pids"))).length).toBe(started + 2);
      await Promise.all([a.close(), b.close()]);
      await expectAllExited(dir);
      await expect(a.hook(req(read, {}, "a3"))).rejects.toThrow(/closed/);

      // a dialogue whose process dies loses its state: its next call fails the dialogue instead of starting afresh
      const c = ex.openDialogue("tf-1-000002");
      await c.hook(req(create, { entities: [{ name: "Cy", entityType: "person" }] }, "c1"));
      const pid = Number((await lines(join(dir, "pids"))).at(-1));
      process.kill(pid, "SIGKILL");
      await new Promise((r) => setTimeout(r, 100));
      const lost = await c.hook(req(read, {}, "c2")).then(
        () => null,
        (e: unknown) => e,
      );
      expect(lost).toBeInstanceOf(ExecuteError);
      expect((lost as Error).message).toMatch(/read_graph: .*ended, and its state with it/);
      await c.close();
    } finally {
      await ex.close();
    }

    // isolation: shared - one process, and each dialogue sees the other's writes; writes are left on the server
    const shared = await createToolExecution(tools, { execute: "mcp", allowWrites: true, config: { sources: [{ match: spec, isolation: "shared" }] } });
    try {
      const a = shared.openDialogue("tf-2-000000");
      const b = shared.openDialogue("tf-2-000001");
      await a.hook(req(create, { entities: [{ name: "Ada", entityType: "person" }] }, "a1"));
      await b.hook(req(create, { entities: [{ name: "Bob", entityType: "person" }] }, "b1"));
      const ra = await a.hook(req(read, {}, "a2"));
      expect((ra as { result: { entities: Array<{ name: string }> } }).result.entities.map((e) => e.name)).toEqual(["Ada", "Bob"]);
      expect((ra as { execution: { isolation?: string } }).execution.isolation).toBeUndefined();
      expect(b.writes()).toMatchObject([{ tool: "create_entities", state: "left" }]);
      await Promise.all([a.close(), b.close()]);
    } finally {
      await shared.close();
    }
    expect(await expectAllExited(dir)).toBe(started + 4);
  });

  it("configuration errors at the start: servers reached over HTTP, isolation per tool, isolation of an HTTP API", async () => {
    const http = await startMcpHttpServer();
    try {
      const { tools } = await importTools([`mcp+${http.url}`]);
      const server = `mcp+${http.url}`;
      // writes that run on a server toolflow cannot start: the user must accept a shared state
      const err = await createToolExecution(tools, { execute: "mcp", allowWrites: true }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UsageError);
      expect((err as Error).message).toContain(`${server} takes writes (place_order, delete_product, --allow-writes)`);
      expect((err as Error).message).toMatch(/Set isolation: shared for it in --execute-config/);
      await expect(
        createToolExecution(tools, { execute: "mcp", config: { sources: [{ match: server, isolation: "dialogue" }] } }),
      ).rejects.toThrow(/cannot start a process per dialogue for a server it reaches over HTTP; set isolation: shared/);
      const ok = await createToolExecution(tools, { execute: "mcp", allowWrites: true, config: { sources: [{ match: server, isolation: "shared" }] } });
      expect(new Set(ok.plan.map((r) => r.isolation))).toEqual(new Set(["shared"]));
      await ok.close();
      // isolation is per server: two values for the tools of one server
      await expect(
        createToolExecution(tools, {
          execute: "mcp",
          allowWrites: true,
          config: { sources: [{ match: "place_order", isolation: "dialogue" }, { match: server, isolation: "shared" }] },
        }),
      ).rejects.toThrow(/different isolation: .*dialogue \(source "place_order"\)/);
    } finally {
      await http.close();
    }
    const api: ToolSpec = {
      name: "createPet",
      description: "Create a pet.",
      parameters: { type: "object", properties: {} },
      source: { file: "pets.yaml", pointer: "/paths/~1pets/post", format: "openapi", http: { method: "POST", path: "/pets", servers: ["http://127.0.0.1:8080/v1"], params: {} } },
    };
    await expect(createToolExecution([api], { execute: "http", config: { sources: [{ match: "pets.yaml", isolation: "dialogue" }] } })).rejects.toThrow(
      /is an HTTP API call: toolflow cannot give each dialogue its own copy/,
    );
  });
});

describe("content other than text (resource links, embedded resources, images, audio)", () => {
  it("keepContent keeps text, links and resource text, and only the media type and size of binary data", () => {
    const long = "x".repeat(5000);
    const kept = keepContent([
      { type: "text", text: "hello" },
      { type: "resource_link", uri: "file:///a.md", name: "a.md", mimeType: "text/markdown", size: 12, icons: [{ src: "x" }] },
      { type: "resource", resource: { uri: "file:///b.txt", mimeType: "text/plain", text: long } },
      { type: "resource", resource: { uri: "file:///c.bin", blob: Buffer.alloc(1000, 1).toString("base64") } },
      { type: "audio", data: Buffer.alloc(4097).toString("base64"), mimeType: "audio/wav" },
      { type: "image", data: Buffer.alloc(3).toString("base64"), mimeType: "image/gif" },
      { type: "something-new", data: "?" },
    ]);
    expect(kept).toEqual([
      { type: "text", text: "hello" },
      { type: "resource_link", uri: "file:///a.md", name: "a.md", mimeType: "text/markdown", size: 12 },
      { type: "resource", uri: "file:///b.txt", mimeType: "text/plain", text: "x".repeat(4000), truncated: 5000, note: "text cut at 4000 of 5000 characters" },
      { type: "resource", uri: "file:///c.bin", size: 1000, note: "binary data not kept" },
      { type: "audio", mimeType: "audio/wav", size: 4097, note: "binary data not kept" },
      { type: "image", mimeType: "image/gif", size: 3, note: "binary data not kept" },
    ]);
  });
});

describe("synth --execute mcp --allow-writes on a stateful server", () => {
  it("each dialogue sees only its own state, the same seed gives the same records, rejected writes are listed; content is kept and exported", async () => {
    const base = join(tmp(), "synth");
    await mkdir(base, { recursive: true });
    const spec = memorySpec(base);
    const { tools } = await importTools([spec]);
    const toolsFile = join(base, "memory.jsonl");
    await writeToolsJsonl(toolsFile, tools);
    // the samples: dialogue i uses sample i; the one with delete_entities is rejected below, after its writes ran
    const samples = [
      ["create_entities", "read_graph"],
      ["create_entities", "export_entity"],
      ["create_entities", "open_nodes", "delete_entities"],
      ["create_entities", "read_graph", "export_entity"],
    ].map((t, i) => ({
      id: `s${i}`,
      tools: t,
      edges: t.slice(1).filter((x) => x !== "read_graph").map((x) => ({ from: "create_entities", to: x, kind: "P-R" })),
      strategy: "walk",
      seed: 1,
      requestedSize: t.length,
    }));
    const samplesFile = join(base, "samples.jsonl");
    await writeFile(samplesFile, samples.map((s) => JSON.stringify(s)).join("\n") + "\n");
    const real = defaultSynthDeps();
    const deps = {
      ...real,
      verifyDialogue: (d: Parameters<typeof real.verifyDialogue>[0], o: Parameters<typeof real.verifyDialogue>[1]) => {
        const v = real.verifyDialogue(d, o);
        if (!d.tools.some((t) => t.name === "delete_entities")) return v;
        return { passed: false, checks: [...v.checks, { name: "test_reject", passed: false, reasons: ["rejected by the test"], flagged: false }] };
      },
    };
    const run = (out: string) =>
      runSynth(
        testSynthOptions({ tools: toolsFile, samples: samplesFile, count: 3, seed: 11, out, concurrency: 2, execute: "mcp", allowWrites: true, maxAttempts: 4, plan: false }),
        { stderr: quiet(), tty: false, env: {}, deps },
      );
    const first = await run(join(base, "run1"));
    const second = await run(join(base, "run2"));
    // a run stopped while dialogues are at their servers (Ctrl-C) ends their processes too
    const stop = new AbortController();
    const interrupted = await runSynth(
      testSynthOptions({ tools: toolsFile, samples: samplesFile, count: 3, seed: 12, out: join(base, "run3"), concurrency: 2, execute: "mcp", allowWrites: true, plan: false }),
      {
        stderr: quiet(),
        tty: false,
        env: {},
        signal: stop.signal,
        deps: { ...deps, generateDialogue: (...a: Parameters<typeof real.generateDialogue>) => real.generateDialogue(...a).finally(() => stop.abort()) },
      },
    );
    expect(interrupted.status).toBe("interrupted");

    const read = async (out: string) => (await lines(join(out, "dialogues.jsonl"))).map((l) => DialogueRecordZ.parse(JSON.parse(l)));
    const records = await read(join(base, "run1"));
    expect(records).toHaveLength(3);
    // same seed, same records (but for when they were written)
    const strip = (rs: DialogueRecord[]) => rs.map(({ createdAt: _c, ...r }) => r);
    expect(strip(await read(join(base, "run2")))).toEqual(strip(records));

    // every dialogue had a process of its own: its reads show only what it created, its ids start at ent-1
    const log = (await lines(join(base, "calls.log"))).map((l) => JSON.parse(l) as MemoryCallLog);
    let reads = 0;
    for (const d of records) {
      const created: string[] = [];
      for (const [i, m] of d.messages.entries()) {
        if (m.role !== "tool") continue;
        expect(d.execution![i]).toMatchObject({ mode: "executed", executor: "mcp", isolation: "dialogue" });
        const v = JSON.parse(m.content) as { created?: Array<{ id: string; name: string }>; entities?: Array<{ name: string }> };
        if (m.name === "create_entities") {
          expect(v.created!.map((c) => c.id)).toEqual(v.created!.map((_, k) => `ent-${created.length + k + 1}`));
          created.push(...v.created!.map((c) => c.name));
        }
        if (m.name === "read_graph") {
          reads++;
          expect(v.entities!.map((e) => e.name).sort()).toEqual([...new Set(created)].sort());
        }
      }
    }
    expect(reads).toBeGreaterThan(0);
    expect(new Set(log.map((e) => e.pid)).size).toBeGreaterThanOrEqual(9); // 4 dialogues a run, twice, and the stopped run's
    await expectAllExited(base);

    // the rejected dialogue's writes: in its record and in the manifest, discarded with its process
    const manifest = ManifestZ.parse(JSON.parse(await readFile(join(base, "run1", "manifest.json"), "utf8")));
    expect(first.manifest.counts).toMatchObject({ accepted: 3, rejected: 1 });
    const rejected = (await lines(join(base, "run1", "rejected.jsonl"))).map((l) => RejectedRecordZ.parse(JSON.parse(l)));
    expect(rejected).toHaveLength(1);
    const writes = rejected[0]!.executedWrites!;
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.every((w) => w.state === "discarded" && w.target === spec)).toBe(true);
    expect(writes.map((w) => w.tool)).toContain("create_entities");
    expect(manifest.rejectedWrites).toEqual({ discarded: writes.length, left: 0, calls: writes.map((w) => ({ dialogue: rejected[0]!.id, ...w })) });
    expect(second.manifest.rejectedWrites).toEqual(manifest.rejectedWrites);

    // export_entity's link and image: kept as structured content, the image by type and size only
    const exported = records.flatMap((d) => d.messages.flatMap((m, i) => (m.role === "tool" && m.name === "export_entity" ? [{ m, how: d.execution![i]! }] : [])));
    expect(exported.length).toBeGreaterThan(0);
    for (const { m, how } of exported) {
      expect(how.content).toEqual([
        { type: "text", text: expect.stringMatching(/^(Exported|No entity named)/) },
        { type: "resource_link", uri: expect.stringMatching(/^memory:\/\/entities\/.+\.json$/), name: expect.any(String), mimeType: "application/json" },
        { type: "image", mimeType: "image/png", size: EXPORT_IMAGE_BYTES, note: "binary data not kept" },
      ]);
      expect(JSON.parse(m.content)).toEqual(how.content);
    }
    const runText = await readFile(join(base, "run1", "dialogues.jsonl"), "utf8");
    expect(runText).not.toMatch(/iVBORw0KGgo/); // no PNG base64 anywhere

    // export: every format that carries tool results carries the link and the media type, not the data
    const out = join(base, "dataset");
    await exportDataset({ dir: join(base, "run1"), out, formats: ["openai", "sharegpt", "hermes", "llama31"], split: [1, 0, 0] });
    const uri = exported[0]!.how.content!.find((p) => p.type === "resource_link")!;
    for (const f of ["openai", "sharegpt", "hermes", "llama31"]) {
      const text = await readFile(join(out, f, "train.jsonl"), "utf8");
      expect(text, f).toContain((uri as { uri: string }).uri);
      expect(text, f).toMatch(/image\/png/);
      expect(text, f).not.toMatch(/iVBORw0KGgo/);
    }
    const hermes = await readFile(join(out, "hermes", "train.jsonl"), "utf8");
    expect(hermes).toMatch(/<tool_response>\\n\{\\"name\\": ?\\"export_entity\\", ?\\"content\\": ?\[\{\\"type\\": ?\\"text\\"/);

    // the card: tool results per source, executed and simulated, as the records say
    const count = (mode: string) => records.reduce((n, d) => n + (d.execution ?? []).filter((x) => x?.mode === mode).length, 0);
    const card = await readFile(join(out, "README.md"), "utf8");
    const row = card.split("\n").find((l) => l.includes(spec.replace(/\|/g, "\\|")));
    expect(row).toBeDefined();
    expect(row).toContain(`| mcp | ${count("executed")} | ${count("simulated")} |`);
    expect(count("executed")).toBeGreaterThan(0);
    // the HTML report's data says the same
    const page = (await RunData.open(join(base, "run1"))).summary();
    expect(page.toolResults).toEqual([
      { source: spec, kind: "mcp", executed: count("executed"), executedErrors: 0, structured: exported.length, simulated: count("simulated") },
    ]);
  }, 30_000);
});
