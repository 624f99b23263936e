import { describe, expect, it } from "vitest";
import { parseCallsFromText, parsePythonCalls } from "./python-calls.js";
import { PyFloat } from "./pyjson.js";

describe("parsePythonCalls", () => {
  it("reads a list of calls with every literal kind", () => {
    const calls = parsePythonCalls(
      `[get_weather(city="Boston", days=3), spotify.play(artist='Maroon 5', duration=-1.5e1), f(a=True, b=False, c=None, d=[1, 2.5, "x"], e=(1, 2), g={'k': [1], "n": {"m": None}}, h='it\\'s', i="""tri"ple""")]`,
    );
    expect(calls).toEqual([
      { name: "get_weather", arguments: { city: "Boston", days: 3 } },
      // -1.5e1 is a Python float (BFCL's checker refuses a float where an int is wanted)
      { name: "spotify.play", arguments: { artist: "Maroon 5", duration: new PyFloat(-15) } },
      { name: "f", arguments: { a: true, b: false, c: null, d: [1, 2.5, "x"], e: [1, 2], g: { k: [1], n: { m: null } }, h: "it's", i: 'tri"ple' } },
    ]);
  });

  it("reads a bare call, an empty call, trailing commas and an empty list", () => {
    expect(parsePythonCalls(` calc(x=1,) `)).toEqual([{ name: "calc", arguments: { x: 1 } }]);
    expect(parsePythonCalls(`now()`)).toEqual([{ name: "now", arguments: {} }]);
    expect(parsePythonCalls(`[]`)).toEqual([]);
  });

  it("refuses what is not a literal, positional arguments and junk, saying where", () => {
    expect(() => parsePythonCalls(`f(x=os.system("rm"))`)).toThrow(/not a literal/);
    expect(() => parsePythonCalls(`f(1, 2)`)).toThrow(/positional/);
    expect(() => parsePythonCalls(`f(x=1) and more`)).toThrow(/unexpected text/);
    expect(() => parsePythonCalls(`f(x="open`)).toThrow(/unterminated/);
    expect(() => parsePythonCalls(`f(x=1, x=2)`)).toThrow(/twice/);
  });
});

describe("parseCallsFromText", () => {
  it("reads the JSON forms", () => {
    const want = [{ name: "get_weather", arguments: { city: "Boston" } }];
    expect(parseCallsFromText(`[{"name": "get_weather", "arguments": {"city": "Boston"}}]`)).toEqual({ ok: true, calls: want, syntax: "json" });
    expect(parseCallsFromText(`{"tool_calls": [{"name": "get_weather", "arguments": "{\\"city\\": \\"Boston\\"}"}]}`)).toMatchObject({ ok: true, calls: want });
    expect(parseCallsFromText(`[{"get_weather": {"city": "Boston"}}]`)).toMatchObject({ ok: true, calls: want });
    expect(parseCallsFromText("```json\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Boston\"}}\n```")).toMatchObject({ ok: true, calls: want });
  });

  it("reads Python syntax, in a fence too", () => {
    expect(parseCallsFromText("```python\n[get_weather(city='Boston')]\n```")).toEqual({ ok: true, calls: [{ name: "get_weather", arguments: { city: "Boston" } }], syntax: "python" });
  });

  it("fails with a reason on prose", () => {
    const r = parseCallsFromText("I cannot help with that.");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/could not read calls/);
    expect(parseCallsFromText("   ")).toEqual({ ok: false, error: "the answer is empty" });
  });
});
