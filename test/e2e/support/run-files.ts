/**
 * Helpers for end-to-end tests of `toolflow synth`: tools from the shared BFCL data, strict readers of the run
 * files, and the "chained call" property read from records.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { DialogueRecordZ, RejectedRecordZ, type DialogueRecord, type RejectedRecord } from "../../../src/core/index.js";
import { importTools, writeToolsJsonl } from "../../../src/tools/index.js";
import { verifyDialogue } from "../../../src/verify/index.js";
import { SHARED_DATA } from "../../support/cli.js";

export const BFCL_MULTI_TURN = resolve(SHARED_DATA, "bfcl/multi_turn_func_doc");

/** Import every BFCL multi-turn API collection into DIR/tools.jsonl; returns its path and the tool count. */
export async function writeBfclMultiTurnTools(dir: string): Promise<{ path: string; count: number }> {
  const files = readdirSync(BFCL_MULTI_TURN)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => join(BFCL_MULTI_TURN, f));
  const { tools } = await importTools(files);
  const path = join(dir, "tools.jsonl");
  await writeToolsJsonl(path, tools);
  return { path, count: tools.length };
}

/** Every file under a folder, depth first (each path is the folder joined with the names below it). */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/**
 * Read a JSONL run file strictly: the file must end with a newline (no torn line) and every line must parse
 * and validate. Throws with the line number otherwise.
 */
function readStrict<T>(path: string, parse: (v: unknown) => T): T[] {
  const text = readFileSync(path, "utf8");
  if (text !== "" && !text.endsWith("\n")) throw new Error(`${path}: last line is torn (no trailing newline)`);
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l, i) => {
      try {
        return parse(JSON.parse(l));
      } catch (err) {
        throw new Error(`${path} line ${i + 1}: ${(err as Error).message}`);
      }
    });
}

export function readAccepted(dir: string): DialogueRecord[] {
  return readStrict(join(dir, "dialogues.jsonl"), (v) => DialogueRecordZ.parse(v));
}

/**
 * Verify each written record again, from what is on disk (tools, plan, messages, step of each message), instead of
 * trusting the `verification` the run stored. Returns "id: check: reason" for every failure (empty = all pass).
 */
export function reverify(records: readonly DialogueRecord[]): string[] {
  const failures: string[] = [];
  for (const r of records) {
    const v = verifyDialogue({ tools: r.tools, plan: r.plan, messages: r.messages, stepOf: r.stepOf }, { provenance: "reject" });
    for (const c of v.checks) if (!c.passed) failures.push(`${r.id}: ${c.name}: ${c.reasons.join("; ")}`);
    if (!v.passed && v.checks.every((c) => c.passed)) failures.push(`${r.id}: failed without naming a check`);
  }
  return failures;
}

export function readRejected(dir: string): RejectedRecord[] {
  return readStrict(join(dir, "rejected.jsonl"), (v) => RejectedRecordZ.parse(v));
}

function leaves(value: unknown, out: Array<string | number> = []): Array<string | number> {
  if (typeof value === "string" || typeof value === "number") out.push(value);
  else if (Array.isArray(value)) for (const v of value) leaves(v, out);
  else if (value && typeof value === "object") for (const v of Object.values(value)) leaves(v, out);
  return out;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Calls of a record whose argument takes a value that an earlier tool result produced and that no earlier user
 * message mentions (so it can only have come from the result): e.g. a booking id from book_flight passed to
 * cancel_booking. Strings shorter than 4 characters and small integers are ignored (too easy to match by chance).
 */
export function chainedArguments(record: DialogueRecord): Array<{ tool: string; value: string | number }> {
  const fromResults = new Set<string>();
  let userText = "";
  const found: Array<{ tool: string; value: string | number }> = [];
  const significant = (v: string | number) =>
    typeof v === "string" ? v.length >= 4 : Number.isFinite(v) && Math.abs(v) >= 100;
  for (const m of record.messages) {
    if (m.role === "user") userText += "\n" + m.content.toLowerCase();
    else if (m.role === "tool") {
      for (const v of leaves(parseJson(m.content))) if (significant(v)) fromResults.add(String(v));
    } else if (m.role === "assistant") {
      for (const c of m.tool_calls ?? []) {
        for (const v of leaves(parseJson(c.function.arguments))) {
          const s = String(v);
          if (significant(v) && fromResults.has(s) && !userText.includes(s.toLowerCase())) {
            found.push({ tool: c.function.name, value: v });
          }
        }
      }
    }
  }
  return found;
}

/** A run file's records by index, without the time they were made (to compare two runs' content). */
export function recordsByIndex(path: string): Map<number, Record<string, unknown>> {
  const out = new Map<number, Record<string, unknown>>();
  for (const line of readFileSync(path, "utf8").split("\n").filter((l) => l !== "")) {
    const { createdAt: _c, ...rest } = JSON.parse(line) as Record<string, unknown>;
    out.set(rest.index as number, rest);
  }
  return out;
}
