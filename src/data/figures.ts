/**
 * What a tool-calling dataset holds, in figures that compare across formats and generators: turns, calls,
 * parallel / chained calls, clarification exchanges, tool coverage and Gini of tool use, the paper's H and D-3
 * over user turns, token lengths, and the plan's step-kind mix. Computed in one streaming pass
 * (`FigureAccumulator`), so a large file is never held in memory.
 *
 * The one accumulator behind `toolflow stats`, the dataset card (report's `datasetStats` takes its dialogue
 * figures from here and adds what only toolflow records hold: verification, models, usage) and the HTML report.
 */
import { estimateTokens, gini, type Message } from "../core/index.js";
import { DiversityAccumulator, type DiversityMetrics } from "./diversity.js";
import type { DatasetDialogue, DatasetFormat } from "./formats/index.js";
import { asksQuestion } from "./questions.js";

/** A length distribution in tokens. */
export interface LengthDistribution {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  max: number;
}

/** Mean, min and max of a per-dialogue count. */
export interface Distribution {
  mean: number;
  min: number;
  max: number;
}

/** A Distribution kept in a stream: sum, min, max and count. */
class RunningDistribution {
  private sum = 0;
  private n = 0;
  private min = Infinity;
  private max = -Infinity;
  add(v: number): void {
    this.sum += v;
    this.n++;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }
  result(): Distribution {
    return this.n === 0 ? { mean: 0, min: 0, max: 0 } : { mean: this.sum / this.n, min: this.min, max: this.max };
  }
}

export interface DatasetFigures {
  /** Formats read (normally one). */
  formats: DatasetFormat[];
  dialogues: number;
  /** User + assistant messages (system and tool messages are not turns). */
  turns: number;
  userTurns: number;
  assistantTurns: number;
  toolCalls: number;
  callsPerDialogue: number;
  /** Share of assistant turns that call at least one tool. */
  callTurnShare: number;
  /** Assistant turns with two or more calls. */
  parallelCallTurns: number;
  /** Calls with an argument value equal (normalized) to a value of an earlier tool result of the dialogue. */
  chainedCalls: number;
  /** chainedCalls / toolCalls. */
  chainedCallShare: number;
  /**
   * Assistant asks (a text that asks, in any script: see questions.ts; right after a user turn, no call), the user
   * answers, the next assistant turn calls.
   */
  clarifications: number;
  /** Assistant turns without a call. */
  noCallTurns: number;
  /** Dialogues without any call. */
  noCallDialogues: number;
  /** Distinct tools called. */
  distinctTools: number;
  /** Distinct sets of tools called together in one dialogue. */
  toolCombinations: number;
  /** Share of the known tools (--tools, else the tools the dialogues offer) called at least once; null without tools. */
  toolCoverage: number | null;
  /** How many tools coverage and Gini are measured against, and where they come from. */
  toolUniverse: { size: number; source: "tools-file" | "offered" | "called" };
  /** Distinct tools the dialogues offer. */
  toolsOffered: number;
  /** Per dialogue: messages (all roles, a system message too), user turns and calls; dialogues by number of calls. */
  perDialogue: { messages: Distribution; userTurns: Distribution; toolCalls: Distribution; callHistogram: Record<string, number> };
  /** Gini coefficient of calls per tool over the tool universe (0 = even use). */
  gini: number;
  /** Calls per tool, most used first. */
  toolUse: Record<string, number>;
  /** Shannon entropy (bits) of the word frequencies of the user turns (the paper's H). */
  H: number;
  /** Distinct word trigrams / all trigrams of the user turns (the paper's D-3). */
  D3: number;
  /** H, D-3, D-2, words and vocabulary of the user turns (H and D3 above are its H and D3). */
  userDiversity: DiversityMetrics;
  /** The same over the user and assistant texts, with `textDiversity` (the dataset card's); null otherwise. */
  textDiversity: DiversityMetrics | null;
  /** Whether token lengths were counted (false with `skipTokens`: `tokens` then holds zeros, not lengths). */
  tokensCounted: boolean;
  /** Token lengths (gpt-tokenizer estimate): whole dialogues (message texts + call arguments), user turns, assistant turns. */
  tokens: { dialogue: LengthDistribution; userTurn: LengthDistribution; assistantTurn: LengthDistribution };
  /** Dialogues with a plan. */
  withPlan: number;
  /** Plan steps by kind (as written in the plans), over the planned dialogues; null when no dialogue has a plan. */
  stepKinds: Record<string, number> | null;
}

export interface FigureOptions {
  /** The tool universe for coverage and Gini (names), e.g. from a tools.jsonl. */
  tools?: string[];
  /** Skip token counting (faster). */
  skipTokens?: boolean;
  /** Also measure diversity over user and assistant texts together (the dataset card; more memory). */
  textDiversity?: boolean;
}

