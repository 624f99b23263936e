/**
 * Reasoning traces as data: `synth --keep-reasoning` stores the assistant model's reasoning per assistant message,
 * `export --reasoning` writes it where each format has a place for it, and nothing of it appears otherwise. The sim
 * gives no reasoning of its own; a middleware around it adds a short deterministic one to every assistant answer
 * (as a reasoning model's backend fills `ChatResult.reasoning`).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { DialogueRecordZ, UsageError, type DialogueRecord } from "../../src/core/index.js";
import { exportDataset } from "../../src/export/index.js";
import { EXPORT_FORMATS, getFormat } from "../../src/data/index.js";
import type { ModelMiddleware } from "../../src/llm/index.js";
import { runSynth, type SynthOptions } from "../../src/synth/index.js";
import { verifyDialogue } from "../../src/verify/index.js";
import { runCli } from "../support/cli.js";
import { quietStream } from "../support/streams.js";
import { filesUnder, readAccepted, reverify, writeBfclMultiTurnTools } from "./support/run-files.js";
import { testSynthOptions } from "../support/synth-options.js";

const MARK = "THINK-MARK";

/** Adds reasoning to every assistant answer: what the answer does, and how long the conversation is. */
const thinking: ModelMiddleware = {
  name: "thinking",
  async chat({ request, next }) {
    const result = await next(request);
    if (request.role !== "assistant") return result;
    const calls = result.toolCalls.map((c) => c.function.name);
    const plan = calls.length > 0 ? `call ${calls.join(", ")}` : "answer in text";
    return { ...result, reasoning: `${MARK}: ${request.messages.length} messages so far; ${plan}.` };
  },
};

const quiet = quietStream();

let work: string;
let tools: string;
let kept: string;
let plain: string;

function options(out: string, over: Partial<SynthOptions> = {}): SynthOptions {
  return testSynthOptions({ tools, count: 6, seed: 31, out, size: { min: 2, max: 3 }, ...over });
}

/** Every file under dir, with its path relative to dir. */
function filesOf(dir: string): Array<{ path: string; text: string }> {
  return filesUnder(dir).map((full) => ({ path: relative(dir, full), text: readFileSync(full, "utf8") }));
}

function rowsOf(dir: string, format: string): unknown[] {
  return ["train", "validation", "test"].flatMap((s) =>
    readFileSync(join(dir, format, `${s}.jsonl`), "utf8")
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as unknown),
  );
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "e2e-reasoning-"));
  tools = (await writeBfclMultiTurnTools(work)).path;
  kept = join(work, "kept");
  plain = join(work, "plain");
  await runSynth(options(kept, { keepReasoning: true }), { stderr: quiet, tty: false, middleware: [thinking] });
  await runSynth(options(plain), { stderr: quiet, tty: false, middleware: [thinking] });
}, 120_000);

