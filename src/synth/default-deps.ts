/**
 * The real stages behind the orchestrator: planned generation (src/agents), verification and near-duplicate
 * detection (src/verify), and the optional LLM judge.
 */
import { generateDialogue } from "../agents/index.js";
import { Deduper, judgeDialogue, judgeProvenance, ungroundedAtTurn, verifyDialogue } from "../verify/index.js";
import type { SynthDeps } from "./deps.js";

export function defaultSynthDeps(options: { dedupThreshold?: number } = {}): SynthDeps {
  return {
    generateDialogue,
    verifyDialogue: (d, o) => verifyDialogue(d, { provenance: o.provenance }),
    checkCallsAtTurn: (d, callIds) => ungroundedAtTurn(d, callIds),
    createDeduper: () =>
      new Deduper(options.dedupThreshold !== undefined ? { threshold: options.dedupThreshold } : {}),
    judgeDialogue: async (model, d) => {
      const { scores, flaws, rationale } = await judgeDialogue(model, d);
      return { scores, flaws, rationale };
    },
    judgeProvenance: async (model, d, o) => (await judgeProvenance(model, d, o.signal ? { signal: o.signal } : {})).check,
  };
}
