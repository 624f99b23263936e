/**
 * JSON text as Python writes it: `json.dumps(json.loads(text), ensure_ascii=False, indent=...)`, which is what a
 * chat template's `tojson` filter writes under transformers (and vLLM) for a value a trainer or server read from
 * JSON. It differs from JavaScript's JSON.stringify in ways that change the tokens a model sees:
 * separators (", " and ": " without indent; "," and ": " with one), floats (`2.0` stays `2.0`, `1e-05` and
 * `1e+16` where JavaScript writes `0.00001` and `10000000000000000`), integers of any size kept exactly, and
 * object keys in the order the text gives them (JavaScript moves integer-like keys first).
 */

/** A number as Python's json.dumps writes it back. */
class PyNumber {
  constructor(readonly text: string) {}
}

/** A dict with its keys in source order (a repeated key keeps its first place and its last value, as in Python). */
class PyDict {
  constructor(readonly entries: Array<[string, PyValue]>) {}
}

type PyValue = null | boolean | string | PyNumber | PyValue[] | PyDict;

/** repr() of a Python float: the shortest round-trip digits, positional for exponents -4..15, else d.ddde±XX. */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mant = "", expText = "0"] = x.toExponential().split("e");
  const exp = Number(expText);
  const sign = mant.startsWith("-") ? "-" : "";
  const digits = mant.replace("-", "").replace(".", "");
  if (exp >= -4 && exp < 16) {
    if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
    const int = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
    const frac = digits.slice(exp + 1);
    return `${sign}${int}.${frac === "" ? "0" : frac}`;
  }
  const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
}

/** A JSON number token as Python reads and writes it: an int exactly, a float through repr(). */
function numberToken(token: string): PyNumber {
  if (/[.eE]/.test(token)) return new PyNumber(pyFloatRepr(Number(token)));
  return new PyNumber(BigInt(token).toString());
}

/** Read JSON text keeping what Python keeps (number types and digits, key order). Throws SyntaxError like JSON.parse. */
function parse(text: string): PyValue {
  JSON.parse(text); // the same errors as everywhere else; below, the text is known to be valid JSON
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i] as string)) i++;
  };
  const str = (): string => {
    const start = i;
    for (i++; text[i] !== '"'; i++) if (text[i] === "\\") i++;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (): PyValue => {
    ws();
    const c = text[i];
    if (c === '"') return str();
    if (c === "{") {
      i++;
      const map = new Map<string, PyValue>();
      ws();
      if (text[i] === "}") {
        i++;
        return new PyDict([]);
      }
      for (;;) {
        ws();
        const key = str();
        ws();
        i++; // :
        map.set(key, value());
        ws();
        if (text[i++] === "}") return new PyDict([...map.entries()]);
      }
    }
    if (c === "[") {
      i++;
      const list: PyValue[] = [];
      ws();
      if (text[i] === "]") {
        i++;
        return list;
      }
      for (;;) {
        list.push(value());
        ws();
        if (text[i++] === "]") return list;
      }
    }
    for (const [word, v] of [["true", true], ["false", false], ["null", null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    const m = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    m.lastIndex = i;
    const token = (m.exec(text) as RegExpExecArray)[0];
    i += token.length;
    return numberToken(token);
  };
  return value();
}

/** A JavaScript value (already parsed) as Python sees it: integral numbers as ints, others as floats. */
function fromJs(v: unknown): PyValue {
  if (v === null || v === undefined) return null;
  if (typeof v === "boolean" || typeof v === "string") return v;
  if (typeof v === "number") return new PyNumber(Number.isInteger(v) ? BigInt(v).toString() : pyFloatRepr(v));
  if (Array.isArray(v)) return v.map(fromJs);
  if (typeof v === "object") return new PyDict(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, fromJs(x)]));
  return String(v);
}

function dump(v: PyValue, indent: number | undefined, depth: number): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "string") return JSON.stringify(v);
  if (v instanceof PyNumber) return v.text;
  const items = Array.isArray(v) ? v.map((x) => dump(x, indent, depth + 1)) : v.entries.map(([k, x]) => `${JSON.stringify(k)}: ${dump(x, indent, depth + 1)}`);
  const [open, close] = Array.isArray(v) ? ["[", "]"] : ["{", "}"];
  if (items.length === 0) return open + close;
  if (indent === undefined) return open + items.join(", ") + close;
  const pad = "\n" + " ".repeat(indent * (depth + 1));
  return open + pad + items.join("," + pad) + "\n" + " ".repeat(indent * depth) + close;
}

/** Python's `json.dumps(json.loads(text), ensure_ascii=False, indent=indent)`. Throws SyntaxError on invalid JSON. */
export function pyDumpsText(text: string, indent?: number): string {
  return dump(parse(text), indent, 0);
}

/** Python's `json.dumps(value, ensure_ascii=False, indent=indent)` of a JavaScript value (integral numbers as ints). */
export function pyDumps(value: unknown, indent?: number): string {
  return dump(fromJs(value), indent, 0);
}
