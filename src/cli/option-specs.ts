/**
 * Declaring `OptionSpec`s (src/core/cli-options.ts) on a commander command, with their deprecated aliases: an alias
 * is a hidden option with the same value syntax that prints a one-line notice on standard error and sets the
 * canonical flag (so `required` holds when only the alias is given). `commanderOption` remembers each option's spec;
 * `installDeprecatedAliases` (called once on the whole program) adds the aliases of every such option.
 */
import { Option, type Command } from "commander";
import { flagAttribute, longFlag, UsageError, type OptionSpec } from "../core/index.js";

const SPECS = new WeakMap<Option, OptionSpec>();

/** The commander Option of a spec (`.addOption(commanderOption(spec))` in a command's chain). */
export function commanderOption(spec: OptionSpec): Option {
  const option = new Option(spec.flags, spec.help);
  SPECS.set(option, spec);
  if (spec.choices !== undefined) option.choices([...spec.choices]);
  else if (spec.repeatable) {
    const parse = spec.parse ?? ((value: string) => value);
    option.argParser((value: string, previous: unknown) => [...(Array.isArray(previous) ? previous : []), parse(value)]);
  } else if (spec.parse !== undefined) {
    const parse = spec.parse;
    option.argParser((value: string) => parse(value));
  }
  if (spec.default !== undefined) option.default(spec.default);
  if (spec.required) option.makeOptionMandatory();
  return option;
}

/** Add each spec to the command, in order. */
export function addOptionSpecs(cmd: Command, specs: readonly OptionSpec[]): Command {
  for (const spec of specs) cmd.addOption(commanderOption(spec));
  return cmd;
}

/** Add the deprecated aliases of every option made by `commanderOption`, in this command and its subcommands. */
export function installDeprecatedAliases(cmd: Command): void {
  for (const option of [...cmd.options]) {
    const spec = SPECS.get(option);
    for (const alias of spec?.deprecatedAliases ?? []) addDeprecatedAlias(cmd, spec as OptionSpec, alias);
  }
  for (const sub of cmd.commands) installDeprecatedAliases(sub);
}

function addDeprecatedAlias(cmd: Command, spec: OptionSpec, alias: string): void {
  const canonical = longFlag(spec);
  const value = /\s(<[^>]*>|\[[^\]]*\])\s*$/.exec(spec.flags)?.[1] ?? "";
  const hidden = commanderOption({
    flags: `${alias}${value ? ` ${value}` : ""}`,
    help: `deprecated: ${canonical}`,
    ...(spec.parse !== undefined ? { parse: spec.parse } : {}),
    ...(spec.choices !== undefined ? { choices: spec.choices } : {}),
  }).hideHelp();
  cmd.addOption(hidden);
  const aliasKey = hidden.attributeName();
  const canonicalKey = flagAttribute(spec);
  // commander's own listener (added with the option) has stored the parsed value when this one runs
  cmd.on(`option:${alias.replace(/^--/, "")}`, () => {
    const given = cmd.getOptionValue(aliasKey) as unknown;
    if (cmd.getOptionValueSource(canonicalKey) === "cli" && cmd.getOptionValue(canonicalKey) !== given) {
      throw new UsageError(`${alias} is the old spelling of ${canonical}: give one of them`);
    }
    process.stderr.write(`toolflow: ${alias} is deprecated; use ${canonical} (the same option)\n`);
    cmd.setOptionValueWithSource(canonicalKey, given, "cli");
  });
}
