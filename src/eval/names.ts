/**
 * BFCL function names such as `ChaDri.change_drink` are not accepted by chat APIs (OpenAI and most servers want
 * `^[a-zA-Z0-9_-]{1,64}$`). They are sent under an API name and the calls that come back are mapped back to
 * BFCL's names before checking: the checker works on BFCL's original names.
 */
import { createHash } from "node:crypto";
import { isDict } from "../core/index.js";

const API_NAME_RE = /^[a-zA-Z0-9_-]{1,64}$/;

/** The name a function is sent under: characters outside `[a-zA-Z0-9_-]` become `_`; at most 64 characters. */
export function toApiName(name: string): string {
  if (API_NAME_RE.test(name)) return name;
  let s = name.replace(/[^a-zA-Z0-9_-]/g, "_");
  if (s === "") s = "_";
  if (s.length > 64) s = `${s.slice(0, 55)}_${createHash("sha256").update(name).digest("hex").slice(0, 8)}`;
  return s;
}

/** A reversible mapping between a question's function names and the names sent to an API. */
export interface NameMap {
  /** The API name of a BFCL name (a name the map was not built with: {@link toApiName} of it). */
  toApi(name: string): string;
  /** The BFCL name of an API name, or undefined for a name the map does not hold. */
  fromApi(apiName: string): string | undefined;
  /** Every pair, in the order of the names given. */
  readonly pairs: ReadonlyArray<{ name: string; apiName: string }>;
}

/**
 * Build the mapping for the functions of one question. Names that would collide (`a.b` and `a_b`) get distinct
 * API names (`a_b_2`), so the mapping is always reversible.
 */
export function createNameMap(names: Iterable<string>): NameMap {
  const toApi = new Map<string, string>();
  const fromApi = new Map<string, string>();
  const unique = [...new Set(names)];
  // names that are already valid keep themselves; the others take what is left
  for (const name of unique) {
    if (API_NAME_RE.test(name)) {
      toApi.set(name, name);
      fromApi.set(name, name);
    }
  }
  for (const name of unique) {
    if (toApi.has(name)) continue;
    const base = toApiName(name);
    let api = base;
    for (let k = 2; fromApi.has(api); k++) {
      const suffix = `_${k}`;
      api = base.slice(0, 64 - suffix.length) + suffix;
    }
    toApi.set(name, api);
    fromApi.set(api, name);
  }
  const pairs = unique.map((name) => ({ name, apiName: toApi.get(name) as string }));
  return {
    toApi: (name) => toApi.get(name) ?? toApiName(name),
    fromApi: (apiName) => fromApi.get(apiName),
    pairs,
  };
}

/**
 * Map the function names of decoded calls (`[{api_name: {arg: value}}]`) back to BFCL's names; a name the map
 * does not know is left as it is (the checker will then find the wrong function). Other values pass unchanged.
 */
export function restoreCallNames(output: unknown, map: NameMap): unknown {
  if (!Array.isArray(output)) return output;
  return output.map((call: unknown) => {
    if (!isDict(call)) return call;
    const renamed: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(call)) renamed[map.fromApi(k) ?? k] = v;
    return renamed;
  });
}
