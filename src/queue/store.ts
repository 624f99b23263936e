/**
 * A queued run in Redis, under `toolflow:run:<name>:`:
 *
 *   def       the run as `synth` planned it (options, definition, manifest parts), set once (SET NX)
 *   samples   the run's tool samples (JSON array); dialogue i uses samples[i % length]
 *   tools     the tool specs the samples name (JSON array)
 *   rec       hash index -> outcome (accepted or rejected record), written with HSETNX: a job done twice stores one
 *   counts    hash: accepted / rejected outcomes stored (incremented in the same script as HSETNX)
 *   enq       how many indices have been enqueued (0 .. enq-1)
 *   errors    hash index -> why a job failed for good (a fatal error: bad credentials, an unknown model)
 *   sessions  list of the `synth` sessions that followed the run (JSON)
 *
 * Everything read back is validated (zod): Redis is shared and another version may have written it.
 */
import type { Redis } from "ioredis";
import { z } from "zod";
import {
  DialogueRecordZ,
  RejectedRecordZ,
  ToolSampleZ,
  ToolSpecZ,
  UsageError,
  type DialogueRecord,
  type RejectedRecord,
  type ToolSample,
  type ToolSpec,
} from "../core/index.js";
import { redactedJson } from "../llm/index.js";
import { QueueError } from "./connection.js";

export const QUEUE_RUN_FORMAT = "toolflow-queue-run/1";
/** The BullMQ queue every run's jobs go to; workers take jobs of any run from it. */
export const QUEUE_NAME = "toolflow-synth";

const RUN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Check a `--run` name: letters, digits, `.`, `_`, `-` (it becomes part of Redis keys and job ids). */
export function checkRunName(name: string, flag = "--run"): string {
  if (!RUN_NAME.test(name)) {
    throw new UsageError(`${flag}: a run name is 1-100 letters, digits, ".", "_" or "-" (starting with a letter or digit), got "${name}"`);
  }
  return name;
}

/** The BullMQ job id of dialogue `index` of `run` (BullMQ ignores a second job with the same id while it exists). */
export function jobIdOf(run: string, index: number): string {
  return `${run}-${index}`;
}

export const StoredRunZ = z.object({
  format: z.literal(QUEUE_RUN_FORMAT),
  run: z.string(),
  /** The validated SynthOptions of the `synth` that planned the run (workers re-validate them). */
  options: z.record(z.string(), z.unknown()),
  /** The RunDefinition (compared when `synth` is started again under the same name). */
  definition: z.record(z.string(), z.unknown()),
  /** What collect needs for manifest.json beyond the records. */
  manifest: z.object({
    createdAt: z.string(),
    options: z.record(z.string(), z.unknown()),
    inputs: z.record(z.string(), z.unknown()),
    seeds: z.object({ run: z.number().int(), sampling: z.number().int().nullable(), dialogue: z.string() }),
    maxAttempts: z.number().int().min(1),
    /** The price table of the run's models ($ per 1M tokens) and where each price came from. */
    prices: z.record(z.string(), z.object({ input: z.number(), output: z.number(), cachedInput: z.number().optional() })),
    priceSources: z.record(z.string(), z.unknown()),
  }),
});
export type StoredRun = z.infer<typeof StoredRunZ>;

export type StoredOutcome =
  | { kind: "accepted"; record: DialogueRecord }
  | { kind: "rejected"; generationFailure: boolean; record: RejectedRecord };

const OutcomeHeadZ = z.object({ kind: z.enum(["accepted", "rejected"]), generationFailure: z.boolean().optional(), record: z.unknown() });

/** HSETNX the outcome; only the first write counts it (atomic, so a killed worker cannot leave the count off). */
const STORE_OUTCOME = `
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
  return 1
end
return 0`;

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new QueueError(`${what} in Redis is not JSON: ${(err as Error).message}`);
  }
}

/** Parse a stored outcome; the record is validated and kept exactly as the worker wrote it. */
export function parseOutcome(text: string, where: string): StoredOutcome {
  const head = OutcomeHeadZ.safeParse(parseJson(text, where));
  if (!head.success) throw new QueueError(`${where}: not a dialogue outcome (${head.error.issues[0]?.message ?? "invalid"})`);
  const schema = head.data.kind === "accepted" ? DialogueRecordZ : RejectedRecordZ;
  const checked = schema.safeParse(head.data.record);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new QueueError(`${where}: invalid ${head.data.kind} record at /${issue?.path.join("/") ?? ""}: ${issue?.message ?? "invalid"}`);
  }
  return head.data.kind === "accepted"
    ? { kind: "accepted", record: head.data.record as DialogueRecord }
    : { kind: "rejected", generationFailure: head.data.generationFailure ?? false, record: head.data.record as RejectedRecord };
}

export class RunStore {
  readonly prefix: string;
  constructor(
    readonly redis: Redis,
    readonly run: string,
  ) {
    this.prefix = `toolflow:run:${checkRunName(run)}:`;
  }

