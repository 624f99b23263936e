/**
 * Checking a file of decoded model answers against BFCL's data (`toolflow eval bfcl --check`): read the JSONL
 * input (`{id, category, model_output, ...}` a line), check each answer, tally accuracy per category.
 */
import { z } from "zod";
import { readJsonl } from "../core/index.js";
import type { BfclData } from "./bfcl-data.js";
import { checkCalls, type CallCheck } from "./checker.js";
import { parsePyJson } from "../core/index.js";

/** One line of a check input: the fields BFCL's results carry (model_output required); any other field is kept and echoed. */
export const answerRecordSchema = z
  .object({
    id: z.string().min(1),
    category: z.string().min(1).optional(),
    model_output: z.unknown(),
  })
  .passthrough();

export type AnswerRecord = z.infer<typeof answerRecordSchema>;

/** A checked answer: the input fields, then the verdict. */
export type CheckedRecord = AnswerRecord & CallCheck;

/**
 * Read a JSONL file of answers; numbers keep their Python type (see core/pyjson.ts). A line that is not JSON or not an
 * answer record is an InputError naming the file and line.
 */
export async function readAnswerRecords(file: string): Promise<AnswerRecord[]> {
  const out: AnswerRecord[] = [];
  const what = "answer record ({id, category, model_output})";
  // the line as it was (zod's copy would put the known fields first): every field echoed in its place
  for await (const { raw } of readJsonl(file, answerRecordSchema, { what, parse: parsePyJson })) out.push(raw as AnswerRecord);
  return out;
}

/**
 * Check every answer. The category is the record's, or else its question's. Every id is looked up before any
 * check: an id in none of the data folders is an InputError naming it.
 */
export function checkAnswerRecords(data: BfclData, records: readonly AnswerRecord[]): CheckedRecord[] {
  const questions = records.map((r) => data.require(r.id));
  return records.map((r, i) => {
    const q = questions[i] as NonNullable<(typeof questions)[number]>;
    const category = r.category ?? q.category;
    const result = checkCalls(q.functions, r.model_output, data.requireAnswer(q, category), category);
    return { ...r, valid: result.valid, errorType: result.errorType, error: result.error };
  });
}

/** Accuracy of one category (or of all). */
export interface CategoryAccuracy {
  category: string;
  total: number;
  valid: number;
  accuracy: number;
}

/** Accuracy per category, sorted by name, then the overall figure (category "all"). */
export function accuracyByCategory(records: ReadonlyArray<{ category?: string; valid: boolean }>, fallback = "unknown"): CategoryAccuracy[] {
  const tally = new Map<string, { total: number; valid: number }>();
  for (const r of records) {
    const c = r.category ?? fallback;
    const t = tally.get(c) ?? { total: 0, valid: 0 };
    t.total++;
    if (r.valid) t.valid++;
    tally.set(c, t);
  }
  const rows = [...tally].sort(([a], [b]) => a.localeCompare(b)).map(([category, t]) => ({ category, ...t, accuracy: t.total ? t.valid / t.total : 0 }));
  const total = records.length;
  const valid = records.filter((r) => r.valid).length;
  rows.push({ category: "all", total, valid, accuracy: total ? valid / total : 0 });
  return rows;
}

/** The accuracy table as text (one row a category, the overall row last). */
export function formatAccuracyTable(rows: readonly CategoryAccuracy[]): string {
  const w = Math.max(8, ...rows.map((r) => r.category.length));
  const lines = [`${"category".padEnd(w)}  ${"total".padStart(6)}  ${"valid".padStart(6)}  accuracy`];
  for (const r of rows) {
    lines.push(`${r.category.padEnd(w)}  ${String(r.total).padStart(6)}  ${String(r.valid).padStart(6)}  ${(100 * r.accuracy).toFixed(1).padStart(6)} %`);
  }
  return lines.join("\n") + "\n";
}
