/**
 * End to end through the CLI with the built-in sim backend: tools imported from the BFCL multi-turn API
 * collections, the graph built on the fly, 50 dialogues, verified, with chained calls.
 */
import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ManifestZ } from "../../src/data/index.js";
import { runSynth } from "../../src/synth/index.js";
import { runCli } from "../support/cli.js";
import { quietStream } from "../support/streams.js";
import { chainedArguments, readAccepted, readRejected, reverify, writeBfclMultiTurnTools } from "./support/run-files.js";
import { testSynthOptions } from "../support/synth-options.js";

let work: string;
let tools: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "e2e-synth-sim-"));
  tools = (await writeBfclMultiTurnTools(work)).path;
});

describe("toolflow synth --llm sim (BFCL multi-turn tools)", () => {
  it("produces exactly 50 verified dialogues with chained calls, and a manifest that accounts for every attempt", async () => {
    const out = join(work, "run");
    const r = await runCli(
      ["synth", "--tools", tools, "--count", "50", "--llm", "sim", "--seed", "11", "--concurrency", "4", "--out", out],
      { timeoutMs: 120_000 },
    );
    expect(r.stderr).toMatch(/synth: complete: 50\/50 accepted/);
    expect(r.code).toBe(0);
    const accepted = readAccepted(out);
    const rejected = readRejected(out);
    expect(accepted).toHaveLength(50);
    expect(new Set(accepted.map((d) => d.id)).size).toBe(50);
    expect(reverify(accepted)).toEqual([]);
    const indices = [...accepted, ...rejected].map((d) => d.index);
    expect(new Set(indices).size).toBe(indices.length);
    for (const d of accepted) {
      expect(d.backend).toBe("sim");
      expect(d.messages.at(-1)?.role).toBe("assistant");
      expect(d.tools.length).toBeGreaterThan(0);
      expect(d.messages.some((m) => m.role === "assistant" && (m.tool_calls?.length ?? 0) > 0)).toBe(true);
    }
    // personas vary: the accepted dialogues, in index order, never share a user within 10 consecutive ones
    const personas = [...accepted].sort((a, b) => a.index - b.index).map((d) => d.persona);
    expect(personas.every((p) => typeof p === "string" && p.includes(", "))).toBe(true);
    for (let k = 0; k + 10 <= personas.length; k++) expect(new Set(personas.slice(k, k + 10)).size).toBe(10);
    expect(new Set(personas).size).toBeGreaterThanOrEqual(45);
    // chained calls: an argument value that only an earlier tool result holds (e.g. an id it created)
    const chained = accepted.filter((d) => chainedArguments(d).length > 0);
    expect(chained.length).toBeGreaterThanOrEqual(3);

    const manifest = ManifestZ.parse(JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")));
    expect(manifest.status).toBe("complete");
    expect(manifest.counts).toMatchObject({ target: 50, accepted: 50, rejected: rejected.length });
    const byCheck: Record<string, number> = {};
    for (const rec of rejected) for (const c of new Set(rec.rejectedBy.map((b) => b.check))) byCheck[c] = (byCheck[c] ?? 0) + 1;
    expect(manifest.counts.rejectedBy).toEqual(byCheck);
    expect(manifest.usage.byRole.planner?.promptTokens).toBeGreaterThan(0);
    expect(manifest.cost.total).toBe(0);
    // what sampling did about producers the tools' parameters name, counted from the run's own samples file
    const samples = readFileSync(join(out, "samples.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { addedProducers?: unknown[]; userSupplied?: unknown[] });
    expect(manifest.inputs.producers).toEqual({
      samplesWithAdded: samples.filter((s) => (s.addedProducers?.length ?? 0) > 0).length,
      added: samples.reduce((n, s) => n + (s.addedProducers?.length ?? 0), 0),
      samplesWithUserSupplied: samples.filter((s) => (s.userSupplied?.length ?? 0) > 0).length,
      userSupplied: samples.reduce((n, s) => n + (s.userSupplied?.length ?? 0), 0),
    });
    expect(readdirSync(out).sort()).toEqual(["dialogues.jsonl", "manifest.json", "rejected.jsonl", "samples.jsonl"]);
  });

  it("gives the same dialogue for the same index on a rerun (reproducible with sim), whatever the concurrency", async () => {
    const quiet = quietStream();
    const run = (out: string, concurrency: number) =>
      runSynth(
        testSynthOptions({ tools, count: 6, concurrency, seed: 23, out }),
        { stderr: quiet, tty: false },
      );
    const a = join(work, "repro-a");
    const b = join(work, "repro-b");
    await run(a, 1);
    await run(b, 3);
    const byIndex = new Map(readAccepted(b).map((d) => [d.index, d]));
    let compared = 0;
    for (const d of readAccepted(a)) {
      const other = byIndex.get(d.index);
      if (!other) continue;
      compared++;
      expect(other.messages).toEqual(d.messages);
      expect(other.plan).toEqual(d.plan);
      expect(other.sampleId).toBe(d.sampleId);
    }
    expect(compared).toBeGreaterThanOrEqual(4);
  });
});
