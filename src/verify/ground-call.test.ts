import { describe, it, expect } from "vitest";
import type { Message, ToolSpec } from "../core/index.js";
import { groundCall, sourceIndexOf, type GroundedLeaf } from "./ground-call.js";
import { groundDialogue } from "./verify.js";

const source = { file: "test", pointer: "", format: "toolspec" } as const;

function toolWith(properties: Record<string, Record<string, unknown>>): ToolSpec {
  return { name: "t", description: "a test tool", parameters: { type: "object", properties }, source };
}

/** The verdict on argument `name` of a call to a tool with this one parameter, after the user said `said`. */
function ground(param: Record<string, unknown>, value: unknown, said: string | Message[], name = "x"): GroundedLeaf {
  const messages: Message[] = typeof said === "string" ? [{ role: "user", content: said }] : said;
  const { leaves } = groundCall({ tool: toolWith({ [name]: param }), arguments: { [name]: value } }, messages);
  const leaf = leaves.find((l) => l.path === `/${name}`);
  if (!leaf) throw new Error(`no leaf /${name}`);
  return leaf;
}

const verdictOf = (param: Record<string, unknown>, value: unknown, said: string | Message[], name?: string) =>
  ground(param, value, said, name).verdict;

describe("groundCall", () => {
  it("returns one verdict a leaf, with paths, and reads JSON text arguments", () => {
    const tool = toolWith({ city: { type: "string" }, stops: { type: "array", items: { type: "string" } } });
    const { leaves } = groundCall({ tool, arguments: '{"city":"Lisbon","stops":["Porto","Faro"]}' }, [
      { role: "user", content: "A trip to Lisbon via Porto, please." },
    ]);
    expect(leaves).toEqual([
      { path: "/city", value: "Lisbon", verdict: "grounded" },
      { path: "/stops/0", value: "Porto", verdict: "grounded" },
      { path: "/stops/1", value: "Faro", verdict: "ungrounded" },
    ]);
  });

  it("names the tool when the arguments do not parse", () => {
    expect(() => groundCall({ tool: { ...toolWith({}), name: "lookup" }, arguments: "{oops" }, [])).toThrow(/tool "lookup".*not valid JSON/);
    expect(() => groundCall({ tool: toolWith({}), arguments: "[1]" }, [])).toThrow(/must be a JSON object/);
  });

  it("never grounds in the assistant's words, and the system prompt only when asked", () => {
    const messages: Message[] = [
      { role: "system", content: "The customer is Maria Silva." },
      { role: "user", content: "Book it for me." },
      { role: "assistant", content: "Shall I book for Ana Costa?" },
    ];
    expect(verdictOf({ type: "string" }, "Ana Costa", messages)).toBe("ungrounded");
    expect(verdictOf({ type: "string" }, "Maria Silva", messages)).toBe("ungrounded");
    const { leaves } = groundCall({ tool: toolWith({ x: { type: "string" } }), arguments: { x: "Maria Silva" } }, messages, { groundInSystem: true });
    expect(leaves[0]?.verdict).toBe("grounded");
  });

  it("accepts a prebuilt source index", () => {
    const index = sourceIndexOf([{ role: "user", content: "to Lisbon" }]);
    expect(groundCall({ tool: toolWith({ x: { type: "string" } }), arguments: { x: "Lisbon" } }, index).leaves[0]?.verdict).toBe("grounded");
  });
});