// ---------------------------------------------------------------- value normalization (chained calls)

/** Comparable form of a value, or undefined for values that carry no claim (empty, booleans, null). */
export function valueKey(v: unknown): string | undefined {
  if (typeof v === "number") return Number.isFinite(v) ? `n:${v}` : undefined;
  if (typeof v !== "string") return undefined;
  const t = v.trim();
  if (t === "") return undefined;
  const num = t.replace(/,(?=\d{3}\b)/g, "");
  if (/^[-+]?\d+(\.\d+)?$/.test(num)) return `n:${Number(num)}`;
  const s = t
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
  return s === "" ? undefined : `s:${s}`;
}

function addLeaves(v: unknown, into: Set<string>): void {
  if (Array.isArray(v)) for (const x of v) addLeaves(x, into);
  else if (v !== null && typeof v === "object") for (const x of Object.values(v)) addLeaves(x, into);
  else {
    const k = valueKey(v);
    if (k !== undefined) into.add(k);
  }
}

function hasLeafIn(v: unknown, set: Set<string>): boolean {
  if (Array.isArray(v)) return v.some((x) => hasLeafIn(x, set));
  if (v !== null && typeof v === "object") return Object.values(v).some((x) => hasLeafIn(x, set));
  const k = valueKey(v);
  return k !== undefined && set.has(k);
}

function parseMaybe(text: string): unknown {
  const t = text.trim();
  if (t.startsWith("{") || t.startsWith("[")) {
    try {
      return JSON.parse(t);
    } catch {
      return text;
    }
  }
  return text;
}

// ---------------------------------------------------------------- the accumulator

function lengthDistribution(values: number[]): LengthDistribution {
  if (values.length === 0) return { count: 0, mean: 0, p50: 0, p90: 0, max: 0 };
  const sorted = Float64Array.from(values).sort();
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
  let sum = 0;
  for (const v of sorted) sum += v;
  return { count: sorted.length, mean: sum / sorted.length, p50: at(0.5), p90: at(0.9), max: sorted[sorted.length - 1] as number };
}

function inc(m: Map<string, number>, k: string, by = 1): void {
  m.set(k, (m.get(k) ?? 0) + by);
}

const hasCalls = (m: Message | undefined): boolean => m?.role === "assistant" && (m.tool_calls?.length ?? 0) > 0;

/** Adds dialogues one at a time; `result()` gives the figures. Memory: word / trigram tables and one number per turn. */
export class FigureAccumulator {
  private formats = new Set<DatasetFormat>();
  private dialogues = 0;
  private userTurns = 0;
  private assistantTurns = 0;
  private toolCalls = 0;
  private callTurns = 0;
  private parallelCallTurns = 0;
  private chainedCalls = 0;
  private clarifications = 0;
  private noCallDialogues = 0;
  private withPlan = 0;
  private readonly toolUse = new Map<string, number>();
  private readonly offered = new Set<string>();
  private readonly combinations = new Set<string>();
  private readonly stepKinds = new Map<string, number>();
  /** The user turns' words, bigrams and trigrams (H, D-2, D-3). */
  private readonly userText = new DiversityAccumulator([2, 3]);
  /** User and assistant texts (with `textDiversity`). */
  private readonly allText: DiversityAccumulator | undefined;
  private readonly messageCounts = new RunningDistribution();
  private readonly userCounts = new RunningDistribution();
  private readonly callCounts = new RunningDistribution();
  private readonly callHistogram = new Map<number, number>();
  private readonly dialogueTokens: number[] = [];
  private readonly userTokens: number[] = [];
  private readonly assistantTokens: number[] = [];

  constructor(private readonly options: FigureOptions = {}) {
    this.allText = options.textDiversity ? new DiversityAccumulator([2, 3]) : undefined;
  }

