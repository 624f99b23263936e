/**
 * Tool-call ids as toolflow writes them: 9 characters [A-Za-z0-9] (the strictest rule among chat templates:
 * Mistral's rejects any other id). Made deterministically from a seed text, so runs and caches repeat.
 */
import { createHash } from "node:crypto";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
export const CALL_ID_RE = /^[A-Za-z0-9]{9}$/;

/** A 9-character alphanumeric call id derived from `seed`. */
export function makeCallId(seed: string): string {
  const h = createHash("sha256").update(seed).digest();
  let out = "";
  for (let i = 0; i < 9; i++) out += ALPHABET[h[i]! % 62];
  return out;
}

/** True when `id` follows the rule (9 alphanumeric characters). */
export function isCallId(id: unknown): id is string {
  return typeof id === "string" && CALL_ID_RE.test(id);
}
