/**
 * DIR/manifest.json: what a run was asked to do (options, inputs by content hash, versions, seeds) and what it
 * did (counts accepted / rejected by check, tokens and cost per role and per model, sessions). Rewritten
 * atomically at checkpoints. Never holds an API key: URLs lose their user-info and key-like strings are scrubbed.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { ExecutedWriteZ, InputError, stripUrlCredentials } from "../core/index.js";
import { redact } from "../llm/index.js";
import { readJsonFile, writeFileAtomic } from "../core/index.js";
import { packageVersion } from "../core/index.js";
import { RUN_FILES } from "./store.js";
import type { RunDefinition } from "./options.js";
import type { TallySnapshot, UsageTotals } from "./tally.js";

export const MANIFEST_FORMAT = "toolflow-synth-manifest/1";

const UsageTotalsZ = z.object({
  promptTokens: z.number(),
  completionTokens: z.number(),
  cachedTokens: z.number(),
  estimated: z.boolean(),
});

export const SessionZ = z.object({
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  resumed: z.boolean(),
  status: z.string(),
  accepted: z.number().int(),
  rejected: z.number().int(),
  /** Bytes of torn tail removed when this session started. */
  repairedBytes: z.number().int().default(0),
  /** The model layer's usage summary of this session (calls, cache hits, tokens, cost). */
  usage: z.unknown().optional(),
});
export type Session = z.infer<typeof SessionZ>;

export const ManifestZ = z.object({
  format: z.literal(MANIFEST_FORMAT),
  status: z.enum(["running", "complete", "interrupted", "failed"]),
  error: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  versions: z.object({ toolflow: z.string(), node: z.string() }),
  /** The options that define the run's content (compared on --resume). */
  definition: z.record(z.string(), z.unknown()),
  /** Every option of the latest session, as given (paths, concurrency, cache...). */
  options: z.record(z.string(), z.unknown()),
  inputs: z.record(z.string(), z.unknown()),
  seeds: z.object({ run: z.number().int(), sampling: z.number().int().nullable(), dialogue: z.string() }),
  counts: z.object({
    target: z.number().int(),
    accepted: z.number().int(),
    rejected: z.number().int(),
    maxAttempts: z.number().int(),
    rejectedBy: z.record(z.string(), z.number().int()),
  }),
  usage: z.object({
    total: UsageTotalsZ,
    byRole: z.record(z.string(), UsageTotalsZ),
    byModel: z.record(z.string(), UsageTotalsZ),
    byRoleModel: z.record(z.string(), z.record(z.string(), UsageTotalsZ)),
  }),
  cost: z.object({
    currency: z.literal("USD"),
    /** null when no model of the run has a price. */
    total: z.number().nullable(),
    byModel: z.record(z.string(), z.number().nullable()),
    byRole: z.record(z.string(), z.number().nullable()),
    /** Models without a price entry (their cost is not in the total). */
    unpriced: z.array(z.string()),
    /**
     * What the same calls would have cost with no response-cache hits and no provider prompt caching: the tokens
     * paid (records) plus the tokens response-cache hits saved (sessions' usage), every prompt token at the input
     * price. (`total` etc. above are what was paid.) Absent in manifests of older versions.
     */
    withoutCache: z
      .object({
        total: z.number().nullable(),
        byModel: z.record(z.string(), z.number().nullable()),
        byRole: z.record(z.string(), z.number().nullable()),
      })
      .optional(),
    /** The price ($ per 1M tokens) each priced model got and where it came from (the package or --prices). */
    prices: z.record(z.string(), z.unknown()).optional(),
  }),
  judge: z.object({ judged: z.number().int(), mean: z.record(z.string(), z.number()) }).nullable(),
  /** Runs with --execute: tool messages of accepted dialogues by how they were made (absent otherwise). */
  execution: z
    .object({ executed: z.number().int(), executedErrors: z.number().int(), simulated: z.number().int(), returnsMismatch: z.number().int() })
    .optional(),
  /**
   * Runs with --execute --allow-writes: the writes that rejected dialogues executed. `discarded`: on the dialogue's
   * own server process (isolation: dialogue), gone with it; `left`: on a shared server (isolation: shared, HTTP APIs),
   * still there. `calls` lists the first 200 (rejected.jsonl has every one). Absent when there were none.
   */
  rejectedWrites: z
    .object({
      discarded: z.number().int(),
      left: z.number().int(),
      calls: z.array(ExecutedWriteZ.extend({ dialogue: z.string() })),
    })
    .optional(),
  sessions: z.array(SessionZ),
});
export type Manifest = z.infer<typeof ManifestZ>;