describe("conversions: codes", () => {
  const iso = { type: "string", description: "ISO 3166 alpha-2 country code" };

  it("country names and ISO 3166 codes", () => {
    const nl = ground(iso, "NL", "Find me suppliers in the Netherlands");
    expect(nl.verdict).toBe("converted");
    expect(nl.how).toMatch(/ISO 3166-1.*NL = .*Netherlands/);
    expect(verdictOf(iso, "NLD", "in the Netherlands")).toBe("converted");
    expect(verdictOf(iso, "DE", "in Deutschland")).toBe("converted");
    // reverse: a name where the user gave the code
    expect(verdictOf({ type: "string" }, "Germany", "ship it to DE")).toBe("converted");
    // negatives: another country, and a pronoun that looks like a code
    expect(verdictOf(iso, "DE", "Find me suppliers in the Netherlands")).toBe("ungrounded");
    expect(verdictOf(iso, "US", "tell us about the Netherlands")).toBe("ungrounded");
    expect(verdictOf(iso, "IT", "is it cheap in the Netherlands?")).toBe("ungrounded");
  });

  it("states and provinces (ISO 3166-2)", () => {
    expect(ground({ type: "string" }, "CA", "stores in California", "state").how).toMatch(/US-CA/);
    expect(verdictOf({ type: "string", description: "Province code" }, "ON", "stores in Ontario")).toBe("converted");
    expect(verdictOf({ type: "string" }, "US-TX", "stores in Texas")).toBe("converted");
    // a bare code elsewhere needs the country named too
    expect(verdictOf({ type: "string" }, "CA", "stores in California", "code")).toBe("ungrounded");
    expect(verdictOf({ type: "string" }, "CA", "stores in California, United States", "code")).toBe("converted");
    expect(verdictOf({ type: "string" }, "TX", "stores in California", "state")).toBe("ungrounded");
  });

  it("currencies (ISO 4217)", () => {
    expect(verdictOf({ type: "string" }, "EUR", "convert 100 euros")).toBe("converted");
    expect(verdictOf({ type: "string" }, "USD", "100 US dollars please")).toBe("converted");
    expect(verdictOf({ type: "string" }, "GBP", "it costs £40")).toBe("converted");
    expect(verdictOf({ type: "string" }, "GBP", "convert 100 euros")).toBe("ungrounded");
    expect(verdictOf({ type: "string" }, "JPY", "it costs £40")).toBe("ungrounded");
  });

  it("languages (ISO 639)", () => {
    expect(verdictOf({ type: "string" }, "fr", "translate it into French")).toBe("converted");
    expect(verdictOf({ type: "string" }, "deu", "translate it into German")).toBe("converted");
    expect(verdictOf({ type: "string" }, "pt-BR", "in Portuguese, as spoken in Brazil")).toBe("converted");
    expect(verdictOf({ type: "string" }, "de", "translate it into French")).toBe("ungrounded");
    // the region must be named too
    expect(verdictOf({ type: "string" }, "pt-PT", "in Portuguese, as spoken in Brazil")).toBe("ungrounded");
  });

  it("airports and cities (IATA)", () => {
    const p = { type: "string", description: "IATA code or city name, e.g. 'LIS'" };
    expect(ground(p, "BER", "from Berlin to Lisbon").how).toMatch(/IATA airport code: BER = Berlin/);
    expect(verdictOf(p, "LIS", "from Berlin to Lisbon")).toBe("converted");
    expect(verdictOf(p, "NYC", "flights to New York next week")).toBe("converted");
    expect(verdictOf(p, "Berlin", "I land at BER")).toBe("converted");
    expect(verdictOf(p, "MUC", "from Berlin to Lisbon")).toBe("ungrounded");
    expect(verdictOf(p, "OPO", "from Berlin to Lisbon")).toBe("ungrounded");
  });
});