describe("synth --keep-reasoning", () => {
  it("stores the assistant's reasoning per assistant message, parallel to messages, and the records still verify", () => {
    const accepted = readAccepted(kept);
    expect(accepted).toHaveLength(6);
    for (const d of accepted) {
      expect(d.reasoning).toHaveLength(d.messages.length);
      d.messages.forEach((m, i) => {
        const r = d.reasoning![i];
        if (m.role !== "assistant") expect(r, `message ${i}`).toBeNull();
        else {
          const plan = (m.tool_calls ?? []).length > 0 ? `call ${m.tool_calls!.map((c) => c.function.name).join(", ")}` : "answer in text";
          expect(r).toBe(`${MARK}: ${i} messages so far; ${plan}.`);
        }
      });
      // never inside the messages themselves
      expect(JSON.stringify(d.messages)).not.toContain(MARK);
    }
    expect(reverify(accepted)).toEqual([]);
    const manifest = JSON.parse(readFileSync(join(kept, "manifest.json"), "utf8")) as { definition: Record<string, unknown> };
    expect(manifest.definition.keepReasoning).toBe(true);
  });

  it("stores nothing without the flag (the same answers, the same messages)", () => {
    const text = readFileSync(join(plain, "dialogues.jsonl"), "utf8") + readFileSync(join(plain, "rejected.jsonl"), "utf8");
    expect(text).not.toContain(MARK);
    const accepted = readAccepted(plain);
    for (const d of accepted) expect(d).not.toHaveProperty("reasoning");
    const byIndex = new Map(readAccepted(kept).map((d) => [d.index, d]));
    let compared = 0;
    for (const d of accepted) {
      const other = byIndex.get(d.index);
      if (!other) continue;
      compared++;
      expect(other.messages).toEqual(d.messages);
    }
    expect(compared).toBeGreaterThan(0);
    const manifest = JSON.parse(readFileSync(join(plain, "manifest.json"), "utf8")) as { definition: Record<string, unknown> };
    expect(manifest.definition.keepReasoning).toBe(false);
  });

  it("is part of the run definition: --resume with a different --keep-reasoning is refused", async () => {
    const err = await runSynth(options(kept, { resume: true, count: 7 }), { stderr: quiet, tty: false, middleware: [thinking] }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(UsageError);
    expect(String((err as Error).message)).toMatch(/--keep-reasoning/);
  });

  it("the CLI flag sets it; the sim on its own claims no reasoning (every entry null)", async () => {
    const out = join(work, "cli");
    const r = await runCli(["synth", "--tools", tools, "--count", "2", "--llm", "sim", "--seed", "3", "--out", out, "--keep-reasoning"], {
      timeoutMs: 60_000,
    });
    expect(r.code, r.stderr).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as { definition: Record<string, unknown> };
    expect(manifest.definition.keepReasoning).toBe(true);
    for (const d of readAccepted(out)) {
      expect(d.reasoning).toHaveLength(d.messages.length);
      expect(d.reasoning!.every((x) => x === null)).toBe(true);
    }
  }, 60_000);

  it("reads records without reasoning (older files) and rejects reasoning that does not fit the messages", () => {
    const d = readAccepted(kept)[0]!;
    const { reasoning: _r, ...old } = d;
    expect(DialogueRecordZ.parse(old)).not.toHaveProperty("reasoning");
    expect(() => DialogueRecordZ.parse({ ...d, reasoning: [1] })).toThrow();
    const short = verifyDialogue({ ...d, reasoning: d.reasoning!.slice(1) });
    expect(short.passed).toBe(false);
    expect(JSON.stringify(short.checks)).toMatch(/reasoning has \d+ entries/);
    const onUser = d.reasoning!.map((r, i) => (d.messages[i]?.role === "user" ? "x" : r));
    expect(verifyDialogue({ ...d, reasoning: onUser }).passed).toBe(false);
  });
});

describe("export --reasoning", () => {
  it("writes no reasoning in any format without the flag, and the card says so", async () => {
    const out = join(work, "export-plain");
    await exportDataset({ dir: kept, out, formats: [...EXPORT_FORMATS], split: [0.5, 0.25, 0.25] });
    for (const f of filesOf(out)) {
      expect(f.text, f.path).not.toContain(MARK);
      expect(f.text, f.path).not.toContain("<think>");
      expect(f.text, f.path).not.toContain("reasoning_content");
    }
    const card = readFileSync(join(out, "README.md"), "utf8");
    expect(card).toMatch(/Assistant reasoning is not included: the run kept it for 6 dialogues/);
  });

  it("writes it where each format has a place for it (CLI), and the card says where", async () => {
    const out = join(work, "export-reasoning");
    const r = await runCli(["export", kept, "--format", "all", "--split", "0.5,0.25,0.25", "-o", out, "--reasoning"]);
    expect(r.code, r.stderr).toBe(0);
    const records = readAccepted(kept);
    const turns = records.flatMap((d) => d.reasoning!.filter((x) => x !== null)).length;

    // openai: reasoning_content on each assistant message, the content as it was
    const openai = rowsOf(out, "openai") as Array<{ messages: Array<Record<string, unknown>> }>;
    const withReasoning = openai.flatMap((row) => row.messages.filter((m) => m.role === "assistant" && typeof m.reasoning_content === "string"));
    expect(withReasoning).toHaveLength(turns);
    for (const row of openai) {
      for (const m of row.messages) {
        if (m.role === "assistant") expect(m.reasoning_content).toMatch(new RegExp(`^${MARK}`));
        else expect(m).not.toHaveProperty("reasoning_content");
        expect(String(m.content ?? "")).not.toContain(MARK);
      }
    }

    // hermes and sharegpt: <think> at the start of assistant turns; the parsers take it off again
    for (const [name, format, roles] of [
      ["hermes", getFormat("hermes"), ["gpt"]],
      ["sharegpt", getFormat("sharegpt"), ["gpt", "function_call"]],
    ] as const) {
      const rows = rowsOf(out, name) as Array<{ conversations: Array<{ from: string; value: string }> }>;
      let n = 0;
      for (const row of rows) {
        for (const t of row.conversations) {
          if ((roles as readonly string[]).includes(t.from)) {
            expect(t.value, name).toMatch(new RegExp(`^<think>\\n${MARK}: [^\\n]*\\n</think>\\n\\n`));
            n++;
          } else expect(t.value, name).not.toContain(MARK);
        }
        const parsed = format.fromRow(row);
        expect(JSON.stringify(parsed.messages), name).not.toContain(MARK);
        expect(JSON.stringify(parsed.messages), name).not.toContain("<think>");
      }
      expect(n, name).toBeGreaterThan(0);
    }

    // the bundled Llama 3.1 template and xLAM have no place for it
    for (const name of ["llama31", "xlam"]) expect(JSON.stringify(rowsOf(out, name)), name).not.toContain(MARK);

    const card = readFileSync(join(out, "README.md"), "utf8");
    expect(card).toContain(`Assistant reasoning is included (\`export --reasoning\`): ${turns} assistant turns of 6 dialogues`);
    expect(card).toContain("- `openai`: `reasoning_content` on assistant messages");
    expect(card).toMatch(/- `xlam`: none/);
  }, 60_000);

  it("hands reasoning_content to a chat template that reads it (llama31 --chat-template)", async () => {
    const template = join(work, "think.jinja");
    writeFileSync(
      template,
      "{%- for m in messages %}<|{{ m.role }}|>{% if m.reasoning_content %}<think>{{ m.reasoning_content }}</think>{% endif %}{{ m.content }}\n{%- endfor %}",
    );
    const out = join(work, "export-template");
    await exportDataset({ dir: kept, out, formats: ["llama31"], split: [1, 0, 0], chatTemplateFile: template, reasoning: true });
    expect(JSON.stringify(rowsOf(out, "llama31"))).toContain(`<think>${MARK}`);
    const without = join(work, "export-template-off");
    await exportDataset({ dir: kept, out: without, formats: ["llama31"], split: [1, 0, 0], chatTemplateFile: template });
    expect(JSON.stringify(rowsOf(without, "llama31"))).not.toContain(MARK);
  });

  it("a run without kept reasoning exports the same rows with and without the flag", () => {
    const d: DialogueRecord = readAccepted(plain)[0]!;
    for (const name of EXPORT_FORMATS) {
      const f = getFormat(name);
      expect(f.toRows(d, { reasoning: true }), name).toEqual(f.toRows(d));
    }
  });
});
