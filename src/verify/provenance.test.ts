/**
 * The provenance check on whole dialogues: the wrong rejections a strong model met (issue 18) now pass, and the
 * invented values beside them still fail.
 */
import { describe, it, expect } from "vitest";
import type { JsonSchema, Message, ToolSpec } from "../core/index.js";
import { groundDialogue, verifyDialogue } from "./verify.js";
import type { VerifiableDialogue } from "./types.js";

const source = { file: "test", pointer: "", format: "toolspec" } as const;

function tool(name: string, properties: Record<string, JsonSchema>, required: string[] = []): ToolSpec {
  return { name, description: `the ${name} tool`, parameters: { type: "object", properties, required }, source };
}

/** user says `said`, the assistant calls `name(args)`, the tool answers, the assistant answers in text. */
function dialogue(t: ToolSpec, said: string | Message[], args: Record<string, unknown>): VerifiableDialogue {
  const before: Message[] = typeof said === "string" ? [{ role: "user", content: said }] : said;
  const messages: Message[] = [
    ...before,
    { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: t.name, arguments: JSON.stringify(args) } }] },
    { role: "tool", tool_call_id: "call_1", name: t.name, content: '{"results": []}' },
    { role: "assistant", content: "Here is what I found." },
  ];
  return { tools: [t], plan: null, messages, stepOf: messages.map(() => null) };
}

function provenance(d: VerifiableDialogue) {
  const v = verifyDialogue(d);
  const check = v.checks.find((c) => c.name === "provenance");
  if (!check) throw new Error("no provenance check");
  expect(v.checks.find((c) => c.name === "format")?.reasons).toEqual([]);
  return check;
}

const flights = tool(
  "search_flights",
  {
    origin: { type: "string", description: "IATA code or city name, e.g. 'LIS'" },
    destination: { type: "string", description: "IATA code or city name, e.g. 'LIS'" },
  },
  ["origin", "destination"],
);
const suppliers = tool("find_suppliers", { country: { type: "string", description: "ISO 3166 alpha-2 country code" } }, ["country"]);
const spending = tool("monthly_spending", { month: { type: "string", description: "Month, 1-12" } });
const places = tool("nearby_places", { query: { type: "string" }, range: { type: "integer", description: "Search radius in meters" } });
const batches = tool("list_orders", { offset: { type: "integer", description: "Index of the first result" }, limit: { type: "integer" } });
const reports = tool("annual_reports", { from: { type: "string", format: "date" }, to: { type: "string", format: "date" } });
const certificates = tool("list_certificates", {
  API_Index: { type: "boolean", description: "Required flag: enables the index endpoint" },
  sort: { type: "string", description: "Sort order by expiry date" },
  status: { type: "string" },
});

describe("the wrong rejections of issue 18 now pass", () => {
  it("airport codes for named cities", () => {
    const c = provenance(dialogue(flights, "Flights from Berlin to Lisbon, please.", { origin: "BER", destination: "LIS" }));
    expect(c.passed).toBe(true);
    expect(c.metrics).toMatchObject({ converted: 2, ungrounded: 0 });
  });

  it("an ISO 3166 code for a named country", () => {
    const c = provenance(dialogue(suppliers, "Find suppliers in the Netherlands.", { country: "NL" }));
    expect(c).toMatchObject({ passed: true, metrics: { converted: 1 } });
  });

  it("a month number for a named month", () => {
    expect(provenance(dialogue(spending, "What did I spend in July?", { month: "7" })).passed).toBe(true);
  });

  it("a distance in the parameter's unit", () => {
    expect(provenance(dialogue(places, "Coffee places within 3km?", { query: "coffee", range: 3000 })).passed).toBe(true);
  });

  it("the first batch as offset 0", () => {
    const c = provenance(dialogue(batches, "Show me the first batch of my orders.", { offset: 0 }));
    expect(c).toMatchObject({ passed: true, metrics: { defaulted: 1 } });
  });

  it("a range of years as its first and last days", () => {
    const c = provenance(dialogue(reports, "The annual reports from 2019 through 2023.", { from: "2019-01-01", to: "2023-12-31" }));
    expect(c).toMatchObject({ passed: true, metrics: { converted: 2 } });
  });

  it("a month as its first and last days", () => {
    expect(provenance(dialogue(reports, "Reports for May 2024.", { from: "2024-05-01", to: "2024-05-31" })).passed).toBe(true);
  });

  it("a required on-switch and a sort order", () => {
    const c = provenance(
      dialogue(certificates, "List my expired certificates, most recently expired first.", { API_Index: true, sort: "desc", status: "expired" }),
    );
    expect(c).toMatchObject({ passed: true, metrics: { defaulted: 2, grounded: 1, ungrounded: 0 } });
  });
});

