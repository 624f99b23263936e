/** Reading and writing samples.jsonl (one ToolSample a line). */
import { InputError } from "../core/index.js";
import { readJsonl, toJsonl, writeJsonlAtomic } from "../core/index.js";
import { ToolSampleZ, type ToolSample } from "../core/index.js";

/**
 * Read and validate a samples file. A line that is not a ToolSample, or a repeated id, is an InputError naming
 * the file, line and field.
 */
export async function readSamplesJsonl(path: string): Promise<ToolSample[]> {
  const samples: ToolSample[] = [];
  const seen = new Map<string, number>();
  for await (const { value: s, line } of readJsonl(path, ToolSampleZ, { what: "tool sample", code: "BAD_SAMPLE" })) {
    const dupTool = s.tools.find((t, i) => s.tools.indexOf(t) !== i);
    if (dupTool !== undefined) {
      throw new InputError(`sample ${s.id} lists tool "${dupTool}" twice`, { file: path, line, pointer: "/tools" });
    }
    const first = seen.get(s.id);
    if (first !== undefined) {
      throw new InputError(`sample id "${s.id}" repeats the one on line ${first}`, { file: path, line, pointer: "/id" });
    }
    seen.set(s.id, line);
    samples.push(s);
  }
  return samples;
}

/** Write samples as JSONL atomically (a crash leaves no partial file). */
export async function writeSamplesJsonl(path: string, samples: readonly ToolSample[]): Promise<void> {
  await writeJsonlAtomic(path, samples);
}

/** Samples as JSONL text. */
export function samplesToJsonl(samples: readonly ToolSample[]): string {
  return toJsonl(samples);
}
