/**
 * Reads a synth run folder for the report page, incrementally: `refresh()` reads what was appended to
 * dialogues.jsonl and rejected.jsonl since the last call (the data layer's JsonlFollower: a partly written last
 * line waits for its end), so `toolflow view` can follow a run as it writes and `toolflow report` reads a finished
 * one the same way.
 *
 * Kept in memory: one short row per dialogue (list and filters), where its line is (details are read again from
 * disk when opened), the `toolflow stats` accumulator of the accepted dialogues, and the rejection entries.
 * Every figure comes from the stages that define it: data's FigureAccumulator (the stats figures), verify's
 * summarizeRejections and argumentSources, judge's bootstrapMean.
 */
import { existsSync, statSync } from "node:fs";
import { open, readFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";
import {
  DialogueRecordZ,
  InputError,
  PLAN_STEP_KINDS,
  RejectedRecordZ,
  ToolGraphJsonZ,
  ToolSampleZ,
  ToolSpecZ,
  packageVersion,
  decodeUtf8,
  isLossyUtf8,
  lineError,
  parseJsonlLine,
  readJsonFile,
  type DialogueRecord,
  type Message,
  type RejectedRecord,
  type ToolSpec,
} from "../core/index.js";
import { JsonlFollower, ManifestZ, RUN_FILES, type LineRef } from "../data/index.js";
import { bootstrapMean, JUDGE_FILES, mean } from "../judge/index.js";
import { FigureAccumulator, toolflowDialogue } from "../data/index.js";
import { ToolResultTally } from "../report/index.js";
import { argumentSources, summarizeRejections, type RejectionEntry } from "../verify/index.js";
import type { DialogueDetail, DialogueRow, PlanStepView, ReportGraph, ReportJudge, ReportSummary } from "./types.js";

export interface RunDataOptions {
  /** graph.json to draw (default: the run's --graph from its manifest, else DIR/graph.json or DIR/../graph.json). */
  graph?: string;
  /** A `toolflow judge` output folder (default: DIR/judge, DIR/judged or DIR when it holds judge.jsonl). */
  judge?: string;
  /** Page title (default "toolflow report: <DIR>"). */
  title?: string;
  /** Served by `toolflow view`. */
  live?: boolean;
  /** Bootstrap resamples of the record judge intervals (default 1000). */
  resamples?: number;
  /** Read the run's files in `open` (default true; `view` starts serving first and reads in the background). */
  readNow?: boolean;
  /**
   * An unreadable line (not UTF-8, not JSON, not a record of its file, cut off at the end of a finished run) is an
   * error naming file and line (default, as `toolflow stats`), or with true is left out, counted and named on the
   * page. `badLines` can be changed later (`view` skips them once it follows a run).
   */
  skipBadLines?: boolean;
}

/** Unreadable lines named on the page one by one (beyond: only counted). */
const MAX_LINE_NOTES = 20;

const JudgeLineZ = z
  .object({
    id: z.string(),
    judge: z.object({ scores: z.record(z.string(), z.number()), rationale: z.string(), model: z.string() }).optional(),
    roundTrip: z.unknown().optional(),
  })
  .passthrough();
type JudgeLineLoose = z.infer<typeof JudgeLineZ>;

const IntervalZ = z.object({ mean: z.number(), low: z.number(), high: z.number() }).nullable();
const JudgeSummaryZ = z
  .object({
    dialogues: z.number().optional(),
    ss: z.object({ mean: z.number().nullable(), pairs: z.number() }).passthrough().optional(),
    enr: z.object({ rate: z.number().nullable(), pairs: z.number() }).passthrough().optional(),
    // per criterion an interval; `dialogues` and `flawed` counts; `flaws` the count per flaw kind
    judge: z.record(z.string(), z.union([IntervalZ, z.number(), z.record(z.string(), z.number())])).optional(),
    roundTrip: z
      .object({
        agreement: z.number().nullable(),
        turns: z.number(),
        agreed: z.number(),
        byStepKind: z.record(z.string(), z.object({ turns: z.number(), agreed: z.number(), agreement: z.number().nullable() }).passthrough()),
      })
      .passthrough()
      .optional(),
    notes: z.array(z.string()).default([]),
  })
  .passthrough();

function firstExisting(paths: Array<string | undefined>): string | undefined {
  return paths.find((p): p is string => p !== undefined && existsSync(p));
}

/** The judge output folder of a run, when there is one. */
export function findJudgeDir(dir: string, given?: string): string | undefined {
  if (given !== undefined) {
    if (!existsSync(join(given, JUDGE_FILES.summary)) && !existsSync(join(given, JUDGE_FILES.results))) {
      throw new InputError(`no ${JUDGE_FILES.results} or ${JUDGE_FILES.summary} in the judge folder`, { file: given });
    }
    return given;
  }
  for (const d of [join(dir, "judge"), join(dir, "judged"), dir]) {
    if (existsSync(join(d, JUDGE_FILES.results))) return d;
  }
  return undefined;
}

/** A run's data for the page; see the module comment. */
export class RunData {
  readonly dir: string;
  readonly rows: DialogueRow[] = [];
  private readonly refs: LineRef[] = [];
  private accepted: JsonlFollower;
  private rejected: JsonlFollower;
  private figures = new FigureAccumulator();
  private toolResults = new ToolResultTally();
  private acceptedCount = 0;
  private rejectedEntries: Array<{ rejectedBy: RejectionEntry[] }> = [];
  private recordScores = new Map<string, number[]>();
  private recordRated = 0;
  private readonly toolIndex = new Map<string, number>();
  readonly toolNames: string[] = [];
  private readonly systemIndex = new Map<string, number>();
  private readonly systemPrompts: string[] = [];
  private readonly notes: string[] = [];
  private judgeLines = new Map<string, JudgeLineLoose>();
  private judgeSummary: ReportJudge | null = null;
  private graph: ReportGraph | null = null;
  private manifest: Record<string, unknown> | null = null;
  private cached: ReportSummary | null = null;
  /** Rejected records carry no tool specs: the run's samples and tools.jsonl give them (read when first needed). */
  private offered: { samples: Map<string, string[]>; specs: Map<string, ToolSpec> } | null = null;
  /** Set by `sample()`: the rows whose details the report embeds. */
  private sampleNote: ReportSummary["sample"] = null;
  /** What an unreadable line is: an error (default) or left out and counted. */
  badLines: "error" | "skip";
  /** Lines left out as unreadable (with `badLines: "skip"`). */
  skippedLines = 0;

  private constructor(dir: string, private readonly options: RunDataOptions) {
    this.dir = resolve(dir);
    this.accepted = new JsonlFollower(join(this.dir, RUN_FILES.dialogues));
    this.rejected = new JsonlFollower(join(this.dir, RUN_FILES.rejected));
    this.badLines = options.skipBadLines ? "skip" : "error";
  }

  /** Open a run folder (it must exist; its files may not yet). Reads the judge output and the graph once. */
  static async open(dir: string, options: RunDataOptions = {}): Promise<RunData> {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError("not a folder (expected a synth run folder)", { file: dir });
    for (const f of [RUN_FILES.dialogues, RUN_FILES.rejected, RUN_FILES.manifest]) {
      const path = join(dir, f);
      if (existsSync(path) && !statSync(path).isFile()) throw new InputError("not a file (a folder or another kind of entry where the run keeps a file)", { file: path });
    }
    const data = new RunData(dir, options);
    await data.loadJudge();
    if (options.graph !== undefined) await data.loadGraph(); // a broken --graph is an error now, not a page without it
    if (options.readNow ?? true) await data.refresh();
    return data;
  }

  get counts(): { accepted: number; rejected: number } {
    return { accepted: this.acceptedCount, rejected: this.rejectedEntries.length };
  }

  private reset(): void {
    this.rows.length = 0;
    this.refs.length = 0;
    this.figures = new FigureAccumulator();
    this.toolResults = new ToolResultTally();
    this.acceptedCount = 0;
    this.rejectedEntries = [];
    this.recordScores = new Map();
    this.recordRated = 0;
    this.accepted = new JsonlFollower(this.accepted.path);
    this.rejected = new JsonlFollower(this.rejected.path);
  }

  /** An unreadable line: an InputError naming file and line, or (skipping) counted and named in the notes. */
  private badLine(file: string, line: number, problem: { message: string; pointer?: string }): void {
    if (this.badLines === "error") throw lineError(file, line, { kind: "schema", message: problem.message, pointer: problem.pointer ?? "" });
    this.skippedLines++;
    // the first few by name (a file of garbage would fill the page); the count says how many in all
    if (this.skippedLines <= MAX_LINE_NOTES) this.notes.push(`${file}:${line}: ${problem.message}${problem.pointer ? ` at ${problem.pointer}` : ""}; left out`);
    this.cached = null;
  }

  /** The lines a file gained, checked by `schema`; an unreadable one goes to `badLine`. */
  private async readNew<T>(
    tail: JsonlFollower,
    schema: z.ZodType<T>,
    what: string,
    add: (record: T, ref: LineRef) => void,
  ): Promise<void> {
    const final = !(this.options.live ?? false);
    for await (const { text, ref, bad, cut } of tail.read(final)) {
      if (bad) {
        this.badLine(ref.file, ref.line, { message: bad });
        continue;
      }
      const p = parseJsonlLine(text, schema, what);
      if (!p.ok) {
        const message = cut ? `the file ends in the middle of this line (a run cut off while writing?): ${p.problem.message}` : p.problem.message;
        this.badLine(ref.file, ref.line, { message, pointer: p.problem.pointer });
        continue;
      }
      add(p.value, ref);
    }
  }

  /** Read what the run appended since the last call. Returns how many dialogues were added. */
  async refresh(): Promise<number> {
    if (this.accepted.shrank() || this.rejected.shrank()) {
      this.reset();
      this.notes.push("the run's files were replaced (a new run in this folder): read again from the start");
    }
    const before = this.rows.length;
    await this.loadManifest();
    await this.readNew(this.accepted, DialogueRecordZ, "toolflow dialogue record", (r, ref) => this.addAccepted(r, ref));
    await this.readNew(this.rejected, RejectedRecordZ, "toolflow rejected record", (r, ref) => this.addRejected(r, ref));
    if (this.rows.length !== before) this.cached = null;
    return this.rows.length - before;
  }

  private toolId(name: string): number {
    let i = this.toolIndex.get(name);
    if (i === undefined) {
      i = this.toolNames.length;
      this.toolNames.push(name);
      this.toolIndex.set(name, i);
    }
    return i;
  }

  private rowOf(r: RejectedRecord | DialogueRecord, accepted: boolean, rejectedBy: string[], judge: number | null): DialogueRow {
    const tools = new Set<number>();
    let calls = 0;
    let turns = 0;
    for (const m of r.messages ?? []) {
      if (m.role === "user") turns++;
      else if (m.role === "assistant") {
        turns++;
        for (const c of m.tool_calls ?? []) {
          calls++;
          tools.add(this.toolId(c.function.name));
        }
      }
    }
    const kinds = new Set<number>();
    for (const s of r.plan?.steps ?? []) kinds.add(PLAN_STEP_KINDS.indexOf(s.kind));
    return { id: r.id, x: r.index, a: accepted ? 1 : 0, r: rejectedBy, t: [...tools], k: [...kinds].sort((a, b) => a - b), c: calls, n: turns, j: judge, d: 1 };
  }

  private judgeOf(r: { id: string; judge?: Record<string, number> | undefined }): number | null {
    const scores = r.judge ?? this.judgeLines.get(r.id)?.judge?.scores;
    if (!scores) return null;
    const m = mean(Object.values(scores));
    return m === null ? null : Math.round(m * 100) / 100;
  }

  private addAccepted(r: DialogueRecord, ref: LineRef): void {
    this.figures.add(toolflowDialogue(r));
    this.toolResults.add(r);
    this.acceptedCount++;
    if (r.judge) {
      this.recordRated++;
      for (const [k, v] of Object.entries(r.judge)) {
        const list = this.recordScores.get(k) ?? [];
        list.push(v);
        this.recordScores.set(k, list);
      }
    }
    this.rows.push(this.rowOf(r, true, [], this.judgeOf(r)));
    this.refs.push(ref);
  }

  private addRejected(r: RejectedRecord, ref: LineRef): void {
    this.rejectedEntries.push({ rejectedBy: r.rejectedBy });
    this.rows.push(this.rowOf(r, false, [...new Set(r.rejectedBy.map((e) => e.check))], this.judgeOf(r)));
    this.refs.push(ref);
  }

  private async loadManifest(): Promise<void> {
    const path = join(this.dir, RUN_FILES.manifest);
    if (!existsSync(path)) return;
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch {
      return; // gone between the check and the read (a run started over); the next refresh reads it
    }
    let text: string;
    try {
      text = decodeUtf8(bytes, path); // strict: a bad byte names the file and byte offset (--lossy-utf8 replaces)
    } catch (err) {
      if (this.badLines === "error") throw err;
      const note = `${(err as Error).message}; overview left out`;
      if (!this.notes.includes(note)) this.notes.push(note);
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return; // being rewritten (synth writes it atomically, so this is rare); the next refresh reads it
    }
    const p = ManifestZ.safeParse(raw);
    if (!p.success) {
      const note = `${path}: not a toolflow synth manifest (${p.error.issues[0]?.message ?? "invalid"}); overview left out`;
      if (!this.notes.includes(note)) this.notes.push(note);
      return;
    }
    if (JSON.stringify(p.data) !== JSON.stringify(this.manifest)) this.cached = null;
    this.manifest = p.data as unknown as Record<string, unknown>;
    if (this.graph === null) await this.loadGraph();
  }

  private async loadGraph(): Promise<void> {
    if (this.graph !== null) return;
    const inputs = (this.manifest?.inputs ?? {}) as { graph?: { path?: unknown } };
    const fromManifest = typeof inputs.graph?.path === "string" ? inputs.graph.path : undefined;
    const file =
      this.options.graph ?? firstExisting([fromManifest, join(this.dir, "graph.json"), join(dirname(this.dir), "graph.json")]);
    if (file === undefined) return;
    const raw = await readJsonFile(file);
    const p = ToolGraphJsonZ.safeParse(raw);
    if (!p.success) {
      const issue = p.error.issues[0];
      throw new InputError(`not a toolflow graph.json: ${issue?.message ?? "invalid"}`, { file, pointer: "/" + (issue?.path.join("/") ?? "") });
    }
    this.graph = {
      file,
      nodes: p.data.nodes.map((n) => ({ id: n.id, name: n.name, ...(n.category ? { category: n.category } : {}) })),
      edges: p.data.edges.map((e) => ({ source: e.source, target: e.target, kind: e.kind, weight: e.weight, evidence: e.evidence.slice(0, 5) })),
    };
  }

  private async loadJudge(): Promise<void> {
    const dir = findJudgeDir(this.dir, this.options.judge);
    if (this.options.graph !== undefined && !existsSync(this.options.graph)) throw new InputError("graph file not found", { file: this.options.graph });
    if (dir === undefined) return;
    const results = join(dir, JUDGE_FILES.results);
    if (existsSync(results)) {
      // read whole, a line at a time, as the run's files are (not UTF-8: an unreadable line; a last line without newline is fine)
      const tail = new JsonlFollower(results);
      for await (const { text: l, ref, bad } of tail.read(true)) {
        const line = ref.line;
        if (bad) {
          this.badLine(results, line, { message: bad });
          continue;
        }
        const p = parseJsonlLine(l, JudgeLineZ, "judge line");
        if (!p.ok) {
          this.badLine(results, line, p.problem);
          continue;
        }
        this.judgeLines.set(p.value.id, p.value);
      }
    }
    const summaryPath = join(dir, JUDGE_FILES.summary);
    if (existsSync(summaryPath)) {
      const p = JudgeSummaryZ.safeParse(await readJsonFile(summaryPath));
      if (!p.success) throw new InputError(`not a toolflow judge summary: ${p.error.issues[0]?.message ?? "invalid"}`, { file: summaryPath });
      const s = p.data;
      const criteria: Record<string, ReportJudge["criteria"][string]> = {};
      for (const [k, v] of Object.entries(s.judge ?? {})) if (v === null || (typeof v === "object" && "mean" in v)) criteria[k] = v as ReportJudge["criteria"][string];
      this.judgeSummary = {
        dir,
        criteria,
        dialogues: typeof s.judge?.dialogues === "number" ? s.judge.dialogues : (s.dialogues ?? 0),
        ss: s.ss ? { mean: s.ss.mean, pairs: s.ss.pairs } : null,
        enr: s.enr ? { rate: s.enr.rate, pairs: s.enr.pairs } : null,
        roundTrip: s.roundTrip
          ? {
              agreement: s.roundTrip.agreement,
              turns: s.roundTrip.turns,
              agreed: s.roundTrip.agreed,
              byStepKind: Object.fromEntries(
                Object.entries(s.roundTrip.byStepKind).map(([k, v]) => [k, { turns: v.turns, agreed: v.agreed, agreement: v.agreement }]),
              ),
            }
          : null,
        notes: s.notes,
      };
    }
  }

  /** Embed only `n` dialogues' details (a seeded sample, all rejected ones first up to a quarter of n). */
  limitDetails(positions: Set<number>, note: string): void {
    this.rows.forEach((r, i) => (r.d = positions.has(i) ? 1 : 0));
    this.sampleNote = { total: this.rows.length, embedded: positions.size, note };
    this.cached = null;
  }

  summary(): ReportSummary {
    if (this.cached) return this.cached;
    const resamples = this.options.resamples ?? 1000;
    const recordJudge =
      this.recordRated === 0
        ? null
        : {
            dialogues: this.recordRated,
            criteria: Object.fromEntries([...this.recordScores].map(([k, v]) => [k, bootstrapMean(v, { seed: 0, resamples })])),
          };
    this.cached = {
      title: this.options.title ?? `toolflow report: ${this.dir}`,
      dir: this.dir,
      generatedAt: new Date().toISOString(),
      version: packageVersion(),
      live: this.options.live ?? false,
      manifest: this.manifest,
      counts: this.counts,
      rejections: summarizeRejections(this.rejectedEntries),
      figures: this.acceptedCount === 0 ? null : this.figures.result(),
      toolResults: this.acceptedCount === 0 ? null : this.toolResults.result(),
      recordJudge,
      judge: this.judgeSummary,
      graph: this.graph,
      toolNames: this.toolNames,
      stepKinds: [...PLAN_STEP_KINDS],
      systemPrompts: this.systemPrompts,
      sample: this.sampleNote,
      notes: this.skippedLines > 0 ? [`${this.skippedLines} unreadable line(s) left out (--skip-bad-lines)${this.skippedLines > MAX_LINE_NOTES ? `; the first ${MAX_LINE_NOTES}:` : ":"}`, ...this.notes] : [...this.notes],
      skippedLines: this.skippedLines,
    };
    return this.cached;
  }

  /** The system prompts seen in details so far (details refer to them by position). */
  get prompts(): string[] {
    return this.systemPrompts;
  }

  /** The dialogue at list position `pos`, read again from its file; null when there is none. */
  async detail(pos: number): Promise<DialogueDetail | null> {
    const ref = this.refs[pos];
    const row = this.rows[pos];
    if (!ref || !row) return null;
    const fh = await open(ref.file, "r");
    let text: string;
    try {
      const buf = Buffer.alloc(ref.length);
      await fh.read(buf, 0, ref.length, ref.start);
      // checked when the line was first read; strict again in case the file changed since (with --lossy-utf8 its
      // bad bytes were counted then: replaced again without counting them twice)
      text = isLossyUtf8() ? buf.toString("utf8") : decodeUtf8(buf, ref.file, { line: ref.line, baseOffset: ref.start });
    } finally {
      await fh.close();
    }
    const p = row.a ? parseJsonlLine(text, DialogueRecordZ, "toolflow record") : parseJsonlLine(text, RejectedRecordZ, "toolflow record");
    if (!p.ok) throw new InputError(p.problem.message, { file: ref.file, line: ref.line });
    const r: RejectedRecord = "rejectedBy" in p.value ? p.value : { ...p.value, rejectedBy: [] };
    return this.detailOf(r, row.a === 1, await this.withTools(r));
  }

  /** The sample's tool names (samples.jsonl) and the specs of the run's tools.jsonl, when the files are there. */
  private async offeredTools(): Promise<NonNullable<RunData["offered"]>> {
    if (this.offered) return this.offered;
    const samples = new Map<string, string[]>();
    const specs = new Map<string, ToolSpec>();
    const readLines = async <T>(file: string | undefined, parse: (v: unknown) => T | undefined, each: (v: T) => void) => {
      if (file === undefined || !existsSync(file)) return;
      // line by line as the run's files are: a line that is not UTF-8 is an unreadable line (error, or skipped and
      // named with --skip-bad-lines; replaced with --lossy-utf8), never read with U+FFFD in a tool name
      for await (const { text: l, ref, bad } of new JsonlFollower(file).read(true)) {
        if (bad) {
          this.badLine(file, ref.line, { message: bad });
          continue;
        }
        try {
          const v = parse(JSON.parse(l));
          if (v !== undefined) each(v);
        } catch {
          // a line that is not one: skipped (the page then lists fewer offered tools)
        }
      }
    };
    await readLines(join(this.dir, RUN_FILES.samples), (v) => ToolSampleZ.safeParse(v).data, (x) => samples.set(x.id, x.tools));
    const inputs = (this.manifest?.inputs ?? {}) as { tools?: { path?: unknown } };
    const toolsFile = typeof inputs.tools?.path === "string" ? inputs.tools.path : undefined;
    await readLines(toolsFile, (v) => ToolSpecZ.safeParse(v).data, (t) => specs.set(t.name, t));
    this.offered = { samples, specs };
    return this.offered;
  }

  private async withTools(r: RejectedRecord): Promise<{ names: string[]; specs: ToolSpec[] }> {
    if (r.tools) return { names: r.tools.map((t) => t.name), specs: r.tools };
    const o = await this.offeredTools();
    const called = (r.messages ?? []).flatMap((m) => (m.role === "assistant" ? (m.tool_calls ?? []).map((c) => c.function.name) : []));
    const names = o.samples.get(r.sampleId ?? "") ?? [...new Set(called)];
    return { names, specs: names.flatMap((n) => o.specs.get(n) ?? []) };
  }

  private detailOf(r: RejectedRecord, accepted: boolean, offered: { names: string[]; specs: ToolSpec[] }): DialogueDetail {
    const messages: Message[] = (r.messages ?? []).map((m) => ({ ...m }));
    let systemPrompt: number | null = null;
    const sys = messages[0];
    if (sys?.role === "system") {
      let i = this.systemIndex.get(sys.content);
      if (i === undefined) {
        i = this.systemPrompts.length;
        this.systemPrompts.push(sys.content);
        this.systemIndex.set(sys.content, i);
      }
      systemPrompt = i;
      messages[0] = { role: "system", content: "" };
    }
    const stepOf = r.stepOf ?? messages.map(() => null);
    const checks = r.verification?.checks ?? [];
    const planReasons = checks.find((c) => c.name === "plan")?.reasons ?? [];
    const plan: DialogueDetail["plan"] = r.plan
      ? {
          unusedTools: r.plan.unusedTools,
          steps: r.plan.steps.map((s): PlanStepView => {
            const own = stepOf.flatMap((x, i) => (x === s.id ? [i] : []));
            const re = new RegExp(`\\bstep ${s.id}\\b`);
            const problems = planReasons.filter((x) => re.test(x));
            return {
              id: s.id,
              kind: s.kind,
              intent: s.intent,
              tools: s.tools,
              dependsOn: s.dependsOn,
              ...(s.missingArgs ? { missingArgs: s.missingArgs } : {}),
              messages: own,
              done: own.length > 0 && problems.length === 0,
              problems,
            };
          }),
        }
      : null;
    const line = this.judgeLines.get(r.id);
    const judge = r.judge
      ? { scores: r.judge }
      : line?.judge
        ? { scores: line.judge.scores, rationale: line.judge.rationale, model: line.judge.model }
        : null;
    const sources =
      r.messages && r.stepOf ? argumentSources({ tools: offered.specs, plan: r.plan ?? null, messages: r.messages, stepOf: r.stepOf }) : [];
    return {
      id: r.id,
      index: r.index,
      accepted,
      ...(r.sampleId ? { sampleId: r.sampleId } : {}),
      messages,
      systemPrompt,
      stepOf,
      plan,
      checks,
      rejectedBy: r.rejectedBy ?? [],
      tools: offered.names,
      models: r.models ?? {},
      backend: r.backend ?? null,
      usage: Object.fromEntries(Object.entries(r.usage ?? {}).map(([k, u]) => [k, { promptTokens: u.promptTokens, completionTokens: u.completionTokens }])),
      judge,
      roundTrip: line?.roundTrip ?? null,
      sources,
      ...(r.execution ? { execution: r.execution } : {}),
      ...(r.reasoning ? { reasoning: r.reasoning } : {}),
    };
  }
}