describe("invented values are still rejected", () => {
  it("another airport than the city named", () => {
    const c = provenance(dialogue(flights, "Flights from Berlin to Lisbon, please.", { origin: "MUC", destination: "LIS" }));
    expect(c.passed).toBe(false);
    expect(c.reasons).toEqual(['ungrounded argument search_flights/origin = "MUC" (call call_1)']);
  });

  it("another country's code", () => {
    expect(provenance(dialogue(suppliers, "Find suppliers in the Netherlands.", { country: "BE" })).passed).toBe(false);
  });

  it("a shifted date", () => {
    expect(provenance(dialogue(reports, "Reports for May 2024.", { from: "2024-05-02", to: "2024-05-31" })).passed).toBe(false);
    expect(provenance(dialogue(reports, "The annual reports from 2019 through 2023.", { from: "2018-01-01", to: "2023-12-31" })).passed).toBe(false);
  });

  it("a wrong month", () => {
    expect(provenance(dialogue(spending, "What did I spend in July?", { month: "6" })).passed).toBe(false);
  });

  it("300 instead of 3000", () => {
    const c = provenance(dialogue(places, "Coffee places within 3km?", { query: "coffee", range: 300 }));
    expect(c.reasons).toEqual(["ungrounded argument nearby_places/range = 300 (call call_1)"]);
  });

  it("an offset past the first batch", () => {
    expect(provenance(dialogue(batches, "Show me the first batch of my orders.", { offset: 50 })).passed).toBe(false);
  });
});

describe("general knowledge", () => {
  const geo = tool("restaurants_near", { latitude: { type: "number" }, longitude: { type: "number" } });
  it("is flagged and counted, not rejected", () => {
    const d = dialogue(geo, "Restaurants near Pariser Platz in Berlin?", { latitude: 52.5163, longitude: 13.3777 });
    const c = provenance(d);
    expect(c).toMatchObject({ passed: true, flagged: true, metrics: { knowledge: 2, ungrounded: 0 } });
    expect(c.reasons[0]).toBe("general knowledge (coordinates (latitude)): restaurants_near/latitude = 52.5163 (call call_1)");
    expect(groundDialogue(d).map((l) => l.verdict)).toEqual(["knowledge", "knowledge"]);
  });

  it("does not hide an ungrounded value beside it", () => {
    const t = tool("restaurants_near", { latitude: { type: "number" }, cuisine: { type: "string" } });
    const c = provenance(dialogue(t, "Restaurants near Pariser Platz?", { latitude: 52.5163, cuisine: "thai" }));
    expect(c).toMatchObject({ passed: false, metrics: { knowledge: 1, ungrounded: 1 } });
  });
});

describe("phone numbers as digits (seen in the real-model corpus)", () => {
  const format = tool("format_number", { phone: { type: "integer", description: "The phone number to format, with its country code." } }, ["phone"]);
  const said = "my trainer Jess is (312) 555-0148, a US number";

  it("grounds the E.164 digits without '+', as a number or a string", () => {
    expect(provenance(dialogue(format, said, { phone: 13125550148 })).passed).toBe(true);
    const asString = tool("format_number_s", { phone: { type: "string", description: "Phone number with country code." } }, ["phone"]);
    expect(provenance(dialogue(asString, said, { phone: "13125550148" })).passed).toBe(true);
  });

  it("still rejects another number, and digits for a parameter that is not a phone number", () => {
    expect(provenance(dialogue(format, said, { phone: 13125550149 })).passed).toBe(false);
    const count = tool("count_items", { amount: { type: "integer", description: "How many." } }, ["amount"]);
    expect(provenance(dialogue(count, said, { amount: 13125550148 })).passed).toBe(false);
  });
});

describe("quantities written with number words (seen in the real-model corpus)", () => {
  const metrics = tool("get_metrics", { timeFrame: { type: "string", description: "TimeFrame: 1d, 1h, 8h" } }, ["timeFrame"]);

  it("grounds '1h' after 'a one-hour timeframe' and '2 weeks' after 'two weeks'", () => {
    expect(provenance(dialogue(metrics, "the metrics at a one-hour timeframe please", { timeFrame: "1h" })).passed).toBe(true);
    expect(provenance(dialogue(metrics, "over the last two weeks", { timeFrame: "2 weeks" })).passed).toBe(true);
  });

  it("still rejects another quantity, and an ordinal read as a count", () => {
    expect(provenance(dialogue(metrics, "the metrics at a one-hour timeframe please", { timeFrame: "8h" })).passed).toBe(false);
    expect(provenance(dialogue(metrics, "on the second day of the trip", { timeFrame: "2 days" })).passed).toBe(false);
  });
});

