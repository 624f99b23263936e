/**
 * `synth --judge SPEC --judge-min N` / `--judge-flaws`: the judge as a gate. A dialogue scored below N on any rubric
 * axis is rejected under check `judge`, one reason per such axis (the axis, its score, the minimum and the judge's
 * reason); with `--judge-flaws`, one reason per flaw the judge named.
 */
import type { JudgeVerdict } from "./deps.js";

/** The reasons to reject a dialogue with this verdict under the run's judge gate; empty when it passes. */
export function judgeRejectReasons(verdict: JudgeVerdict, gate: { min?: number; flaws?: boolean }): string[] {
  const out = gate.min !== undefined ? judgeGateReasons(verdict, gate.min) : [];
  if (gate.flaws) out.push(...(verdict.flaws ?? []).map((f) => `judge found ${f.kind}: ${f.note.trim()}`));
  return out;
}

/** The reasons to reject a dialogue with this verdict at `--judge-min min`; empty when every axis is at least min. */
export function judgeGateReasons(verdict: JudgeVerdict, min: number): string[] {
  const why = verdict.rationale?.trim() ? `: ${verdict.rationale.trim()}` : "";
  return Object.entries(verdict.scores)
    .filter(([, score]) => score < min)
    .map(([axis, score]) => `${axis} ${score} is below --judge-min ${min}${why}`);
}