  add(d: DatasetDialogue): void {
    this.formats.add(d.format);
    this.dialogues++;
    for (const t of d.tools) this.offered.add(t.name);
    const tokens = !this.options.skipTokens;
    const results = new Set<string>();
    const called = new Set<string>();
    const msgs = d.messages.filter((m) => m.role !== "system");
    let dialogueTokens = 0;
    let calls = 0;
    let users = 0;
    for (let i = 0; i < msgs.length; i++) {
      const m = msgs[i] as Message;
      if (m.role === "user") {
        this.userTurns++;
        users++;
        this.userText.add(m.content);
        this.allText?.add(m.content);
        if (tokens) {
          const n = estimateTokens(m.content);
          this.userTokens.push(n);
          dialogueTokens += n;
        }
      } else if (m.role === "assistant") {
        this.assistantTurns++;
        if (m.content) this.allText?.add(m.content);
        const cs = m.tool_calls ?? [];
        let n = tokens ? estimateTokens(m.content ?? "") : 0;
        if (cs.length > 0) {
          this.callTurns++;
          if (cs.length >= 2) this.parallelCallTurns++;
          for (const c of cs) {
            calls++;
            called.add(c.function.name);
            inc(this.toolUse, c.function.name);
            if (tokens) n += estimateTokens(c.function.name) + estimateTokens(c.function.arguments);
            if (results.size > 0 && hasLeafIn(parseMaybe(c.function.arguments), results)) this.chainedCalls++;
          }
        } else if (
          msgs[i - 1]?.role === "user" &&
          msgs[i + 1]?.role === "user" &&
          hasCalls(msgs[i + 2]) &&
          asksQuestion(m.content)
        ) {
          this.clarifications++;
        }
        if (tokens) {
          this.assistantTokens.push(n);
          dialogueTokens += n;
        }
      } else if (m.role === "tool") {
        addLeaves(parseMaybe(m.content), results);
        if (tokens) dialogueTokens += estimateTokens(m.content);
      }
    }
    this.toolCalls += calls;
    this.messageCounts.add(d.messages.length);
    this.userCounts.add(users);
    this.callCounts.add(calls);
    this.callHistogram.set(calls, (this.callHistogram.get(calls) ?? 0) + 1);
    if (calls === 0) this.noCallDialogues++;
    else this.combinations.add([...called].sort().join("+"));
    if (tokens) this.dialogueTokens.push(dialogueTokens);
    if (d.plan) {
      this.withPlan++;
      for (const s of d.plan.steps) inc(this.stepKinds, s.kind);
    }
  }

  result(): DatasetFigures {
    let universe: string[];
    let source: DatasetFigures["toolUniverse"]["source"];
    if (this.options.tools) {
      universe = [...new Set(this.options.tools)];
      source = "tools-file";
    } else if (this.offered.size > 0) {
      universe = [...this.offered];
      source = "offered";
    } else {
      universe = [...this.toolUse.keys()];
      source = "called";
    }
    const inUniverse = universe.filter((t) => (this.toolUse.get(t) ?? 0) > 0).length;
    const toolUse = Object.fromEntries([...this.toolUse].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
    return {
      formats: [...this.formats],
      dialogues: this.dialogues,
      turns: this.userTurns + this.assistantTurns,
      userTurns: this.userTurns,
      assistantTurns: this.assistantTurns,
      toolCalls: this.toolCalls,
      callsPerDialogue: this.dialogues === 0 ? 0 : this.toolCalls / this.dialogues,
      callTurnShare: this.assistantTurns === 0 ? 0 : this.callTurns / this.assistantTurns,
      parallelCallTurns: this.parallelCallTurns,
      chainedCalls: this.chainedCalls,
      chainedCallShare: this.toolCalls === 0 ? 0 : this.chainedCalls / this.toolCalls,
      clarifications: this.clarifications,
      noCallTurns: this.assistantTurns - this.callTurns,
      noCallDialogues: this.noCallDialogues,
      distinctTools: this.toolUse.size,
      toolCombinations: this.combinations.size,
      toolCoverage: universe.length === 0 ? null : inUniverse / universe.length,
      toolUniverse: { size: universe.length, source },
      toolsOffered: this.offered.size,
      perDialogue: {
        messages: this.messageCounts.result(),
        userTurns: this.userCounts.result(),
        toolCalls: this.callCounts.result(),
        callHistogram: Object.fromEntries([...this.callHistogram].sort((a, b) => a[0] - b[0]).map(([k, v]) => [String(k), v])),
      },
      gini: gini(universe.length > 0 ? universe.map((t) => this.toolUse.get(t) ?? 0) : []),
      toolUse,
      H: this.userText.entropy(),
      D3: this.userText.distinct(3),
      userDiversity: metrics(this.userText),
      textDiversity: this.allText ? metrics(this.allText) : null,
      tokensCounted: !this.options.skipTokens,
      tokens: {
        dialogue: lengthDistribution(this.dialogueTokens),
        userTurn: lengthDistribution(this.userTokens),
        assistantTurn: lengthDistribution(this.assistantTokens),
      },
      withPlan: this.withPlan,
      stepKinds: this.withPlan === 0 ? null : Object.fromEntries([...this.stepKinds].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))),
    };
  }
}

function metrics(acc: DiversityAccumulator): DiversityMetrics {
  return { H: acc.entropy(), D3: acc.distinct(3), D2: acc.distinct(2), words: acc.words, vocabulary: acc.vocabulary };
}

/** The figures of a list (or stream) of dialogues. */
export async function datasetFigures(
  dialogues: Iterable<DatasetDialogue> | AsyncIterable<DatasetDialogue>,
  options: FigureOptions = {},
): Promise<DatasetFigures> {
  const acc = new FigureAccumulator(options);
  for await (const d of dialogues) acc.add(d);
  return acc.result();
}
