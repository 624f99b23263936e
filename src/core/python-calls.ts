/**
 * Calls written as text, the two forms models produce when they have no native tool calling:
 *
 *   Python call syntax   [get_weather(city="Boston", days=3), spotify.play(artist='Maroon 5', duration=15)]
 *   JSON                 [{"name": "get_weather", "arguments": {"city": "Boston"}}], {"tool_calls": [...]},
 *                        {"name": ..., "arguments": ...}, or BFCL's decoded form [{"get_weather": {"city": "Boston"}}]
 *
 * Calls in JSON are recognized by text-calls.ts' `callShapes` (the model layer's and the dataset readers' too); what is
 * eval's own is the option it needs: arguments read with Python's int / float kept (pyjson.ts), not as JSON text.
 *
 * The Python parser is a small recursive-descent reader of literals only (strings, numbers, True/False/None,
 * lists, tuples, dicts): nothing is evaluated, and anything else (names, operators, positional arguments) is a
 * parse error with its position. Values are returned as written: no coercion, no repair.
 */
import { parsePyJson, PyFloat } from "./pyjson.js";
import { callShapes } from "./text-calls.js";

export interface TextCall {
  name: string;
  arguments: Record<string, unknown>;
}

export type ParsedCalls = { ok: true; calls: TextCall[]; syntax: "python" | "json" } | { ok: false; error: string };

class PyParseError extends Error {}

/** Parse Python call syntax: one call, or a list of calls (`[f(a=1), g()]`). */
export function parsePythonCalls(text: string): TextCall[] {
  const p = new PyReader(text);
  p.ws();
  let calls: TextCall[];
  if (p.peek() === "[") {
    p.pos++;
    calls = [];
    p.ws();
    if (p.peek() === "]") p.pos++;
    else {
      for (;;) {
        calls.push(p.call());
        p.ws();
        const c = p.next();
        if (c === "]") break;
        if (c !== ",") p.fail(`expected "," or "]"`, -1);
        p.ws();
        if (p.peek() === "]") {
          p.pos++;
          break;
        }
      }
    }
  } else {
    calls = [p.call()];
    p.ws();
    while (p.peek() === "," || p.peek() === ";" || p.peek() === "\n") {
      p.pos++;
      p.ws();
      if (p.pos >= p.text.length) break;
      calls.push(p.call());
      p.ws();
    }
  }
  p.ws();
  if (p.pos < p.text.length) p.fail("unexpected text after the calls");
  return calls;
}

const IDENT_START = /[A-Za-z_]/;
const IDENT = /[A-Za-z0-9_]/;

class PyReader {
  pos = 0;
  constructor(readonly text: string) {}

