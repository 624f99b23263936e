/**
 * Round-trip agreement: for each assistant turn with calls, a model gets only the conversation up to that turn and
 * the dialogue's tools (no plan, no agent context) and produces the calls; they are compared with the recorded
 * calls by `eval heldout`'s turn scoring (src/eval: `dialogueTurns`, `scoreTurn`: BFCL's checker, values exact
 * after normalization, values an earlier tool result supplied exactly). Agreement = agreeing turns / call turns.
 *
 * Also synth's filter (`synth --round-trip SPEC --round-trip-min X`): `roundTripSynthDeps()` adds the check to
 * synth's stages; the runner rejects a dialogue whose agreement is below the minimum under check `round_trip`.
 */
import { chatTools } from "../agents/index.js";
import type { ToolSpec } from "../core/index.js";
import { dialogueTurns, scoreTurn, TURN_KINDS, turnRequest, type HeldoutDialogue, type TurnKind } from "../eval/index.js";
import type { ChatModel } from "../llm/index.js";
import { defaultSynthDeps, type DialogueForChecks, type SynthDeps, type SynthOptions } from "../synth/index.js";

export interface RoundTripTurn {
  /** Index of the assistant message. */
  turn: number;
  kind: TurnKind;
  agreed: boolean;
  errorType: string | null;
  reason: string | null;
  /** The calls the model made (name and raw arguments). */
  got: Array<{ name: string; arguments: string }>;
}

export interface RoundTripResult {
  turns: RoundTripTurn[];
  /** Call turns asked. */
  total: number;
  agreed: number;
  /** agreed / total; null when the dialogue has no call turn. */
  agreement: number | null;
}

export interface RoundTripOptions {
  signal?: AbortSignal;
  temperature?: number;
  maxTokens?: number;
}

/** Ask `model` every call turn of the dialogue (one request each, in order, role "round_trip") and score it. */
export async function roundTripDialogue(model: ChatModel, d: HeldoutDialogue, options: RoundTripOptions = {}): Promise<RoundTripResult> {
  const turns: RoundTripTurn[] = [];
  for (const t of dialogueTurns(d)) {
    if (t.need !== "call" || t.unscorable !== undefined) continue;
    options.signal?.throwIfAborted();
    const result = await model.chat(turnRequest(t, options, "round_trip"));
    const v = scoreTurn(t, result);
    turns.push({
      turn: t.turn,
      kind: t.kind,
      agreed: v.valid,
      errorType: v.errorType,
      reason: v.reason,
      got: result.toolCalls.map((c) => ({ name: c.function.name, arguments: c.function.arguments })),
    });
  }
  const agreed = turns.filter((t) => t.agreed).length;
  return { turns, total: turns.length, agreed, agreement: turns.length === 0 ? null : agreed / turns.length };
}

export interface KindAgreement {
  turns: number;
  agreed: number;
  agreement: number | null;
}

/** Agreement over many dialogues' turns: overall and per step kind. */
export function summarizeRoundTrip(results: readonly RoundTripResult[]): { agreement: number | null; turns: number; agreed: number; byStepKind: Partial<Record<TurnKind, KindAgreement>> } {
  const all = results.flatMap((r) => r.turns);
  const byStepKind: Partial<Record<TurnKind, KindAgreement>> = {};
  for (const kind of TURN_KINDS) {
    const ts = all.filter((t) => t.kind === kind);
    if (ts.length === 0) continue;
    const agreed = ts.filter((t) => t.agreed).length;
    byStepKind[kind] = { turns: ts.length, agreed, agreement: agreed / ts.length };
  }
  const agreed = all.filter((t) => t.agreed).length;
  return { agreement: all.length === 0 ? null : agreed / all.length, turns: all.length, agreed, byStepKind };
}

/** A synth dialogue (before it is recorded) as the round trip reads it. */
export function checksDialogue(d: DialogueForChecks & { id?: string; seed?: number }): HeldoutDialogue {
  return {
    id: d.id ?? "dialogue",
    seed: d.seed ?? 0,
    tools: chatTools(d.tools as ToolSpec[]),
    messages: d.messages,
    plan: d.plan,
    stepOf: d.stepOf.length === d.messages.length ? d.stepOf : null,
  };
}

/** The reasons a dialogue failed the round trip: the disagreeing turns. */
export function roundTripReasons(r: RoundTripResult, min: number): string[] {
  const head = `round-trip agreement ${r.agreed}/${r.total} = ${(r.agreement ?? 1).toFixed(3)} is below --round-trip-min ${min}`;
  return [head, ...r.turns.filter((t) => !t.agreed).map((t) => `turn ${t.turn} (${t.kind}): ${t.errorType ?? "disagrees"}: ${t.reason ?? ""}`)];
}

/** synth's stages with the round-trip check (synth cannot import src/judge: the CLI and library users wire it). */
export function roundTripSynthDeps(base: SynthDeps = defaultSynthDeps()): SynthDeps {
  return {
    ...base,
    roundTrip: async (model, d, options) => {
      const r = await roundTripDialogue(model, checksDialogue(d), options.signal ? { signal: options.signal } : {});
      return { agreement: r.agreement, turns: r.total, agreed: r.agreed, reasons: (min: number) => roundTripReasons(r, min) };
    },
  };
}

/** The stages of a synth run with these options: roundTripSynthDeps when it has a round-trip check, else synth's defaults. */
export function synthDepsFor(options: Pick<SynthOptions, "roundTrip">): SynthDeps {
  return options.roundTrip !== undefined ? roundTripSynthDeps() : defaultSynthDeps();
}
