/**
 * The pure parts of `toolflow judge`: rounds and consecutive-round pairs, semantic similarity (SS) from an
 * embedder's vectors, the seeded sample, and the bootstrap interval of a mean.
 *
 * A **round** is one user message and the assistant's final text answer to it: the last assistant message with
 * text and no tool calls before the next user message (or the end). Calls and tool results in between belong to
 * the round but are not part of its text. A clarify question is a round's answer too (the user's reply opens the
 * next round). A user message the assistant never answered in text has answer "".
 */
import { hashToUint32, Rng, type Message } from "../core/index.js";
import { rowDot, type FieldEmbedder } from "../graph/index.js";

export interface Round {
  /** Index of the user message in the dialogue's messages. */
  at: number;
  request: string;
  /** The assistant's final text answer of the round ("" when there is none). */
  response: string;
}

/** A pair of consecutive rounds: the previous round (request + response) and the current request. */
export interface RoundPair {
  /** Index (in rounds) of the current round; the previous is `round - 1`. */
  round: number;
  /** The previous request and its response, joined by a newline. */
  previous: string;
  current: string;
}

/** The rounds of a dialogue (see the module comment). */
export function dialogueRounds(messages: readonly Message[]): Round[] {
  const rounds: Round[] = [];
  for (let i = 0; i < messages.length; i++) {
    const m = messages[i]!;
    if (m.role === "user") rounds.push({ at: i, request: m.content, response: "" });
    else if (m.role === "assistant" && rounds.length > 0 && (m.tool_calls?.length ?? 0) === 0 && (m.content ?? "").trim() !== "") {
      rounds[rounds.length - 1]!.response = m.content ?? "";
    }
  }
  return rounds;
}

/** The consecutive-round pairs of a dialogue: (round 0, round 1), (round 1, round 2), ... */
export function roundPairs(messages: readonly Message[]): RoundPair[] {
  const rounds = dialogueRounds(messages);
  const out: RoundPair[] = [];
  for (let k = 1; k < rounds.length; k++) {
    const prev = rounds[k - 1]!;
    out.push({ round: k, previous: prev.response === "" ? prev.request : `${prev.request}\n${prev.response}`, current: rounds[k]!.request });
  }
  return out;
}

/**
 * The similarity of each pair's two texts with `embedder` (all texts embedded in one call, so a corpus-dependent
 * embedder such as `lexical` sees every text of the call). Returns one array of similarities per input list.
 */
export async function pairSimilarities(
  embedder: FieldEmbedder,
  pairLists: ReadonlyArray<readonly RoundPair[]>,
  options: { signal?: AbortSignal } = {},
): Promise<number[][]> {
  const texts: string[] = [];
  for (const list of pairLists) for (const p of list) texts.push(p.previous, p.current);
  if (texts.length === 0) return pairLists.map(() => []);
  const vectors = await embedder.embed(
    texts.map((t) => ({ name: "", description: t })),
    options.signal ? { signal: options.signal } : {},
  );
  let row = 0;
  return pairLists.map((list) =>
    list.map(() => {
      const s = rowDot(vectors, row, row + 1);
      row += 2;
      return s;
    }),
  );
}

export const mean = (xs: readonly number[]): number | null => (xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length);

/** The deterministic sample: the `n` items whose hash of `seed:id` is smallest (every item when n is unset or larger). */
export function sampleBySeed<T extends { id: string }>(items: readonly T[], n: number | undefined, seed: number): T[] {
  if (n === undefined || n >= items.length) return [...items];
  const keyed = items.map((it, i) => ({ it, i, k: hashToUint32(`${seed}:${it.id}`) }));
  keyed.sort((a, b) => a.k - b.k || a.i - b.i);
  return keyed
    .slice(0, n)
    .sort((a, b) => a.i - b.i)
    .map((x) => x.it);
}

export interface Interval {
  mean: number;
  /** 2.5th percentile of the bootstrap means. */
  low: number;
  /** 97.5th percentile. */
  high: number;
}

/**
 * Mean and 95 % percentile bootstrap interval: `resamples` resamples with replacement (seeded), the 2.5th and
 * 97.5th percentiles of their means (nearest-rank). Null for no values.
 */
export function bootstrapMean(values: readonly number[], options: { seed?: number; resamples?: number } = {}): Interval | null {
  const n = values.length;
  if (n === 0) return null;
  const m = mean(values)!;
  const b = options.resamples ?? 2000;
  const rng = new Rng(options.seed ?? 0);
  const means = new Float64Array(b);
  for (let r = 0; r < b; r++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += values[rng.int(0, n - 1)]!;
    means[r] = s / n;
  }
  means.sort();
  const at = (q: number) => means[Math.min(b - 1, Math.max(0, Math.ceil(q * b) - 1))]!;
  return { mean: m, low: at(0.025), high: at(0.975) };
}
