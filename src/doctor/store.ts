/**
 * The doctor's findings beside the response cache (`DIR/doctor/<endpoint-hash>-<model>.json`, no keys), read back by
 * openRunModels so a run starts in the right mode instead of learning it from refusals.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeUtf8, writeFileAtomic } from "../core/index.js";
import { redact, type OpenAIModelOptions } from "../llm/index.js";
import type { DoctorReport } from "./probe.js";

/** Where the profile of (endpoint, model) is stored under a cache folder. */
export function endpointProfilePath(cacheDir: string, endpoint: string, model: string): string {
  const hash = createHash("sha256").update(endpoint).digest("hex").slice(0, 12);
  const safe = model.replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 100);
  return join(cacheDir, "doctor", `${hash}-${safe}.json`);
}

/** Store a report (redacted once more; written atomically). Returns the path. */
export async function saveEndpointProfile(cacheDir: string, report: DoctorReport): Promise<string> {
  const path = endpointProfilePath(cacheDir, report.endpoint, report.model);
  await writeFileAtomic(path, redact(JSON.stringify(report, null, 2)) + "\n");
  return path;
}

/**
 * The stored report of (endpoint, model), or undefined when there is none (or it cannot be read, or is not a
 * report of this endpoint and model). Its bytes are decoded strictly: invalid UTF-8 is an InputError naming the file
 * and byte offset (core's decodeUtf8; --lossy-utf8 replaces), not a profile read with U+FFFD in it.
 */
export function loadEndpointProfile(cacheDir: string, endpoint: string, model: string): DoctorReport | undefined {
  const path = endpointProfilePath(cacheDir, endpoint, model);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    return undefined;
  }
  const text = decodeUtf8(bytes, path);
  try {
    const r = JSON.parse(text) as DoctorReport;
    if (!r || typeof r !== "object" || !r.profile || r.endpoint !== endpoint || r.model !== model) return undefined;
    return r;
  } catch {
    return undefined;
  }
}

/** The openai backend options a run starts with on an endpoint with this report (empty: nothing known). */
export function startOptionsFor(report: DoctorReport | undefined): Pick<OpenAIModelOptions, "nativeTools" | "startMode"> {
  if (!report || !report.usable) return {};
  const p = report.profile;
  const out: Pick<OpenAIModelOptions, "nativeTools" | "startMode"> = {};
  if (p.tools !== "native") out.nativeTools = false;
  const startMode: NonNullable<OpenAIModelOptions["startMode"]> = {};
  if (!p.jsonSchema) startMode.jsonMode = p.jsonObject ? "json_object" : "prompted";
  if (report.refused?.schemaKeywords) startMode.cleanSchemas = true;
  if (report.refused?.toolChoice) startMode.toolChoiceAutoOnly = true;
  if (Object.keys(startMode).length > 0) out.startMode = startMode;
  return out;
}