describe("conversions: months, weekdays, dates", () => {
  const month = { type: "string", description: "Month number (1-12)" };

  it("month names to numbers, only where the parameter is a month", () => {
    expect(ground(month, "7", "my spending in July").how).toBe("month number: 7 = july");
    expect(verdictOf({ type: "integer" }, 7, "my spending in July", "month")).toBe("converted");
    expect(verdictOf(month, "8", "my spending in July")).toBe("ungrounded");
    // "may" the verb names no month
    expect(verdictOf(month, "5", "may I see my spending?")).toBe("ungrounded");
    // no month hint: 7 is just a number nobody said
    expect(verdictOf({ type: "integer" }, 7, "my spending in July", "count")).toBe("ungrounded");
  });

  it("weekday names to numbers and abbreviations", () => {
    expect(verdictOf({ type: "integer", description: "day of the week" }, 3, "every Wednesday", "day")).toBe("converted");
    expect(verdictOf({ type: "string" }, "WED", "every Wednesday", "day")).toBe("converted");
    expect(verdictOf({ type: "integer", description: "day of the week" }, 4, "every Wednesday", "day")).toBe("ungrounded");
  });

  it("month and year ranges to first and last days", () => {
    const p = { type: "string", format: "date" };
    expect(ground(p, "2024-05-01", "my invoices from May 2024").how).toMatch(/first day of may 2024/);
    expect(verdictOf(p, "2024-05-31", "my invoices from May 2024")).toBe("converted");
    expect(verdictOf(p, "2024-05-31T23:59:59Z", "my invoices from May 2024")).toBe("converted");
    expect(verdictOf(p, "2024-05", "my invoices from May 2024")).toBe("converted");
    expect(verdictOf(p, "2019-01-01", "reports from 2019 through 2023")).toBe("converted");
    expect(verdictOf(p, "2023-12-31", "reports from 2019 through 2023")).toBe("converted");
    // negatives: a day inside the month, the next month, a shifted year, a day that is not the year's first
    expect(verdictOf(p, "2024-05-15", "my invoices from May 2024")).toBe("ungrounded");
    expect(verdictOf(p, "2024-06-01", "my invoices from May 2024")).toBe("ungrounded");
    expect(verdictOf(p, "2025-05-31", "my invoices from May 2024")).toBe("ungrounded");
    expect(verdictOf(p, "2019-01-02", "reports from 2019 through 2023")).toBe("ungrounded");
    expect(verdictOf(p, "2024-01-01", "reports from 2019 through 2023")).toBe("ungrounded");
    // a date's year is not a year said on its own
    expect(verdictOf(p, "2019-01-01", "the report of 2019-05-03")).toBe("ungrounded");
  });

  it("dates relative to a date the dialogue states", () => {
    const p = { type: "string", format: "date" };
    const stated: Message[] = [
      { role: "system", content: "Today is Monday, May 6, 2024." },
      { role: "user", content: "Book a table for tomorrow." },
    ];
    expect(ground(p, "2024-05-07", stated).how).toMatch(/relative to the stated date 2024-05-06/);
    expect(verdictOf(p, "2024-05-08", stated)).toBe("ungrounded");
    const friday: Message[] = [
      { role: "user", content: "Today is May 6, 2024. Anything free on Friday?" },
    ];
    expect(verdictOf(p, "2024-05-10", friday)).toBe("converted");
    expect(verdictOf(p, "2024-05-11", friday)).toBe("ungrounded");
    // without a stated date, "tomorrow" grounds no date
    expect(verdictOf(p, "2024-05-07", "Book a table for tomorrow.")).toBe("ungrounded");
  });
});

describe("conversions: units, number words, identifiers", () => {
  it("unit conversions to the parameter's unit", () => {
    const metres = { type: "integer", description: "Search radius in metres" };
    expect(ground(metres, 3000, "cafés within 3km", "range").how).toMatch(/3 km = 3000 m/);
    expect(verdictOf({ type: "number" }, 3000, "cafés within 3 kilometers", "radius_m")).toBe("converted");
    expect(verdictOf({ type: "integer", description: "timeout in minutes" }, 120, "wait up to 2 hours", "timeout")).toBe("converted");
    expect(verdictOf({ type: "integer", description: "distance in meters" }, 8047, "within 5 miles", "d")).toBe("converted");
    // negatives: the wrong magnitude, no unit on the parameter, no quantity said
    expect(verdictOf(metres, 300, "cafés within 3km", "range")).toBe("ungrounded");
    expect(verdictOf({ type: "integer", description: "distance in meters" }, 8000, "within 5 miles", "d")).toBe("ungrounded");
    expect(verdictOf({ type: "integer" }, 3000, "cafés within 3km", "range")).toBe("ungrounded");
    expect(verdictOf(metres, 3000, "cafés nearby", "range")).toBe("ungrounded");
  });

  it("number words", () => {
    expect(ground({ type: "integer" }, 25, "twenty-five tickets").how).toBe("number words: twenty-five");
    expect(verdictOf({ type: "integer" }, 3000, "a budget of three thousand")).toBe("converted");
    expect(verdictOf({ type: "integer" }, 300, "a budget of three thousand")).toBe("ungrounded");
  });

  it("phone numbers in E.164, and e-mail case", () => {
    const phone = { type: "string", description: "phone number in E.164" };
    expect(ground(phone, "+14155550123", "call me on +1 (415) 555-0123").how).toMatch(/E\.164/);
    expect(verdictOf(phone, "+4930123456", "my number is +49 30 123456")).toBe("converted");
    expect(verdictOf(phone, "+14155550199", "call me on +1 (415) 555-0123")).toBe("ungrounded");
    expect(verdictOf({ type: "string" }, "John.Doe@Example.com", "write to john.doe@example.com")).toBe("grounded");
    expect(verdictOf({ type: "string" }, "jane.doe@example.com", "write to john.doe@example.com")).toBe("ungrounded");
  });
});

