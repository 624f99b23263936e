/**
 * The encoder set of secret scrubbing (src/llm/secret-forms.ts, used by `redact`): every way a server may echo a
 * secret — raw, JSON-escaped (once or twice, `\/`, `\u00XX`), URL-encoded (encodeURIComponent, form style, lower-
 * case hex, twice), HTML-escaped, base64 / base64url / hex of the value and of `prefix + value`, and base64 of a
 * longer text holding it at every alignment — is found and replaced, and the text around it is kept.
 */
import { describe, expect, it } from "vitest";
import { base64Windows, secretForms } from "./secret-forms.js";
import { redact, redactKnown, redactKnownDeep, registerSecret } from "./redact.js";

const b64 = (s: string | Buffer) => Buffer.from(s).toString("base64");
const b64url = (s: string | Buffer) => Buffer.from(s).toString("base64url");
const unpad = (s: string) => s.replace(/=+$/, "");
const html = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
/** JSON with every non-alphanumeric character as \u00XX (as some encoders write it). */
const uEscaped = (s: string) => [...s].map((c) => (/[A-Za-z0-9]/.test(c) ? c : `\\u${c.codePointAt(0)!.toString(16).padStart(4, "0")}`)).join("");

/** What a server may send back for a secret sent as `prefix + secret`. */
function encodings(secret: string, prefix: string): Array<[string, string]> {
  const header = prefix + secret;
  const out: Array<[string, string]> = [
    ["raw", secret],
    ["raw header", header],
    ["JSON-escaped", JSON.stringify(header).slice(1, -1)],
    ["JSON in JSON", JSON.stringify(JSON.stringify({ authorization: header }))],
    ["JSON with \\/", JSON.stringify(header).slice(1, -1).replace(/\//g, "\\/")],
    ["JSON \\u escapes", uEscaped(header)],
    ["encodeURIComponent", encodeURIComponent(header)],
    ["form-encoded", new URLSearchParams({ auth: header }).toString()],
    ["lower-case %xx", encodeURIComponent(header).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())],
    ["URL-encoded twice", encodeURIComponent(encodeURIComponent(header))],
    ["HTML", html(header)],
    ["hex", Buffer.from(secret).toString("hex")],
    ["HEX", Buffer.from(secret).toString("hex").toUpperCase()],
    ["hex of header", Buffer.from(`Authorization: ${header}`).toString("hex")],
  ];
  for (const [name, text] of [["value", secret], ["prefix + value", header]] as const) {
    out.push([`base64 of ${name}`, b64(text)], [`base64 of ${name}, unpadded`, unpad(b64(text))]);
    out.push([`base64url of ${name}`, b64url(text) + "=".repeat((4 - (b64url(text).length % 4)) % 4)], [`base64url of ${name}, unpadded`, b64url(text)]);
    out.push([`URL-encoded base64 of ${name}`, encodeURIComponent(b64(text))]);
  }
  // The secret inside the base64 of a longer text, at each alignment (and the text's end at each alignment too).
  for (const lead of ["", "x", "xy"]) {
    for (const tail of ["", "\r\n", "\r\nAccept: */*"]) {
      const text = `${lead}Authorization: ${header}${tail}`;
      out.push([`base64 of ${JSON.stringify(text)}`, b64(text)], [`base64url of ${JSON.stringify(text)}`, b64url(text)]);
    }
  }
  return out;
}

/** Whether any decoding of any base64 run of `text` (at any start) holds the secret. */
function base64Holds(text: string, secret: string): boolean {
  const want = Buffer.from(secret);
  for (const run of text.match(/[A-Za-z0-9+/_-]{8,}/g) ?? []) {
    for (let k = 0; k < 4; k++) {
      const piece = run.slice(k).replace(/-/g, "+").replace(/_/g, "/");
      if (Buffer.from(piece.slice(0, piece.length - (piece.length % 4)), "base64").includes(want)) return true;
    }
  }
  return false;
}

const SECRETS = [
  "PLANTED-tok-4b1e9c7d2a", // letters, digits and a dash
  `PLANTED+/=&%"\\x`, // URL, JSON and base64 specials
  "päss wörd ✓ 7", // non-ASCII and spaces
  "abcdef", // the shortest that counts (6)
  "abcdefg", // 7 and 8 characters: the three alignments end differently
  "abcdefgh",
];

describe("secret forms", () => {
  for (const secret of SECRETS) {
    it(`finds ${JSON.stringify(secret)} in every encoding a server may echo, and keeps the text around it`, () => {
      const plain = encodings(secret, "").map(([, e]) => e).filter((e) => e.length >= 6 && !e.includes("QXV0aG9y"));
      for (const prefix of ["Bearer ", "token ", ""]) {
        for (const [name, enc] of encodings(secret, prefix)) {
          const text = `echo: ${enc} (end)`;
          const out = redactKnown(text, [secret]);
          const what = `${name} of ${JSON.stringify(prefix + secret)}: ${out}`;
          expect(out, what).toContain("[REDACTED]");
          expect(out.startsWith("echo: "), what).toBe(true);
          expect(out.endsWith(" (end)"), what).toBe(true);
          // nothing of the secret is left in any form
          for (const other of plain) if (out.includes(other)) expect(out, what).not.toContain(other);
          expect(base64Holds(out, secret), what).toBe(false);
          expect(Buffer.from(out).includes(Buffer.from(secret).toString("hex")), what).toBe(false);
        }
      }
    });
  }

  it("the text around a base64 echo of a whole header line stays decodable up to the secret", () => {
    const secret = "PLANTED-tok-4b1e9c7d2a";
    // "X-Auth: " is 8 bytes: "Bearer " + secret is not aligned to 3 bytes, only the secret's own window matches
    const out = redactKnown(b64(`X-Auth: Bearer ${secret}`), [secret]);
    const kept = out.slice(0, out.indexOf("[REDACTED]"));
    expect(Buffer.from(kept.slice(0, kept.length - (kept.length % 4)), "base64").toString()).toMatch(/^X-Auth: Bear/);
  });

  it("base64Windows: one window is in the base64 of any text holding the bytes, whatever comes before or after", () => {
    const bytes = Buffer.from("0123456789abcdef\u00ff\u0000xyz", "latin1");
    const windows = base64Windows(bytes);
    expect(windows).toHaveLength(3);
    for (const w of windows) expect(w.length).toBeGreaterThanOrEqual(Math.floor((8 * bytes.length) / 6) - 2);
    for (let lead = 0; lead < 6; lead++) {
      for (let tail = 0; tail < 4; tail++) {
        const text = b64(Buffer.concat([Buffer.alloc(lead, 0x41 + lead), bytes, Buffer.alloc(tail, 0x7a)]));
        expect(windows.some((w) => text.includes(w)), `lead ${lead}, tail ${tail}`).toBe(true);
      }
    }
  });

  it("secretForms: longest first, nothing shorter than 6 characters, and Basic credentials also decoded", () => {
    const forms = secretForms("dXNlcjpwYXNzd29yZA==", ["Basic "]);
    expect(forms).toContain("user:password");
    expect(forms).toContain(b64("Basic dXNlcjpwYXNzd29yZA=="));
    expect(forms.every((f, i) => i === 0 || forms[i - 1]!.length >= f.length)).toBe(true);
    expect(forms.every((f) => f.length >= 6)).toBe(true);
    // a token that merely uses base64's alphabet is not "decoded" into garbage
    expect(secretForms("PLANTEDtok4b1e9c7d2a").some((f) => /[^\x20-\x7e]/.test(f))).toBe(false);
  });

  it("leaves text without the secret unchanged, also text that shares most of it", () => {
    // (base64 cannot tell apart texts that differ only in the last bits of the secret's first or last byte)
    const text = `PLANTE, PLANTED-tok-4b1e9c7e2a, ${b64("PLANTED-tok-4b1e9c7e2a")}, %50LANTED`;
    expect(redactKnown(text, ["PLANTED-tok-4b1e9c7d2a"])).toBe(text);
    expect(redactKnown(text, ["short"])).toBe(text);
  });

  it("a secret replaced inside serialized JSON leaves valid JSON with the rest of the string", () => {
    const secret = `PLANTED+/=&%"\\x`;
    for (const tail of ['"', "\\", '\\"', "ok"]) {
      const json = JSON.stringify({ a: `x ${secret}${tail}`, b: [JSON.stringify({ c: secret })] });
      const parsed = JSON.parse(redactKnown(json, [secret])) as { a: string; b: string[] };
      expect(parsed.a).toBe(`x [REDACTED]${tail}`);
      expect(parsed.b[0]).toContain("[REDACTED]");
      expect(parsed.b[0]).not.toContain("PLANTED");
    }
  });

  it("registered secrets (with their prefix) are found by redact and redactKnownDeep, in strings and keys", () => {
    const secret = "reg1stered&SECRET/42";
    registerSecret(secret, { prefixes: ["Custom "] });
    expect(redact(`x ${b64(`Custom ${secret}`)} y`)).toBe("x [REDACTED] y");
    const value = { ok: "kept", [encodeURIComponent(secret)]: [1, `a ${unpad(b64url(secret))} b`], n: null };
    expect(redactKnownDeep(value)).toEqual({ ok: "kept", "[REDACTED]": [1, "a [REDACTED] b"], n: null });
  });
});
