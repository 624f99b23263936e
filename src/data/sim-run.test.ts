/**
 * One sim run, through the real stages, read two ways:
 * - round trip: every format writes every dialogue (with reasoning, `export --reasoning`) and its one reader reads
 *   the rows back to the same dialogue (llama31: parallel calls as consecutive single calls; xlam: each row its
 *   user turn and calls);
 * - figures: the dataset card's figures (report's datasetStats over the run's records) agree with `toolflow stats`'
 *   (data's datasetFigures over the run folder, and over the run's OpenAI export, read back by the openai reader).
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { DialogueRecord } from "../core/index.js";
import { exportDataset } from "../export/index.js";
import { datasetStats } from "../report/index.js";
import { readDataset } from "./index.js";
import { reasoningSimRun } from "../../test/support/report-run.js";
import { datasetFigures, EXPORT_FORMATS, getFormat, sequentialCalls, type DatasetFigures } from "./index.js";
import { canonMessages } from "../../test/support/canon-dialogue.js";

let records: DialogueRecord[] = [];
let run = "";
let work = "";

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "data-sim-run-"));
  ({ run, records } = await reasoningSimRun(work));
}, 120_000);

const canon = canonMessages;

describe("the sim run", () => {
  it("has what the round trip must carry: parallel calls, error results, text beside calls, a system prompt", () => {
    const msgs = records.flatMap((r) => r.messages);
    expect(records.length).toBeGreaterThanOrEqual(8);
    expect(msgs.some((m) => m.role === "assistant" && (m.tool_calls?.length ?? 0) > 1)).toBe(true);
    expect(msgs.some((m) => m.role === "tool" && /error/i.test(m.content))).toBe(true);
    expect(records.every((r) => r.messages[0]?.role === "system")).toBe(true);
  });
});

describe.each(EXPORT_FORMATS.filter((f) => f !== "xlam"))("%s: every dialogue of the run reads back the same", (name) => {
  it("messages, system prompt and tools; no reasoning in the messages read", () => {
    const format = getFormat(name);
    for (const record of records) {
      const rows = format.toRows(record, { reasoning: true });
      expect(rows, record.id).toHaveLength(1);
      const parsed = format.fromRow(JSON.parse(JSON.stringify(rows[0])));
      // llama31 has one call per assistant message and no place for text beside calls
      const expected = name === "llama31" ? sequentialCalls(record.messages).messages : record.messages;
      const keepText = name !== "llama31";
      expect(canon(parsed.messages, keepText), `${name} ${record.id}`).toEqual(canon(expected, keepText));
      expect(parsed.system, record.id).toBe(record.messages[0]?.role === "system" ? record.messages[0].content : undefined);
      expect(parsed.tools, record.id).toEqual(record.tools.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters })));
      expect(JSON.stringify(parsed.messages)).not.toContain("decide what to do next");
    }
  });
});

describe("xlam: every row of the run reads back to its user turn and calls", () => {
  it("each row's query and calls", () => {
    const format = getFormat("xlam");
    let rows = 0;
    for (const record of records) {
      // xLAM has one row per user turn whose next assistant message calls: that message's calls (a chained call
      // after the first result of the same user turn has no row of its own)
      const callTurns = record.messages.flatMap((m, i) => {
        if (m.role !== "user") return [];
        const next = record.messages.slice(i + 1).find((x) => x.role === "assistant" || x.role === "user");
        return next?.role === "assistant" && (next.tool_calls?.length ?? 0) > 0 ? [next] : [];
      });
      const written = format.toRows(record) as Array<{ query: string }>;
      expect(written, record.id).toHaveLength(callTurns.length);
      written.forEach((row, k) => {
        const parsed = format.fromRow(JSON.parse(JSON.stringify(row)));
        expect(parsed.messages[0]).toEqual({ role: "user", content: row.query });
        expect(canon([parsed.messages[1]!], false)).toEqual(canon([callTurns[k]!], false));
        rows++;
      });
    }
    expect(rows).toBeGreaterThanOrEqual(records.length);
  });
});

describe("the dataset card and toolflow stats count the same", () => {
  /** The figures both report, in the card's terms. */
  function shared(f: DatasetFigures) {
    return {
      dialogues: f.dialogues,
      userTurns: f.userTurns,
      toolCalls: f.toolCalls,
      parallelCallTurns: f.parallelCallTurns,
      toolUse: f.toolUse,
      toolsOffered: f.toolsOffered,
      H: f.userDiversity.H,
      D3: f.userDiversity.D3,
    };
  }

  it("on the run folder and on its OpenAI export", async () => {
    const card = datasetStats(records);
    // the card's terms: per-dialogue means times dialogues are the totals stats gives
    const fromCard = {
      dialogues: card.dialogues,
      userTurns: Math.round(card.userTurns.mean * card.dialogues),
      toolCalls: Math.round(card.toolCalls.mean * card.dialogues),
      parallelCallTurns: card.parallelCallTurns,
      toolUse: card.toolUse,
      toolsOffered: card.toolsOffered,
      H: card.userDiversity.H,
      D3: card.userDiversity.D3,
    };
    // independent counts from the records themselves
    const calls = records.flatMap((r) => r.messages.flatMap((m) => (m.role === "assistant" ? (m.tool_calls ?? []) : [])));
    expect(fromCard.toolCalls).toBe(calls.length);
    expect(fromCard.userTurns).toBe(records.flatMap((r) => r.messages.filter((m) => m.role === "user")).length);

    const stats = await datasetFigures(readDataset(run), { skipTokens: true });
    expect(shared(stats)).toEqual(fromCard);
    expect(Object.fromEntries(Object.entries(card.stepKinds).filter(([, n]) => n > 0))).toEqual(stats.stepKinds);
    expect(card.toolCallHistogram).toEqual(stats.perDialogue.callHistogram);

    const out = join(work, "dataset");
    await exportDataset({ dir: run, out, formats: ["openai"], split: [0.8, 0.1, 0.1], seed: 1 });
    const exported = await datasetFigures(readDataset(join(out, "openai")), { skipTokens: true });
    expect(shared(exported)).toEqual(fromCard);
    // the card written with the export says the same numbers
    const readme = readFileSync(join(out, "README.md"), "utf8");
    expect(readme).toContain(`${card.toolsOffered} offered`);
  });
});