describe("defaulted and knowledge", () => {
  it("values that carry nothing from the user are defaulted by the schema", () => {
    expect(ground({ type: "boolean", description: "must be true" }, true, "what does the data say?", "API_Index")).toMatchObject({ verdict: "defaulted", how: "boolean flag" });
    expect(ground({ type: "string", enum: ["a", "b"] }, "b", "hello")).toMatchObject({ verdict: "defaulted", how: "enum member" });
    expect(ground({ type: "integer", default: 20 }, 20, "hello", "limit")).toMatchObject({ verdict: "defaulted", how: "schema default" });
    expect(ground({ type: "integer" }, 0, "the first batch", "offset")).toMatchObject({ verdict: "defaulted", how: "first page or offset" });
    expect(ground({ type: "integer" }, 1, "show me results", "page")).toMatchObject({ verdict: "defaulted" });
    expect(ground({ type: "string", description: "sort order" }, "desc", "most recently expired first", "sort")).toMatchObject({ verdict: "defaulted", how: "sort order" });
    expect(ground({ type: ["string", "null"] }, null, "x")).toMatchObject({ verdict: "defaulted", how: "empty" });
    // negatives: a page past the first, a sort value on a parameter that is no sort, a boolean the schema refuses
    expect(verdictOf({ type: "integer" }, 3, "show me results", "page")).toBe("ungrounded");
    expect(verdictOf({ type: "string" }, "desc", "most recently expired first", "category")).toBe("ungrounded");
    expect(verdictOf({ type: "integer" }, 0, "how many?", "count")).toBe("ungrounded");
    expect(verdictOf({ type: "string" }, true, "hello", "name")).toBe("ungrounded");
  });

  it("general knowledge is flagged as knowledge, only where the parameter asks for it", () => {
    expect(ground({ type: "number" }, 52.5163, "restaurants near Pariser Platz", "latitude")).toMatchObject({ verdict: "knowledge", how: "coordinates (latitude)" });
    expect(verdictOf({ type: "number" }, 13.3777, "restaurants near Pariser Platz", "lng")).toBe("knowledge");
    expect(verdictOf({ type: "string", description: "stock ticker symbol" }, "AAPL", "how is Apple doing?", "symbol")).toBe("knowledge");
    // the same values elsewhere are not knowledge
    expect(verdictOf({ type: "number" }, 52.5163, "restaurants near Pariser Platz", "budget")).toBe("ungrounded");
    expect(verdictOf({ type: "string" }, "AAPL", "how is Apple doing?", "order_id")).toBe("ungrounded");
    expect(verdictOf({ type: "number" }, 152.5, "near Pariser Platz", "latitude")).toBe("ungrounded");
  });
});

