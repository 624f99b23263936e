/**
 * synth's options, once: every flag of `toolflow synth` is one entry of SYNTH_OPTION_TABLE with its spelling, help,
 * parser, default, the SynthOptions field it sets, whether it is part of the run definition (compared on
 * --resume) and how the manifest records it. The CLI declares its flags from the table (src/cli/synth-cmd.ts), the
 * flags become SynthOptions through it (`synthOptionsFromFlags`), and the run definition (`runDefinition`), the
 * names of the definition's flags in resume errors and the manifest's `options` (`manifestOptions`) are derived
 * from it. Adding an option is one entry (plus its field in SynthOptionsZ, and in RunDefinition when it defines
 * the run); option-table.test.ts fails when they drift.
 */
import { resolve } from "node:path";
import {
  DEFAULT_STEP_MIX,
  DIALOGUE_ROLES,
  flagAttribute,
  intOption,
  listOption,
  longFlag,
  numberOption,
  parseSizeRange,
  sharedOptions,
  stripUrlCredentials,
  urlOption,
  type DialogueRole,
  type OptionSpec,
  type StepMix,
} from "../core/index.js";
import { diffDefinitions, type DefinitionDiff } from "../data/index.js";
import { parseIncludeFlagged } from "../tools/index.js";
import { defaultMaxAttempts, parseStepMix, type SynthOptions } from "./options.js";

/**
 * What defines a run's content. A resumed run must match these exactly (inputs are compared by content hash, so a
 * moved file is fine and an edited one is not). Concurrency, cache, prices and the output path may change.
 * Each field comes from the entries of SYNTH_OPTION_TABLE whose `definition.field` names it.
 */
export interface RunDefinition {
  tools: string;
  graph: string | null;
  samples: string | null;
  count: number;
  llm: string[];
  roleLlm: Partial<Record<DialogueRole, string>>;
  seed: number;
  sampling: string;
  size: string;
  /** Present only when set (`--include-flagged`; older manifests lack it). */
  includeFlagged?: true | string[];
  plan: boolean;
  maxTurns: number | null;
  toolErrorRate: number | null;
  stepMix: StepMix;
  /** `--keep-reasoning` (false in runs written before it existed). */
  keepReasoning: boolean;
  provenance: string;
  /** Present only when repair at the turn is off (`--no-turn-repair`). */
  turnRepair?: false;
  judge: string | null;
  /** Present only when set (`--judge-min`; older manifests lack it). */
  judgeMin?: number;
  /** Present only when set (`--judge-flaws`). */
  judgeFlaws?: true;
  /** Present only when set (older manifests have neither). */
  roundTrip?: string;
  roundTripMin?: number;
  maxAttempts: number;
  temperature: number | null;
  baseUrl: string | null;
  /** Present only when set (`--execute`, `--allow-writes`). */
  execute?: string;
  allowWrites?: boolean;
}

/** Content hashes of the input files (the definition compares inputs by content). */
export interface InputHashes {
  tools: string;
  graph: string | null;
  samples: string | null;
}

/**
 * How a flag enters the run definition: the field, and its value from the options (undefined: the field is left
 * out, for fields present only when set), or for an input file its content hash.
 */
export type DefinitionSpec = {
  [F in keyof RunDefinition]-?:
    | { field: F; value: (o: SynthOptions) => RunDefinition[F] | undefined }
    | { field: F; hash: keyof InputHashes & F };
}[keyof RunDefinition];

/**
 * How the manifest's `options` records a flag: "value" (as given; left out when not given), "path" (an absolute
 * path, null when not given), or a function (undefined: left out). An entry with a definition and no `manifest` is
 * recorded as its definition value (an input file: by its path).
 */
export type ManifestSpec = "value" | "path" | ((o: SynthOptions) => unknown);

/** The SynthOptions field a flag sets (`roleLlm.<role>` for the per-role models). */
export type SynthOptionKey = Exclude<keyof SynthOptions, "roleLlm"> | `roleLlm.${DialogueRole}`;

export interface SynthOptionEntry extends OptionSpec {
  /** The SynthOptions field this flag sets; absent for the command's own flags (--queue, --run, --progress-interval). */
  option?: SynthOptionKey;
  /** The flag's parsed value as the option's value (default: as it is); undefined leaves the option out. */
  toOption?: (value: unknown) => unknown;
  /** Part of the run definition (compared on --resume). */
  definition?: DefinitionSpec;
  /** Recorded in the manifest's `options`. */
  manifest?: ManifestSpec;
}

function def<F extends keyof RunDefinition>(field: F, value: (o: SynthOptions) => RunDefinition[F] | undefined): DefinitionSpec {
  return { field, value } as DefinitionSpec;
}

