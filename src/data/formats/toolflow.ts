/** toolflow's own dialogue records (a run's dialogues.jsonl), read as the other formats are. */
import { DialogueRecordZ, type JsonSchema } from "../../core/index.js";
import type { z } from "zod";
import type { DataFormat, DatasetDialogue, ReadDialogue } from "./read-helpers.js";

function fromToolflow(row: z.infer<typeof DialogueRecordZ>): ReadDialogue {
  return {
    id: row.id,
    messages: row.messages,
    tools: row.tools.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters as JsonSchema })),
    plan: row.plan ? { steps: row.plan.steps.map((s) => ({ id: s.id, kind: s.kind, tools: s.tools })) } : null,
    stepOf: row.stepOf,
  };
}


export const toolflowReader: DataFormat<z.infer<typeof DialogueRecordZ>> = {
  name: "toolflow",
  expected: "a toolflow dialogue record (id, messages, stepOf, verification, ...)",
  detect: (row) => Array.isArray(row.messages) && Array.isArray(row.stepOf) && "verification" in row,
  schema: DialogueRecordZ,
  read: fromToolflow,
};

/** A toolflow record already validated against DialogueRecordZ, as the toolflow reader reads it. */
export function toolflowDialogue(record: z.infer<typeof DialogueRecordZ>): DatasetDialogue {
  return { ...fromToolflow(record), id: record.id, format: "toolflow" };
}
