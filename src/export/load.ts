/**
 * Reading a run directory: DIR/dialogues.jsonl (every line validated as a DialogueRecord, errors with line
 * numbers) and, when present, DIR/rejected.jsonl.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { InputError } from "../core/index.js";
import { readJsonlAll } from "../core/index.js";
import { DialogueRecordZ, RejectedRecordZ, type DialogueRecord, type RejectedRecord } from "../core/index.js";
import type { z } from "zod";

export const DIALOGUES_FILE = "dialogues.jsonl";
export const REJECTED_FILE = "rejected.jsonl";

/** Every dialogue record of DIR/dialogues.jsonl. Ids must be unique; an empty file is an error. */
export async function loadDialogues(dir: string): Promise<DialogueRecord[]> {
  const file = join(dir, DIALOGUES_FILE);
  if (!existsSync(file)) throw new InputError("file not found (is this a synth output directory?)", { file });
  const records = await readJsonlAll(file, DialogueRecordZ, { what: "dialogue record" });
  if (records.length === 0) throw new InputError("no dialogues in this file", { file });
  const seen = new Set<string>();
  for (const r of records) {
    if (seen.has(r.id)) throw new InputError(`duplicate dialogue id "${r.id}"`, { file });
    seen.add(r.id);
  }
  return records;
}

/** The rejected records of DIR/rejected.jsonl, or undefined when there is no such file. */
export async function loadRejected(dir: string): Promise<RejectedRecord[] | undefined> {
  const file = join(dir, REJECTED_FILE);
  if (!existsSync(file)) return undefined;
  return readJsonlAll(file, RejectedRecordZ as unknown as z.ZodType<RejectedRecord>, { what: "rejected record" });
}