function hashOf<F extends keyof InputHashes>(field: F): DefinitionSpec {
  return { field, hash: field } as DefinitionSpec;
}

const roleEntry = (role: DialogueRole, help: string): SynthOptionEntry => ({
  flags: `--llm-${role} <spec>`,
  help,
  option: `roleLlm.${role}`,
  definition: def("roleLlm", (o) => {
    const roleLlm: Partial<Record<DialogueRole, string>> = {};
    for (const r of DIALOGUE_ROLES) {
      const v = o.roleLlm[r];
      if (v !== undefined) roleLlm[r] = v;
    }
    return roleLlm;
  }),
});

/** Every flag of `toolflow synth`, in the order `--help` lists them. */
export const SYNTH_OPTION_TABLE: readonly SynthOptionEntry[] = [
  { flags: "--tools <file>", help: "tools.jsonl (from `toolflow tools import`)", required: true, option: "tools", definition: hashOf("tools") },
  { flags: "--graph <file>", help: "graph.json (default: built from the tools with the lexical embedder)", option: "graph", definition: hashOf("graph") },
  { flags: "--samples <file>", help: "samples.jsonl to use instead of sampling (dialogue i uses sample i, cycling)", option: "samples", definition: hashOf("samples") },
  { flags: "--count <n>", help: "accepted dialogues to produce", parse: intOption("--count", 1), required: true, option: "count", definition: def("count", (o) => o.count) },
  { ...sharedOptions.out("dir", "the run folder (dialogues.jsonl, rejected.jsonl, samples.jsonl, manifest.json)", { required: true }), option: "out", manifest: "path" },
  {
    flags: "--llm <specs>",
    help: "model pool, comma-separated (sim, openai:<model>, llama:<path|hf:...>); one per dialogue",
    parse: listOption("--llm", "model specs"),
    option: "llm",
    definition: def("llm", (o) => o.llm),
  },
  roleEntry("planner", "model for the planner role"),
  roleEntry("user", "model for the user agent"),
  roleEntry("assistant", "model for the assistant agent"),
  roleEntry("tool", "model for the tool agent"),
  { flags: "--concurrency <n>", help: "dialogues generated at once", parse: intOption("--concurrency", 1, 1024), default: 4, option: "concurrency", manifest: "value" },
  { ...sharedOptions.seed(1), option: "seed", definition: def("seed", (o) => o.seed) },
  { ...sharedOptions.sampling(), option: "sampling", definition: def("sampling", (o) => o.sampling) },
  {
    flags: "--size <range>",
    help: "tools per sample, N or MIN-MAX",
    default: "2-5",
    option: "size",
    toOption: (v) => parseSizeRange(v as string),
    definition: def("size", (o) => `${o.size.min}-${o.size.max}`),
  },
  {
    flags: "--include-flagged [rules]",
    help: "sample the tools `toolflow tools lint` flags too (all, or those flagged only by these comma-separated rules); default: left out",
    option: "includeFlagged",
    toOption: (v) => (v === undefined ? undefined : parseIncludeFlagged(v as string | boolean)),
    definition: def("includeFlagged", (o) =>
      o.includeFlagged === true ? true : Array.isArray(o.includeFlagged) ? [...o.includeFlagged] : undefined,
    ),
  },
  { flags: "--no-plan", help: "no dialogue plan (the paper's w/o Plan ablation)", option: "plan", definition: def("plan", (o) => o.plan) },
  { flags: "--max-turns <n>", help: "maximum user turns per dialogue", parse: intOption("--max-turns", 1), option: "maxTurns", definition: def("maxTurns", (o) => o.maxTurns ?? null) },
  {
    flags: "--tool-error-rate <p>",
    help: "share of simulated tool calls that return an error",
    parse: numberOption("--tool-error-rate", 0, 1),
    option: "toolErrorRate",
    definition: def("toolErrorRate", (o) => o.toolErrorRate ?? null),
  },
  {
    flags: "--step-mix <mix>",
    help: "share of plan steps by kind, e.g. unsupported=0.1 (requests no tool serves; default 0)",
    parse: parseStepMix,
    option: "stepMix",
    definition: def("stepMix", (o) => ({ ...DEFAULT_STEP_MIX, ...o.stepMix })),
  },
  {
    flags: "--keep-reasoning",
    help: "store the assistant model's reasoning per assistant message (when the backend returns it)",
    default: false,
    option: "keepReasoning",
    definition: def("keepReasoning", (o) => o.keepReasoning ?? false),
  },
  {
    flags: "--provenance <mode>",
    help: "ungrounded arguments: reject the dialogue, flag them, or judge:<spec> (a model decides what the rules leave ungrounded)",
    default: "reject",
    option: "provenance",
    definition: def("provenance", (o) => o.provenance),
  },
  {
    flags: "--no-turn-repair",
    help: "with --provenance reject: do not send an ungrounded call back to the assistant at the turn it is made (the dialogue is only checked at the end)",
    option: "turnRepair",
    toOption: (v) => (v === false ? false : undefined),
    definition: def("turnRepair", (o) => (o.turnRepair === false ? false : undefined)),
    manifest: (o) => o.turnRepair !== false,
  },
  {
    flags: "--base-url <url>",
    help: "OpenAI-compatible endpoint (default OPENAI_BASE_URL)",
    parse: urlOption("--base-url"),
    option: "baseUrl",
    definition: def("baseUrl", (o) => (o.baseUrl === undefined ? null : stripUrlCredentials(o.baseUrl))),
  },
  { flags: "--cache <dir>", help: "response cache folder (a repeated or resumed run pays nothing twice)", option: "cache", manifest: "path" },
  { flags: "--prices <file>", help: "price table (JSON/YAML: $ per 1M input/output tokens per model)", option: "prices", manifest: "path" },
  {
    flags: "--judge <spec>",
    help: "score accepted dialogues with this model (naturalness, coherence, helpfulness, accuracy)",
    option: "judge",
    definition: def("judge", (o) => o.judge ?? null),
  },
  {
    flags: "--judge-flaws",
    help: "with --judge: reject dialogues in which the judge names a flaw (an invented value, a misreported result, a pointless action, ...; check judge)",
    option: "judgeFlaws",
    toOption: (v) => (v ? true : undefined),
    definition: def("judgeFlaws", (o) => (o.judgeFlaws ? true : undefined)),
  },
  {
    flags: "--judge-min <n>",
    help: "with --judge: reject dialogues the judge scores below N (1-5) on any axis (check judge)",
    parse: intOption("--judge-min", 1, 5),
    option: "judgeMin",
    definition: def("judgeMin", (o) => o.judgeMin),
  },
  {
    flags: "--round-trip <spec>",
    help: "reject dialogues this model cannot re-answer: each call turn asked with the conversation so far and the tools",
    option: "roundTrip",
    definition: def("roundTrip", (o) => o.roundTrip),
  },
  {
    flags: "--round-trip-min <x>",
    help: "least round-trip agreement a dialogue needs (default 1)",
    parse: numberOption("--round-trip-min", 0, 1),
    option: "roundTripMin",
    definition: def("roundTripMin", (o) => (o.roundTrip !== undefined ? o.roundTripMin ?? 1 : undefined)),
  },
  {
    flags: "--max-attempts <n>",
    help: "give up after this many attempts (default count*3+10)",
    parse: intOption("--max-attempts", 1),
    option: "maxAttempts",
    definition: def("maxAttempts", (o) => o.maxAttempts ?? defaultMaxAttempts(o.count)),
  },
  {
    flags: "--temperature <t>",
    help: "sampling temperature for every role",
    parse: numberOption("--temperature", 0, 2),
    option: "temperature",
    definition: def("temperature", (o) => o.temperature ?? null),
  },
  {
    flags: "--rpm <n>",
    help: "requests per minute over all model calls (with --queue: over all workers, through Redis)",
    parse: intOption("--rpm", 1),
    option: "rpm",
    manifest: "value",
  },
  { flags: "--tpm <n>", help: "tokens per minute over all model calls (with --queue: per worker)", parse: intOption("--tpm", 1), option: "tpm", manifest: "value" },
  { flags: "--resume", help: "continue the run in --out, and fail when there is none (the same command continues a run anyway; the options must match its manifest)", default: false, option: "resume" },
  { flags: "--force", help: "delete the run files in --out and start over (default: continue a run with the same options, refuse one with others)", default: false, option: "force" },
  { flags: "--dry-run", help: "render the first prompts and estimate calls, tokens and cost; write nothing", default: false, option: "dryRun" },
  {
    flags: "--execute <spec>",
    help: "run tool calls on their real servers: mcp, http, or NAME=simulate|mcp|http per tool or source, comma-separated (docs/execute.md)",
    option: "execute",
    definition: def("execute", (o) => o.execute),
  },
  {
    flags: "--execute-config <file>",
    help: "YAML/JSON: per source the base URL, the env var holding the auth header, timeouts, retries, rate limits",
    option: "executeConfig",
    manifest: (o) => (o.execute !== undefined ? absolute(o.executeConfig) : undefined),
  },
  {
    flags: "--allow-writes",
    help: "let executed calls change things (HTTP methods other than GET/HEAD, MCP tools not annotated read-only)",
    default: false,
    option: "allowWrites",
    toOption: (v) => (v ? true : undefined),
    definition: def("allowWrites", (o) => (o.execute !== undefined ? o.allowWrites ?? false : undefined)),
  },
  // the command's own flags: how and where it runs, not what the run is
  { flags: "--queue <url>", help: "run on `toolflow worker`s over Redis (redis://HOST:PORT/DB); needs --run (docs/scale.md)" },
  { flags: "--run <name>", help: "name of the queued run (started again, it continues the run)" },
  {
    flags: "--progress-interval <seconds>",
    help: "seconds between progress lines when stderr is not a terminal",
    parse: intOption("--progress-interval", 1),
  },
];

