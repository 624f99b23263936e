/**
 * A job's options as one table (judge, `eval bfcl`; synth has its own, richer one in src/synth/option-table.ts):
 * every flag of the command is one `JobOptionEntry` (an `OptionSpec`, so the CLI declares it with addOptionSpecs)
 * with the field of the job's options it sets and, when it decides the results, the field of the job definition
 * (the settings stored in the job folder and compared on a rerun, src/data/job.ts) and how its value is worked out.
 * A positional argument that defines the job (judge's DATA) is a `JobArgumentEntry`. From the table come the
 * options built from the parsed flags (`jobOptionsFromFlags`), the definition (`jobDefinition`) and the option named
 * for each definition field when a rerun is refused (`jobDefinitionFlags`).
 *
 * Also here: the options of every command that asks a served model (`ENDPOINT_OPTION_SPECS`: the endpoint, the
 * budgets, the timeout, the cache, the price table), keyed by the model layer's setting names.
 */
import { UsageError } from "./errors.js";
import { flagAttribute, intOption, longFlag, urlOption, type OptionSpec } from "./cli-options.js";

/** How a definition field is worked out from the job's options (each entry names one field). */
export type JobDefinitionSpec<O, D> = { [F in keyof D]-?: { field: F; value: (o: O) => D[F] } }[keyof D];

/** One flag of a job's command. */
export interface JobOptionEntry<O, D> extends OptionSpec {
  /** The field of the job's options this flag sets; absent for the command's own flags (`--json`, `--check`). */
  option?: keyof O & string;
  /** The flag's parsed value as the option's value (default: as it is); undefined leaves the option out. */
  toOption?: (value: unknown) => unknown;
  /** Part of the job definition (stored in the job folder and compared on a rerun). */
  definition?: JobDefinitionSpec<O, D>;
}

/** A positional argument that is part of the job definition (judge's `DATA`). */
export interface JobArgumentEntry<O, D> {
  /** As named in messages: `DATA`. */
  argument: string;
  definition: JobDefinitionSpec<O, D>;
}

/** A job command's options: its defining arguments and every flag, in the order `--help` lists them. */
export interface JobOptionTable<O, D> {
  arguments: readonly JobArgumentEntry<O, D>[];
  options: readonly JobOptionEntry<O, D>[];
}

/** A definition entry (typed for one field; the table's entries are the union over the fields). */
export function defineField<O, D, F extends keyof D>(field: F, value: (o: O) => D[F]): JobDefinitionSpec<O, D> {
  return { field, value } as unknown as JobDefinitionSpec<O, D>;
}

/**
 * The job's options from the parsed flags (keyed as commander keys them, core's flagAttribute): each entry's value
 * through its `toOption`; options left undefined are left out, and the command's own flags are not included.
 */
export function jobOptionsFromFlags<O, D>(table: JobOptionTable<O, D>, flags: Readonly<Record<string, unknown>>): Partial<O> {
  const out: Record<string, unknown> = {};
  for (const entry of table.options) {
    if (entry.option === undefined) continue;
    const raw = flags[flagAttribute(entry)];
    const value = entry.toOption ? entry.toOption(raw) : raw;
    if (value !== undefined) out[entry.option] = value;
  }
  return out as Partial<O>;
}

type Source<O, D> = { label: string; definition: JobDefinitionSpec<O, D> };

/** Each definition field once, with the arguments and flags that set it (arguments first, then in table order). */
function definitionSources<O, D>(table: JobOptionTable<O, D>): Map<keyof D, { spec: JobDefinitionSpec<O, D>; labels: string[] }> {
  const sources: Array<Source<O, D>> = [
    ...table.arguments.map((a) => ({ label: a.argument, definition: a.definition })),
    ...table.options.flatMap((e) => (e.definition ? [{ label: longFlag(e), definition: e.definition }] : [])),
  ];
  const fields = new Map<keyof D, { spec: JobDefinitionSpec<O, D>; labels: string[] }>();
  for (const s of sources) {
    const f = fields.get(s.definition.field);
    if (f) f.labels.push(s.label);
    else fields.set(s.definition.field, { spec: s.definition, labels: [s.label] });
  }
  return fields;
}

/** The argument or flag(s) behind each definition field, as a refused rerun names them (`DATA`, `--seed`). */
export function jobDefinitionFlags<O, D>(table: JobOptionTable<O, D>): { [K in keyof D]-?: string } {
  const out: Record<string, string> = {};
  for (const [field, { labels }] of definitionSources(table)) out[field as string] = labels.join("/");
  return out as { [K in keyof D]-?: string };
}

/** The job definition of these options: each field from its entry, in table order (arguments first). */
export function jobDefinition<O, D>(table: JobOptionTable<O, D>, options: O): D {
  const out: Record<string, unknown> = {};
  for (const [field, { spec }] of definitionSources(table)) out[field as string] = spec.value(options);
  return out as D;
}

/**
 * `--tool-mode native|prompt|auto` (eval heldout, judge) as the model layer's `nativeTools`: "auto", or whether to
 * use native tool calls.
 */
export function parseToolMode(value: string): "auto" | boolean {
  if (!["native", "prompt", "auto"].includes(value)) throw new UsageError(`--tool-mode must be native, prompt or auto (got "${value}")`);
  return value === "auto" ? "auto" : value === "native";
}

/** The model layer's settings the endpoint flags set. */
export interface EndpointSettings {
  baseURL?: string;
  requestsPerMinute?: number;
  tokensPerMinute?: number;
  timeoutMs?: number;
  cacheDir?: string;
  pricesFile?: string;
}

/**
 * The flags of every command that asks a served model (eval bfcl, eval heldout, judge, verify), each with the
 * setting it sets (a job table spreads these entries into its own).
 */
export const ENDPOINT_OPTION_SPECS: ReadonlyArray<OptionSpec & { option: keyof EndpointSettings }> = [
  {
    flags: "--base-url <url>",
    help: "OpenAI-compatible endpoint (default OPENAI_BASE_URL); the key is read from OPENAI_API_KEY",
    parse: urlOption("--base-url"),
    option: "baseURL",
  },
  { flags: "--rpm <n>", help: "requests per minute budget", parse: intOption("--rpm", 1), option: "requestsPerMinute" },
  { flags: "--tpm <n>", help: "tokens per minute budget", parse: intOption("--tpm", 1), option: "tokensPerMinute" },
  { flags: "--timeout <ms>", help: "per-attempt timeout in milliseconds", parse: intOption("--timeout", 1), option: "timeoutMs" },
  { flags: "--cache <dir>", help: "response cache folder (a rerun pays nothing twice)", option: "cacheDir" },
  { flags: "--prices <file>", help: "price table (JSON/YAML: $ per 1M input/output tokens per model) for the cost figures", option: "pricesFile" },
];

/** The endpoint flags (keyed as commander keys them) as the model layer's settings (only those given). */
export function endpointSettingsFromFlags(flags: Readonly<Record<string, unknown>>): EndpointSettings {
  const out: Record<string, unknown> = {};
  for (const spec of ENDPOINT_OPTION_SPECS) {
    const v = flags[flagAttribute(spec)];
    if (v !== undefined) out[spec.option] = v;
  }
  return out as EndpointSettings;
}
