/**
 * Synth options for tests: a planned `sim` run with synth's defaults (walk sampling, 2-4 tools, provenance
 * rejected, nothing resumed), so a test names only what it is about.
 */
import type { SynthOptions } from "../../src/synth/index.js";

export function simSynthOptions(
  options: Pick<SynthOptions, "tools" | "out" | "count" | "seed"> & Partial<SynthOptions>,
): SynthOptions {
  return {
    llm: ["sim"],
    roleLlm: {},
    concurrency: 2,
    sampling: "walk",
    size: { min: 2, max: 4 },
    plan: true,
    provenance: "reject",
    resume: false,
    force: false,
    dryRun: false,
    ...options,
  };
}