function absolute(p: string | undefined): string | null {
  return p === undefined ? null : resolve(p);
}

/**
 * SynthOptions from the parsed flags of `toolflow synth` (keyed as commander keys them): each entry's value through
 * its `toOption` (keyed as core's flagAttribute names it); options left undefined are left out. Validate the result with validateSynthOptions.
 */
export function synthOptionsFromFlags(flags: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { roleLlm: {} };
  for (const entry of SYNTH_OPTION_TABLE) {
    if (entry.option === undefined) continue;
    const raw = flags[flagAttribute(entry)];
    const value = entry.toOption ? entry.toOption(raw) : raw;
    if (value === undefined) continue;
    const [key, sub] = entry.option.split(".") as [string, string | undefined];
    if (sub !== undefined) (out[key] as Record<string, unknown>)[sub] = value;
    else out[key] = value;
  }
  return out;
}

function optionValue(o: SynthOptions, key: SynthOptionKey): unknown {
  const [k, sub] = key.split(".") as [keyof SynthOptions, string | undefined];
  const v = o[k];
  return sub !== undefined ? (v as Record<string, unknown>)[sub] : v;
}

/** Each definition field once, with the entries that set it (in table order). */
function definitionFields(): Map<keyof RunDefinition, { spec: DefinitionSpec; entries: SynthOptionEntry[] }> {
  const fields = new Map<keyof RunDefinition, { spec: DefinitionSpec; entries: SynthOptionEntry[] }>();
  for (const entry of SYNTH_OPTION_TABLE) {
    if (!entry.definition) continue;
    const f = fields.get(entry.definition.field);
    if (f) f.entries.push(entry);
    else fields.set(entry.definition.field, { spec: entry.definition, entries: [entry] });
  }
  return fields;
}

