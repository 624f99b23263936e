/**
 * Command-line options as data: an `OptionSpec` is one flag (its spelling, help, parser or choices, default,
 * deprecated aliases), from which the CLI declares it (src/cli/option-specs.ts adds specs to a commander command).
 * Here too: the value parsers every command shares (each names its flag in a UsageError, exit code 2) and the
 * flags that must mean the same thing in every command that has them (`--out`, `--seed`, `--sampling`).
 * Nothing here imports commander, so a stage (synth's option table) can describe its flags.
 */
import { UsageError } from "./errors.js";
import { SAMPLING_STRATEGIES } from "./types.js";

/** One command-line flag. */
export interface OptionSpec {
  /** commander's spelling: `--seed <n>`, `-o, --out <dir>`, `--no-plan`, `--include-flagged [rules]`. */
  flags: string;
  help: string;
  /** Turns the text given into the value (a UsageError naming the flag when it is wrong). */
  parse?: (value: string) => unknown;
  /** The values allowed (instead of `parse`). */
  choices?: readonly string[];
  /** The value when the flag is not given. */
  default?: unknown;
  required?: boolean;
  /** May be given more than once: the values (each through `parse`) are collected into an array, in order. */
  repeatable?: boolean;
  /**
   * Older spellings still accepted, with the same value syntax (e.g. `--output` for `--out`): each prints a one-line
   * deprecation notice on standard error and sets this flag. They are not listed in `--help`.
   */
  deprecatedAliases?: readonly string[];
}

/** The long flag of a spec: `-o, --out <dir>` -> `--out`, `--no-plan` -> `--no-plan`. */
export function longFlag(spec: Pick<OptionSpec, "flags">): string {
  const m = /(--[a-z0-9-]+)/.exec(spec.flags);
  if (!m) throw new Error(`option spec without a long flag: ${spec.flags}`);
  return m[1] as string;
}

/** The key a parsed flag is stored under (as commander names it): `--llm-planner` -> llmPlanner, `--no-plan` -> plan. */
export function flagAttribute(spec: Pick<OptionSpec, "flags">): string {
  return longFlag(spec)
    .replace(/^--(no-)?/, "")
    .replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** An integer between min and max. */
export function intOption(flag: string, min: number, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    if (!/^\s*-?\d+\s*$/.test(value)) throw new UsageError(`${flag}: expected an integer, got "${value}"`);
    const n = Number(value);
    if (n < min || n > max) throw new UsageError(`${flag}: must be between ${min} and ${max}, got ${n}`);
    return n;
  };
}

/** A finite number between min and max. */
export function numberOption(flag: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === "" || !Number.isFinite(n)) throw new UsageError(`${flag}: expected a number, got "${value}"`);
    if (n < min || n > max) throw new UsageError(`${flag}: must be between ${min} and ${max}, got ${n}`);
    return n;
  };
}

/** An http(s) URL with a host, e.g. an OpenAI-compatible `--base-url` (anything else is a usage error, exit 2). */
export function urlOption(flag: string) {
  return (value: string): string => {
    let url: URL | undefined;
    try {
      url = new URL(value.trim());
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:") || url.hostname === "") {
      throw new UsageError(`${flag}: expected an http(s) URL such as http://127.0.0.1:8080/v1, got "${value}"`);
    }
    return value.trim();
  };
}

/** A comma-separated list (empty items dropped; at least one). `what` names the items in the error. */
export function listOption(flag: string, what = "values") {
  return (value: string): string[] => {
    const items = value
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
    if (items.length === 0) throw new UsageError(`${flag}: expected a comma-separated list of ${what}`);
    return items;
  };
}

/** Largest seed: every seed goes through the seeded RNG as an unsigned 32-bit integer (src/core/rng.ts). */
export const MAX_SEED = 0xffffffff;

/** The help of `--seed`, the same in every command that has it. */
export const SEED_HELP = `seed of the command's randomness (an integer 0-${MAX_SEED}; the same seed and inputs give the same result)`;

/** The lead of `--out`'s help in every command: what follows it says what the command writes there. */
export const OUT_HELP = "where this command writes";

/** The help of `--sampling`, the same in every command that has it. */
export const SAMPLING_HELP = "tool sampling strategy: walk (the paper's random walk on the graph), random (no graph), balanced (favours unused tools)";

/**
 * The flags that mean the same in every command that has them. Each command gives only what differs: the default
 * seed, what it writes at `--out` (and whether `--out` is required).
 */
export const sharedOptions = {
  /** `--seed N`: the seed of the command's randomness. */
  seed(defaultSeed: number): OptionSpec {
    return { flags: "--seed <n>", help: SEED_HELP, parse: intOption("--seed", 0, MAX_SEED), default: defaultSeed };
  },
  /**
   * `-o, --out PATH`: where the command writes (`--output` is its deprecated spelling). `placeholder` is `file`,
   * `dir` or `path`; `what` says what is written there.
   */
  out(placeholder: "file" | "dir" | "path", what: string, opts: { required?: boolean } = {}): OptionSpec {
    return {
      flags: `-o, --out <${placeholder}>`,
      help: `${OUT_HELP}: ${what}`,
      ...(opts.required ? { required: true } : {}),
      deprecatedAliases: ["--output"],
    };
  },
  /** `--sampling STRATEGY` (`--strategy` is its deprecated spelling). */
  sampling(): OptionSpec {
    return { flags: "--sampling <strategy>", help: SAMPLING_HELP, choices: SAMPLING_STRATEGIES, default: "walk", deprecatedAliases: ["--strategy"] };
  },
} as const;
