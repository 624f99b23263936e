/**
 * `toolflow doctor --llm openai:<model> [--base-url URL] [--cache DIR] [--json]`: what the endpoint does, what
 * toolflow uses instead, and the server's own (redacted) messages. Exit 0 when synth can run on the endpoint, 1 when
 * it cannot (with the reason); an authentication failure stops at once. See docs/doctor.md.
 */
import type { Command } from "commander";
import { checkOutputDir, guardWrite, ToolflowError, UsageError } from "../core/index.js";
import { PROFILE_KEYS, runDoctor, saveEndpointProfile, type DoctorReport } from "../doctor/index.js";
import { redact } from "../llm/index.js";
import { intOption, urlOption } from "./options.js";

interface DoctorFlags {
  llm?: string;
  baseUrl?: string;
  cache?: string;
  json?: boolean;
  timeout: number;
}

/** The text report: one row per check. */
export function formatDoctor(report: DoctorReport, stored?: string): string {
  const rows: string[][] = [["check", "works", "found", "toolflow uses", "server said"]];
  for (const c of report.checks) rows.push([c.name, c.ok ? "yes" : "no", c.found, c.uses, c.message ?? ""]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? "").length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join("  ").trimEnd();
  const out = [`endpoint ${report.endpoint}, model ${report.model}`, "", line(rows[0]!), ...rows.slice(1).map(line), ""];
  out.push(report.usable ? "synth can run on this endpoint." : `synth cannot run on this endpoint: ${report.reason ?? "unknown reason"}`);
  if (stored) out.push(`stored: ${stored}`);
  return redact(out.join("\n")) + "\n";
}

export function registerDoctorCommands(program: Command): void {
  program
    .command("doctor")
    .description(
      "Find what an OpenAI-compatible endpoint does (chat, native or text tool calls, tool_choice, parallel calls, " +
        "json_schema, json_object, usage, cached tokens, reasoning) and what toolflow will use instead; with --cache, " +
        "store it so synth and eval start in the right mode.",
    )
    .requiredOption("--llm <spec>", "openai:<model>")
    .option("--base-url <url>", "OpenAI-compatible base URL (default OPENAI_BASE_URL, else the OpenAI API)", urlOption("--base-url"))
    .option("--cache <dir>", "response cache folder: the findings are stored in DIR/doctor/")
    .option("--timeout <ms>", "per-request timeout", intOption("--timeout", 1), 60_000)
    .option("--json", "print one JSON object")
    .action(async (flags: DoctorFlags) => {
      const spec = flags.llm ?? "";
      const m = /^openai:(.+)$/.exec(spec.trim());
      if (!m) throw new UsageError(`--llm: doctor checks an OpenAI-compatible endpoint: expected openai:<model>, got "${spec}"`);
      const cache = flags.cache;
      if (cache !== undefined) checkOutputDir(cache, "--cache");
      const report = await runDoctor({ model: m[1]!.trim(), baseURL: flags.baseUrl, timeoutMs: flags.timeout });
      const stored = cache ? await guardWrite(cache, () => saveEndpointProfile(cache, report), "nothing was stored") : undefined;
      if (flags.json) {
        const keys = Object.fromEntries(PROFILE_KEYS.map((k) => [k, report.profile[k]]));
        const obj = {
          ...keys,
          usable: report.usable,
          ...(report.reason ? { reason: report.reason } : {}),
          endpoint: report.endpoint,
          model: report.model,
          refused: report.refused,
          checks: report.checks,
          ...(stored ? { stored } : {}),
        };
        process.stdout.write(redact(JSON.stringify(obj, null, 2)) + "\n");
      } else process.stdout.write(formatDoctor(report, stored));
      if (!report.usable) {
        throw new ToolflowError(`synth cannot run on ${report.endpoint} with ${report.model}: ${report.reason ?? "unknown reason"}`, {
          code: "DOCTOR_UNUSABLE",
          exitCode: 1,
        });
      }
    });
}