const DEFINITION_FIELDS = definitionFields();

/**
 * The flag(s) behind each RunDefinition field, for resume errors: `--seed`, `--no-plan`,
 * `--llm-planner/--llm-user/--llm-assistant/--llm-tool`, `--tools (file content)`.
 */
export const DEFINITION_FLAGS = Object.fromEntries(
  [...DEFINITION_FIELDS].map(([field, { spec, entries }]) => [
    field,
    entries.map(longFlag).join("/") + ("hash" in spec ? " (file content)" : ""),
  ]),
) as Record<keyof RunDefinition, string>;

/** The run definition of these options: each table entry's `definition`, fields whose value is undefined left out. */
export function runDefinition(options: SynthOptions, hashes: InputHashes): RunDefinition {
  const out: Record<string, unknown> = {};
  for (const [field, { spec }] of DEFINITION_FIELDS) {
    const value = "hash" in spec ? hashes[spec.hash] : spec.value(options);
    if (value !== undefined) out[field] = value;
  }
  return out as unknown as RunDefinition;
}

/**
 * Options as stored in the manifest (`options`): each entry's `manifest` (an entry with a definition and no
 * `manifest`: its definition value, an input file by its path); control flags are left out.
 */
export function manifestOptions(o: SynthOptions): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const done = new Set<string>();
  for (const entry of SYNTH_OPTION_TABLE) {
    if (entry.option === undefined) continue;
    const key = entry.definition?.field ?? entry.option;
    if (done.has(key)) continue;
    const m = entry.manifest;
    const d = entry.definition;
    let value: unknown;
    if (m === "value") value = optionValue(o, entry.option);
    else if (m === "path" || (m === undefined && d !== undefined && "hash" in d)) value = absolute(optionValue(o, entry.option) as string | undefined);
    else if (typeof m === "function") value = m(o);
    else if (d !== undefined && "value" in d) value = d.value(o);
    else continue;
    done.add(key);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** Fields added to RunDefinition after runs were first written, with the value such an older run used. */
export const ADDED_LATER: Partial<RunDefinition> = { stepMix: DEFAULT_STEP_MIX, keepReasoning: false };

/**
 * The fields where two run definitions differ, each with its CLI option name and both values: the data layer's
 * job rule (src/data/job.ts), which judge and eval follow too; synth keeps the definition in its manifest.
 */
export function diffRunDefinitions(before: RunDefinition, now: RunDefinition): Array<DefinitionDiff<keyof RunDefinition>> {
  return diffDefinitions(before, now, DEFINITION_FLAGS, ADDED_LATER);
}