/** Price of some usage of one model in USD, or undefined when the model has no price. */
export type PriceFn = (model: string, usage: UsageTotals) => number | undefined;

/** SHA-256 of a file's bytes (inputs are identified by content, so a resumed run notices an edited file). */
export function fileSha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/**
 * Strip secrets from text bound for disk or a terminal: URL user-info (core's stripUrlCredentials), then the model
 * layer's redaction (registered keys, `sk-...` and other key-like tokens, bearer tokens, and the given values).
 */
export function redactSecrets(text: string, secrets: Array<string | undefined> = []): string {
  return redact(stripUrlCredentials(text), secrets);
}

/** Known places where keys live in the environment: their values are scrubbed from anything written. */
export function environmentSecrets(env: NodeJS.ProcessEnv = process.env): string[] {
  return Object.entries(env)
    .filter(([k, v]) => v && /(API_KEY|_TOKEN|SECRET|PASSWORD)$/i.test(k))
    .map(([, v]) => v as string);
}

/** Tokens response-cache hits saved, per role and model, summed over the sessions' usage summaries. */
export type SavedTokens = Record<string, Record<string, { promptTokens: number; completionTokens: number }>>;

export function savedTokensOf(sessions: readonly Session[]): SavedTokens {
  const out: SavedTokens = {};
  for (const s of sessions) {
    const brm = (s.usage as { byRoleModel?: unknown } | undefined)?.byRoleModel;
    if (!brm || typeof brm !== "object") continue;
    for (const [role, perModel] of Object.entries(brm as Record<string, unknown>)) {
      if (!perModel || typeof perModel !== "object") continue;
      for (const [model, b] of Object.entries(perModel as Record<string, unknown>)) {
        const bucket = b as { savedPromptTokens?: unknown; savedCompletionTokens?: unknown };
        const p = typeof bucket.savedPromptTokens === "number" ? bucket.savedPromptTokens : 0;
        const c = typeof bucket.savedCompletionTokens === "number" ? bucket.savedCompletionTokens : 0;
        if (p + c === 0) continue;
        const cell = ((out[role] ??= {})[model] ??= { promptTokens: 0, completionTokens: 0 });
        cell.promptTokens += p;
        cell.completionTokens += c;
      }
    }
  }
  return out;
}

/** Cost of the run's calls as if no cache had served any of them (see ManifestZ cost.withoutCache). */
export function computeCostWithoutCache(
  snapshot: TallySnapshot,
  price: PriceFn | undefined,
  saved: SavedTokens = {},
): NonNullable<Manifest["cost"]["withoutCache"]> {
  const cells = new Map<string, { role: string; model: string; usage: UsageTotals }>();
  const add = (role: string, model: string, p: number, c: number) => {
    const k = JSON.stringify([role, model]);
    const cell = cells.get(k) ?? { role, model, usage: { promptTokens: 0, completionTokens: 0, cachedTokens: 0, estimated: false } };
    cell.usage.promptTokens += p;
    cell.usage.completionTokens += c;
    cells.set(k, cell);
  };
  for (const [role, perModel] of Object.entries(snapshot.usage.byRoleModel))
    for (const [model, u] of Object.entries(perModel)) add(role, model, u.promptTokens, u.completionTokens);
  for (const [role, perModel] of Object.entries(saved))
    for (const [model, u] of Object.entries(perModel)) add(role, model, u.promptTokens, u.completionTokens);
  const { byModel, byRole, total } = priceCells(cells.values(), price);
  const sortRec = (o: Record<string, number | null>) => Object.fromEntries(Object.keys(o).sort().map((k) => [k, round6OrNull(o[k] ?? null)]));
  return { total: round6OrNull(total), byModel: sortRec(byModel), byRole: sortRec(byRole) };
}

/**
 * The costs of (role, model, usage) cells, summed in cell order per model, per role and in all: a model is null
 * when its last cell has no price, a role or the total only when none of its cells has one.
 */