describe("conversions: what real models do with results and offers", () => {
  const speedTool = (returnsUnit: string): ToolSpec => ({
    name: "get_speed",
    description: "The vehicle's speed.",
    parameters: { type: "object", properties: {} },
    returns: { type: "object", properties: { currentSpeed: { type: "number", description: `The current speed in ${returnsUnit}.` } } },
    source,
  });
  const cruise: ToolSpec = {
    name: "set_cruise",
    description: "Set cruise control.",
    parameters: { type: "object", properties: { speed: { type: "number", description: "The speed to set in m/h, a multiple of 5." } } },
    source,
  };
  const dialogueWith = (returnsUnit: string, speed: number) => ({
    tools: [speedTool(returnsUnit), cruise],
    plan: null,
    stepOf: [],
    messages: [
      { role: "user", content: "How fast am I going?" },
      { role: "assistant", content: "", tool_calls: [{ id: "c1", type: "function", function: { name: "get_speed", arguments: "{}" } }] },
      { role: "tool", tool_call_id: "c1", content: '{"currentSpeed":104.6}' },
      { role: "user", content: "Hold about that speed." },
      { role: "assistant", content: "", tool_calls: [{ id: "c2", type: "function", function: { name: "set_cruise", arguments: JSON.stringify({ speed }) } }] },
    ] as Message[],
  });

  it("reads a result's number in the unit its returns schema gives it, and a parameter's m/h as miles an hour", () => {
    const leaf = (unit: string, speed: number) => groundDialogue(dialogueWith(unit, speed)).find((l) => l.tool === "set_cruise")!;
    expect(leaf("km/h", 65)).toMatchObject({ verdict: "converted", how: "unit: 104.6 km/h = 65 mph" });
    // another speed is not a conversion of the result; nor is 65 when the result was already in mph
    expect(leaf("km/h", 70).verdict).toBe("ungrounded");
    expect(leaf("mph", 65).verdict).toBe("ungrounded");
  });

  it("an earlier value changed by the amount the latest user turn states, with a word of change", () => {
    const said = (turn: string): Message[] => [
      { role: "user", content: "What is the cabin set to?" },
      { role: "assistant", content: "", tool_calls: [{ id: "c1", type: "function", function: { name: "status", arguments: "{}" } }] },
      { role: "tool", tool_call_id: "c1", content: '{"temperature":24}' },
      { role: "user", content: turn },
    ];
    const t = { type: "number", description: "temperature in degrees" };
    expect(ground(t, 22, said("Knock it down two degrees, please."), "temperature")).toMatchObject({ verdict: "converted", how: expect.stringMatching(/^relative: 24 - 2/) });
    expect(verdictOf(t, 27, said("Make it 3 degrees warmer."), "temperature")).toBe("converted");
    // a number no change of what was said gives
    expect(verdictOf(t, 21, said("Knock it down two degrees, please."), "temperature")).toBe("ungrounded");
    // no word of change: a number the user did not say
    expect(verdictOf(t, 22, said("It is two degrees too warm in here, set the fan."), "temperature")).toBe("ungrounded");
  });

  it("free text the user took up in part from what the assistant offered, only once the user answered it", () => {
    const offered: Message[] = [
      { role: "user", content: "Any gear that would make viewings easier?" },
      { role: "assistant", content: "Agents like disposable shoe covers and a laser distance measurer." },
      { role: "user", content: "Yes, look up shoe covers under 15 euros." },
    ];
    const q = { type: "string", description: "search query" };
    expect(ground(q, "disposable shoe covers", offered, "query")).toMatchObject({ verdict: "converted", how: "words the assistant offered and the user took up" });
    // what the user did not take up at all stays the assistant's own words
    expect(verdictOf(q, "laser distance measurer", offered, "query")).toBe("ungrounded");
    // an offer the user has not answered yet grounds nothing
    expect(verdictOf(q, "disposable shoe covers", [offered[0]!, { role: "user", content: "look up shoe covers" }, offered[1]!], "query")).toBe("ungrounded");
    // most of the words must be the user's
    expect(verdictOf(q, "disposable waterproof covers", offered.map((m) => (m.role === "assistant" ? { ...m, content: "Try disposable waterproof shoe covers." } : m)), "query")).toBe("ungrounded");
  });
});