describe("conversions seen in the held-out real-model batch", () => {
  const cashflow = tool("cashflow", { symbol: { type: "string" }, period: { type: "string", examples: ["quarter"] } }, ["symbol", "period"]);
  const forecast = tool("get_forecast", { country_code: { type: "string", examples: ["eu"] }, currency: { type: "string", examples: ["usd"] } }, [
    "country_code",
    "currency",
  ]);

  it("grounds a period noun for the user's adverb ('quarter' after 'quarterly') and the reverse", () => {
    expect(provenance(dialogue(cashflow, "the latest quarterly cash flow for EQR", { symbol: "EQR", period: "quarter" })).passed).toBe(true);
    expect(provenance(dialogue(cashflow, "EQR's cash flow for each year", { symbol: "EQR", period: "annual" })).passed).toBe(true);
    expect(provenance(dialogue(cashflow, "the latest quarterly cash flow for EQR", { symbol: "EQR", period: "annual" })).passed).toBe(false);
  });

  it("grounds a cryptocurrency's symbol for its name, only where the parameter is a currency", () => {
    const crypto = tool("crypto_forecast", { currency: { type: "string" }, days: { type: "integer" } }, ["currency"]);
    expect(provenance(dialogue(crypto, "a 10-day bitcoin forecast", { currency: "btc", days: 10 })).passed).toBe(true);
    expect(provenance(dialogue(crypto, "a 10-day bitcoin forecast", { currency: "eth", days: 10 })).passed).toBe(false);
    const notes = tool("add_note", { title: { type: "string" } }, ["title"]);
    expect(provenance(dialogue(notes, "a note about bitcoin", { title: "btc" })).passed).toBe(false);
  });

  it("grounds a code the assistant gave beside a name the user then chose", () => {
    const offer = (chosen: string): Message[] => [
      { role: "user", content: "I need a US dollar forecast for a client's budget." },
      { role: "assistant", content: "Which central bank's rates?\n- **European Central Bank (eu)**: USD per 1 EUR\n- **Moldavian Central Bank (md)**: USD per leu" },
      { role: "user", content: chosen },
    ];
    expect(provenance(dialogue(forecast, offer("Please use the European Central Bank rates."), { country_code: "eu", currency: "usd" })).passed).toBe(true);
    // the other option's code, or a code offered but never chosen, is not grounded
    expect(provenance(dialogue(forecast, offer("Please use the European Central Bank rates."), { country_code: "md", currency: "usd" })).passed).toBe(false);
    expect(provenance(dialogue(forecast, offer("Not sure yet, what do they differ in?"), { country_code: "eu", currency: "usd" })).passed).toBe(false);
  });
});

describe("a value the assistant proposed and the user confirmed (held-out real-model batch 2)", () => {
  const matches = tool("next_matches", { seasonId: { type: "integer" }, page: { type: "integer", description: "Zero-based page index" } }, ["seasonId", "page"]);
  const asked = (reply: string): Message[] => [
    { role: "user", content: "The next matches for season 46701, page 3.34." },
    { role: "assistant", content: "The page needs to be a whole number, so 3.34 isn't valid. Did you mean page 3?" },
    { role: "user", content: reply },
  ];

  it("is grounded after a yes", () => {
    expect(provenance(dialogue(matches, asked("Yes, please do that."), { seasonId: 46701, page: 3 })).passed).toBe(true);
    expect(provenance(dialogue(matches, asked("Sure, go ahead"), { seasonId: 46701, page: 3 })).passed).toBe(true);
  });

  it("is not grounded without one, and a yes grounds only what the question proposed", () => {
    expect(provenance(dialogue(matches, asked("Hmm, let me check first."), { seasonId: 46701, page: 3 })).passed).toBe(false);
    expect(provenance(dialogue(matches, asked("Yes, please do that."), { seasonId: 46701, page: 4 })).passed).toBe(false);
  });
});

describe("numbers as written in the re-recorded real-model runs", () => {
  it("grounds '8h' after 'the 8-hour timeframe' and a number's digits after its groups", () => {
    const metrics = tool("get_metrics", { timeFrame: { type: "string", description: "TimeFrame: 1d, 1h, 8h" } }, ["timeFrame"]);
    expect(provenance(dialogue(metrics, "please use the 8-hour timeframe", { timeFrame: "8h" })).passed).toBe(true);
    expect(provenance(dialogue(metrics, "please use the 8-hour timeframe", { timeFrame: "1h" })).passed).toBe(false);
    const format = tool("format_number", { phone: { type: "integer", description: "The phone number, with country code." } }, ["phone"]);
    expect(provenance(dialogue(format, "it's a German mobile: 49 1523 7784261", { phone: 4915237784261 })).passed).toBe(true);
    // another digit, or digits the user wrote in two places, are not that number
    expect(provenance(dialogue(format, "it's a German mobile: 49 1523 7784261", { phone: 4915237784262 })).passed).toBe(false);
    expect(provenance(dialogue(format, "code 49, then 1523 and 7784261 on another line", { phone: 4915237784261 })).passed).toBe(false);
  });
});