  key(name: "def" | "samples" | "tools" | "rec" | "counts" | "enq" | "errors" | "sessions"): string {
    return this.prefix + name;
  }

  /** The stored run, or undefined when there is none under this name. */
  async load(): Promise<StoredRun | undefined> {
    const text = await this.redis.get(this.key("def"));
    if (text === null) return undefined;
    const parsed = StoredRunZ.safeParse(parseJson(text, `run "${this.run}"`));
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new QueueError(`run "${this.run}" in Redis is not a toolflow queue run (/${issue?.path.join("/") ?? ""}: ${issue?.message ?? "invalid"})`);
    }
    return parsed.data;
  }

  /**
   * Store a new run: inputs first, then the definition with SET NX. Returns the run already stored under this
   * name when there is one (then nothing is written).
   */
  async create(run: StoredRun, samples: readonly ToolSample[], tools: readonly ToolSpec[]): Promise<StoredRun | undefined> {
    const existing = await this.load();
    if (existing) return existing;
    // inputs under a claim, so that two `synth`s racing for one name cannot mix their inputs
    const claimed = await this.redis.set(this.prefix + "claim", String(process.pid), "EX", 60, "NX");
    if (claimed === null) throw new QueueError(`run "${this.run}" is being created by another synth; try again in a minute`);
    await this.redis.set(this.key("samples"), JSON.stringify(samples));
    await this.redis.set(this.key("tools"), JSON.stringify(tools));
    await this.redis.set(this.key("def"), JSON.stringify(run), "NX");
    await this.redis.del(this.prefix + "claim");
    return undefined;
  }

  async inputs(): Promise<{ samples: ToolSample[]; tools: Map<string, ToolSpec> }> {
    const [s, t] = await this.redis.mget(this.key("samples"), this.key("tools"));
    if (s == null || t == null) throw new QueueError(`run "${this.run}" has no samples or tools in Redis`);
    const samples = z.array(ToolSampleZ).safeParse(parseJson(s, `samples of run "${this.run}"`));
    const tools = z.array(ToolSpecZ).safeParse(parseJson(t, `tools of run "${this.run}"`));
    if (!samples.success || !tools.success) throw new QueueError(`run "${this.run}": invalid samples or tools in Redis`);
    return { samples: samples.data, tools: new Map(tools.data.map((x) => [x.name, x])) };
  }

  /**
   * Store the outcome of dialogue `index` unless one is stored; true when this call stored it. Registered secrets
   * (the worker's keys and `--execute` auth values, in any encoded form) are replaced in it first.
   */
  async storeOutcome(index: number, outcome: StoredOutcome): Promise<boolean> {
    const stored = await this.redis.eval(STORE_OUTCOME, 2, this.key("rec"), this.key("counts"), String(index), redactedJson(outcome), outcome.kind);
    return stored === 1;
  }

  async hasOutcome(index: number): Promise<boolean> {
    return (await this.redis.hexists(this.key("rec"), String(index))) === 1;
  }

  /** The stored outcomes of indices from..from+n-1 (raw JSON, null where none is stored). */
  async rawOutcomes(from: number, n: number): Promise<Array<string | null>> {
    if (n <= 0) return [];
    const fields = Array.from({ length: n }, (_, i) => String(from + i));
    return this.redis.hmget(this.key("rec"), ...fields);
  }

  /** Outcomes stored so far, by kind. */
  async counts(): Promise<{ accepted: number; rejected: number }> {
    const [a, r] = await this.redis.hmget(this.key("counts"), "accepted", "rejected");
    return { accepted: Number(a ?? 0), rejected: Number(r ?? 0) };
  }

  async enqueued(): Promise<number> {
    return Number((await this.redis.get(this.key("enq"))) ?? 0);
  }

  async setEnqueued(n: number): Promise<void> {
    await this.redis.set(this.key("enq"), String(n));
  }

  async recordError(index: number, message: string): Promise<void> {
    await this.redis.hset(this.key("errors"), String(index), message);
  }

  /** The first job error stored for the run, if any. */
  async firstError(): Promise<{ index: number; message: string } | undefined> {
    if ((await this.redis.hlen(this.key("errors"))) === 0) return undefined;
    const all = await this.redis.hgetall(this.key("errors"));
    const first = Object.keys(all).map(Number).sort((a, b) => a - b)[0];
    return first === undefined ? undefined : { index: first, message: all[String(first)] ?? "" };
  }

  /** Append a session; returns its position for updateSession. */
  async addSession(session: unknown): Promise<number> {
    return (await this.redis.rpush(this.key("sessions"), JSON.stringify(session))) - 1;
  }

  async updateSession(position: number, session: unknown): Promise<void> {
    await this.redis.lset(this.key("sessions"), position, JSON.stringify(session));
  }

  async sessions(): Promise<unknown[]> {
    return (await this.redis.lrange(this.key("sessions"), 0, -1)).map((s) => parseJson(s, `a session of run "${this.run}"`));
  }
}
