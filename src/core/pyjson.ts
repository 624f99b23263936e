/**
 * Python's view of JSON values, which BFCL's checker relies on: `json.loads("2.0")` is a float and
 * `json.loads("2")` an int, while JavaScript reads both as the number 2. A JSON number written with a fraction or
 * an exponent whose value is integral is therefore read here as a {@link PyFloat}; every other number keeps its
 * JavaScript form (integral -> Python int, fractional -> Python float). {@link stringifyPyJson} writes a PyFloat
 * back with its fraction, so a value read and written again keeps its Python type.
 */

/** A float whose value is integral (2.0): Python's type is float, JavaScript's number would say int. */
export class PyFloat {
  constructor(readonly value: number) {}
  toJSON(): number {
    return this.value;
  }
}

/** The Python type name a decoded JSON value has: NoneType, bool, int, float, str, list, dict (or "object"). */
export type PyTypeName = "NoneType" | "bool" | "int" | "float" | "str" | "list" | "dict" | "object";

/** A plain JSON object (a Python dict). */
export function isDict(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof PyFloat);
}

/** The Python type of a value read by {@link parsePyJson} (or built by hand). */
export function pyType(value: unknown): PyTypeName {
  if (value === null || value === undefined) return "NoneType";
  switch (typeof value) {
    case "boolean":
      return "bool";
    case "number":
      return Number.isInteger(value) ? "int" : "float";
    case "string":
      return "str";
    default:
      if (value instanceof PyFloat) return "float";
      if (Array.isArray(value)) return "list";
      if (isDict(value)) return "dict";
      return "object";
  }
}

function numeric(value: unknown): number | undefined {
  if (typeof value === "number") return value;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof PyFloat) return value.value;
  return undefined;
}

/** Python's `==` on decoded JSON values: numbers and booleans compare by value (True == 1 == 1.0). */
export function pyEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const na = numeric(a);
  if (na !== undefined) {
    const nb = numeric(b);
    return nb !== undefined && na === nb;
  }
  if (a === null || a === undefined) return b === null || b === undefined;
  if (typeof a === "string") return false; // identical strings were caught by ===
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!pyEquals(a[i], b[i])) return false;
    return true;
  }
  if (isDict(a)) {
    if (!isDict(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    for (const k of ka) if (!Object.hasOwn(b, k) || !pyEquals(a[k], b[k])) return false;
    return true;
  }
  return false;
}

/** Python's `x in container` for a list (by ==), a dict (by key) or a string (substring). */
export function pyContains(container: unknown, x: unknown): boolean {
  if (Array.isArray(container)) return container.some((c) => pyEquals(x, c));
  if (isDict(container)) return typeof x === "string" && Object.hasOwn(container, x);
  if (typeof container === "string") return typeof x === "string" && container.includes(x);
  return false;
}

/** The items Python's `for i in range(len(x)): x[i]` visits: list elements, string characters, else none. */
export function pyItems(x: unknown): unknown[] {
  if (Array.isArray(x)) return x;
  if (typeof x === "string") return [...x];
  return [];
}

const FLOAT_TAG = "\u0000\u0001pyfloat:";
const NUMBER_RE = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * Parse JSON text the way Python's json module types it: integral numbers written as floats (2.0, 1e3) become
 * {@link PyFloat}. Throws SyntaxError like JSON.parse.
 */
export function parsePyJson(text: string): unknown {
  let out: string[] | undefined;
  let last = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 92 /* \ */) i++;
        else if (d === 34) break;
      }
    } else if (c === 45 /* - */ || (c >= 48 && c <= 57)) {
      NUMBER_RE.lastIndex = i;
      const m = NUMBER_RE.exec(text);
      if (!m) continue;
      const token = m[0];
      if (/[.eE]/.test(token) && Number.isInteger(Number(token))) {
        out ??= [];
        out.push(text.slice(last, i), JSON.stringify(FLOAT_TAG + token));
        last = i + token.length;
      }
      i += token.length - 1;
    }
  }
  if (!out) return JSON.parse(text);
  out.push(text.slice(last));
  return JSON.parse(out.join(""), (_key, value: unknown) =>
    typeof value === "string" && value.startsWith(FLOAT_TAG) ? new PyFloat(Number(value.slice(FLOAT_TAG.length))) : value,
  );
}

/** JSON text of a value, writing each {@link PyFloat} with a fraction (2.0) so that Python reads a float back. */
export function stringifyPyJson(value: unknown, indent?: number): string {
  let tagged = false;
  const text = JSON.stringify(
    value,
    function (this: Record<string, unknown>, key: string, v: unknown) {
      const raw = this[key];
      if (raw instanceof PyFloat) {
        tagged = true;
        return FLOAT_TAG + (Number.isFinite(raw.value) && Math.abs(raw.value) < 1e16 ? raw.value.toFixed(1) : String(raw.value));
      }
      return v;
    },
    indent,
  );
  if (!tagged) return text;
  return text.replace(/"\\u0000\\u0001pyfloat:([^"]*)"/g, "$1");
}