function priceCells(
  cells: Iterable<{ role: string; model: string; usage: UsageTotals }>,
  price: PriceFn | undefined,
): { byModel: Record<string, number | null>; byRole: Record<string, number | null>; total: number | null } {
  const byModel: Record<string, number | null> = {};
  const byRole: Record<string, number | null> = {};
  let total: number | null = null;
  for (const { role, model, usage } of cells) {
    const cost = price?.(model, usage);
    if (cost === undefined) {
      byModel[model] = null;
      byRole[role] ??= null;
      continue;
    }
    byModel[model] = (byModel[model] ?? 0) + cost;
    byRole[role] = (byRole[role] ?? 0) + cost;
    total = (total ?? 0) + cost;
  }
  return { byModel, byRole, total };
}

export function computeCost(snapshot: TallySnapshot, price: PriceFn | undefined): Manifest["cost"] {
  const byModel: Record<string, number | null> = {};
  const unpriced: string[] = [];
  let total: number | null = null;
  for (const [model, usage] of Object.entries(snapshot.usage.byModel)) {
    const c = price?.(model, usage);
    if (c === undefined) {
      byModel[model] = null;
      if (usage.promptTokens + usage.completionTokens > 0) unpriced.push(model);
    } else {
      byModel[model] = round6(c);
      total = (total ?? 0) + c;
    }
  }
  const cells = Object.entries(snapshot.usage.byRoleModel).flatMap(([role, perModel]) =>
    Object.entries(perModel).map(([model, usage]) => ({ role, model, usage })),
  );
  const roleCosts = priceCells(cells, price).byRole;
  const byRole = Object.fromEntries(Object.keys(snapshot.usage.byRoleModel).map((role) => [role, round6OrNull(roleCosts[role] ?? null)]));
  return { currency: "USD", total: round6OrNull(total), byModel, byRole, unpriced: unpriced.sort() };
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function round6OrNull(x: number | null): number | null {
  return x === null ? null : round6(x);
}

export interface ManifestParts {
  createdAt: string;
  status: Manifest["status"];
  error?: string;
  definition: RunDefinition;
  options: Record<string, unknown>;
  inputs: Record<string, unknown>;
  seeds: Manifest["seeds"];
  maxAttempts: number;
  snapshot: TallySnapshot;
  price?: PriceFn;
  /** The price each model got and its source (RunModels.priceSources). */
  prices?: Record<string, unknown>;
  sessions: Session[];
}

export function buildManifest(parts: ManifestParts): Manifest {
  const m: Manifest = {
    format: MANIFEST_FORMAT,
    status: parts.status,
    createdAt: parts.createdAt,
    updatedAt: new Date().toISOString(),
    versions: { toolflow: packageVersion(), node: process.version },
    definition: { ...parts.definition },
    options: parts.options,
    inputs: parts.inputs,
    seeds: parts.seeds,
    counts: {
      target: parts.definition.count,
      accepted: parts.snapshot.accepted,
      rejected: parts.snapshot.rejected,
      maxAttempts: parts.maxAttempts,
      rejectedBy: parts.snapshot.rejectedBy,
    },
    usage: parts.snapshot.usage,
    cost: {
      ...computeCost(parts.snapshot, parts.price),
      withoutCache: computeCostWithoutCache(parts.snapshot, parts.price, savedTokensOf(parts.sessions)),
      ...(parts.prices ? { prices: parts.prices } : {}),
    },
    judge: parts.snapshot.judge,
    ...(parts.snapshot.execution ? { execution: parts.snapshot.execution } : {}),
    ...(parts.snapshot.rejectedWrites ? { rejectedWrites: parts.snapshot.rejectedWrites } : {}),
    sessions: parts.sessions,
  };
  if (parts.error !== undefined) m.error = parts.error;
  return m;
}

export async function writeManifest(dir: string, manifest: Manifest, secrets: string[] = []): Promise<void> {
  const text = redactSecrets(JSON.stringify(manifest, null, 2) + "\n", secrets);
  await writeFileAtomic(join(dir, RUN_FILES.manifest), text);
}

export async function readManifest(dir: string): Promise<Manifest> {
  const path = join(dir, RUN_FILES.manifest);
  const raw = await readJsonFile(path);
  const parsed = ManifestZ.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(`not a toolflow synth manifest: ${issue?.message ?? "invalid"}`, {
      file: path,
      pointer: "/" + (issue?.path.join("/") ?? ""),
    });
  }
  return parsed.data;
}