  peek(): string {
    return this.text[this.pos] ?? "";
  }
  next(): string {
    return this.text[this.pos++] ?? "";
  }
  ws(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos] as string)) this.pos++;
  }
  fail(message: string, delta = 0): never {
    const at = Math.max(0, this.pos + delta);
    throw new PyParseError(`${message} at offset ${at} (near ${JSON.stringify(this.text.slice(at, at + 20))})`);
  }
  expect(c: string): void {
    this.ws();
    if (this.next() !== c) this.fail(`expected "${c}"`, -1);
  }

  ident(): string {
    const start = this.pos;
    if (!IDENT_START.test(this.peek())) this.fail("expected a name");
    while (IDENT.test(this.peek())) this.pos++;
    return this.text.slice(start, this.pos);
  }

  /** name(.name)*( kw=literal, ... ) */
  call(): TextCall {
    this.ws();
    let name = this.ident();
    while (this.peek() === ".") {
      this.pos++;
      name += "." + this.ident();
    }
    this.expect("(");
    const args: Record<string, unknown> = {};
    this.ws();
    if (this.peek() === ")") {
      this.pos++;
      return { name, arguments: args };
    }
    for (;;) {
      this.ws();
      const start = this.pos;
      if (!IDENT_START.test(this.peek())) this.fail(`positional arguments are not accepted (write name=value) in call to ${name}`);
      const key = this.ident();
      this.ws();
      if (this.peek() !== "=" || this.text[this.pos + 1] === "=") {
        this.pos = start;
        this.fail(`positional arguments are not accepted (write name=value) in call to ${name}`);
      }
      this.pos++;
      if (Object.prototype.hasOwnProperty.call(args, key)) this.fail(`argument "${key}" given twice in call to ${name}`);
      args[key] = this.value();
      this.ws();
      const c = this.next();
      if (c === ")") break;
      if (c !== ",") this.fail(`expected "," or ")"`, -1);
      this.ws();
      if (this.peek() === ")") {
        this.pos++;
        break;
      }
    }
    return { name, arguments: args };
  }

  value(depth = 0): unknown {
    if (depth > 100) this.fail("values nested too deeply");
    this.ws();
    const c = this.peek();
    if (c === '"' || c === "'") return this.str();
    if (c === "[") return this.seq("[", "]", depth);
    if (c === "(") return this.seq("(", ")", depth);
    if (c === "{") return this.dict(depth);
    if (c === "-" || c === "+" || c === "." || /[0-9]/.test(c)) return this.num();
    if (IDENT_START.test(c)) {
      const start = this.pos;
      const word = this.ident();
      if (word === "True") return true;
      if (word === "False") return false;
      if (word === "None") return null;
      this.pos = start;
      this.fail(`"${word}" is not a literal (only strings, numbers, True/False/None, lists, tuples and dicts)`);
    }
    return this.fail("expected a value");
  }

  seq(open: string, close: string, depth: number): unknown[] {
    this.expect(open);
    const out: unknown[] = [];
    this.ws();
    if (this.peek() === close) {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth + 1));
      this.ws();
      const c = this.next();
      if (c === close) return out;
      if (c !== ",") this.fail(`expected "," or "${close}"`, -1);
      this.ws();
      if (this.peek() === close) {
        this.pos++;
        return out;
      }
    }
  }

  dict(depth: number): Record<string, unknown> {
    this.expect("{");
    const out: Record<string, unknown> = {};
    this.ws();
    if (this.peek() === "}") {
      this.pos++;
      return out;
    }
    for (;;) {
      this.ws();
      const key = this.value(depth + 1);
      if (typeof key !== "string" && typeof key !== "number" && typeof key !== "boolean" && key !== null) {
        this.fail("dict keys must be strings, numbers, booleans or None");
      }
      this.expect(":");
      out[String(key)] = this.value(depth + 1);
      this.ws();
      const c = this.next();
      if (c === "}") return out;
      if (c !== ",") this.fail(`expected "," or "}"`, -1);
      this.ws();
      if (this.peek() === "}") {
        this.pos++;
        return out;
      }
    }
  }

  /** A number; `2.0` / `1e3` stay Python floats (PyFloat), as BFCL's checker types them. */
  num(): number | PyFloat {
    const m = /^[+-]?(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?\d+)?/.exec(this.text.slice(this.pos));
    if (!m) return this.fail("expected a number");
    this.pos += m[0].length;
    if (/[A-Za-z_]/.test(this.peek())) this.fail("bad number");
    const n = Number(m[0].replace(/_/g, ""));
    if (!Number.isFinite(n)) this.fail("bad number");
    return Number.isInteger(n) && /[.eE]/.test(m[0]) ? new PyFloat(n) : n;
  }

  str(): string {
    const q = this.next();
    const triple = this.text.startsWith(q + q, this.pos);
    if (triple) this.pos += 2;
    let out = "";
    for (;;) {
      if (this.pos >= this.text.length) this.fail("unterminated string");
      const c = this.next();
      if (c === "\\") {
        const e = this.next();
        switch (e) {
          case "n": out += "\n"; break;
          case "t": out += "\t"; break;
          case "r": out += "\r"; break;
          case "0": out += "\0"; break;
          case "\\": out += "\\"; break;
          case "'": out += "'"; break;
          case '"': out += '"'; break;
          case "\n": break;
          case "u":
          case "x": {
            const len = e === "u" ? 4 : 2;
            const hex = this.text.slice(this.pos, this.pos + len);
            if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) this.fail(`bad \\${e} escape`);
            out += String.fromCharCode(parseInt(hex, 16));
            this.pos += len;
            break;
          }
          default:
            out += "\\" + e; // Python keeps unknown escapes as written
        }
        continue;
      }
      if (c === q) {
        if (!triple) return out;
        if (this.text.startsWith(q + q, this.pos)) {
          this.pos += 2;
          return out;
        }
      }
      if (c === "\n" && !triple) this.fail("newline in a string");
      out += c;
    }
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Calls from parsed JSON, in any of the accepted shapes (core's `callShapes`, with `{"tool_calls": [...]}` and BFCL's
 * decoded form); arguments given as a string are read as JSON with Python's types. A string says why the JSON
 * holds no calls.
 */
export function callsFromJson(value: unknown): TextCall[] | string {
  const shapes = callShapes(value, { wrapped: true });
  if (typeof shapes === "string") return shapes;
  const out: TextCall[] = [];
  for (const [i, c] of shapes.entries()) {
    let args: unknown = c.args ?? {};
    if (typeof args === "string") {
      try {
        args = parsePyJson(args);
      } catch {
        return `the arguments of call ${i} (${c.name}) are a string that is not JSON`;
      }
    }
    if (!isRecord(args)) return `the arguments of call ${i} (${c.name}) are not an object`;
    out.push({ name: c.name, arguments: args });
  }
  return out;
}

function stripFences(text: string): string {
  const t = text.trim();
  const m = /^```[a-zA-Z0-9_-]*\s*\n?([\s\S]*?)\n?```$/.exec(t);
  if (m) return (m[1] ?? "").trim();
  const inner = /```[a-zA-Z0-9_-]*\s*\n([\s\S]*?)\n```/.exec(t);
  return inner ? (inner[1] ?? "").trim() : t;
}

/**
 * Calls from a model's text answer: JSON first when the text is JSON, else Python call syntax. A code fence around
 * the calls is removed (that is decoding, not repair). Fails with the reason when neither form reads.
 */
export function parseCallsFromText(text: string): ParsedCalls {
  const body = stripFences(text);
  if (body === "") return { ok: false, error: "the answer is empty" };
  let jsonProblem: string | undefined;
  if (body.startsWith("{") || body.startsWith("[")) {
    let parsed: unknown;
    let isJson = true;
    try {
      parsed = parsePyJson(body);
    } catch {
      isJson = false;
    }
    if (isJson) {
      const calls = callsFromJson(parsed);
      if (typeof calls !== "string") return { ok: true, calls, syntax: "json" };
      jsonProblem = calls;
    }
  }
  try {
    return { ok: true, calls: parsePythonCalls(body), syntax: "python" };
  } catch (err) {
    if (!(err instanceof PyParseError)) throw err;
    const why = jsonProblem ? `JSON without calls (${jsonProblem})` : `not JSON, and not Python call syntax: ${err.message}`;
    return { ok: false, error: `could not read calls from the answer: ${why}` };
  }
}
