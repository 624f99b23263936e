/**
 * `synth --judge SPEC --judge-min N`: the judge as a gate. A dialogue scored below N on any rubric axis is rejected
 * under check `judge`, one reason per such axis (the axis, its score, the minimum and the judge's reason).
 */
import type { JudgeVerdict } from "./deps.js";

/** The reasons to reject a dialogue with this verdict at `--judge-min min`; empty when every axis is at least min. */
export function judgeGateReasons(verdict: JudgeVerdict, min: number): string[] {
  const why = verdict.rationale?.trim() ? `: ${verdict.rationale.trim()}` : "";
  return Object.entries(verdict.scores)
    .filter(([, score]) => score < min)
    .map(([axis, score]) => `${axis} ${score} is below --judge-min ${min}${why}`);
}
