/**
 * Building DIR/manifest.json (its schema and reader are the data layer's: src/data/run.ts): what a run was asked
 * to do and what it did, with its cost. Rewritten atomically at checkpoints. Never holds an API key: URLs lose
 * their user-info and key-like strings are scrubbed.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { packageVersion, stripUrlCredentials, writeFileAtomic } from "../core/index.js";
import { MANIFEST_FORMAT, RUN_FILES, type Manifest, type Session } from "../data/index.js";
import { redact } from "../llm/index.js";
import type { RunDefinition } from "./option-table.js";
import type { TallySnapshot, UsageTotals } from "./tally.js";

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
