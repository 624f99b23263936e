/**
 * Synth options for tests and benchmarks: a planned run with synth's defaults (the `sim` backend unless `llm` is
 * given, walk sampling, 2-4 tools, provenance rejected, nothing resumed), so a test names only what it is about.
 */
import type { SynthOptions } from "../../src/synth/index.js";

export function testSynthOptions(
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
