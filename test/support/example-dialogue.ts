/**
 * A small hand-written dialogue record (travel booking) that passes every check: used by the tests of the
 * verification and export stages, and handy as an example of a DialogueRecord.
 */
import type { DialogueRecord, ToolSpec } from "../../src/core/index.js";

const source = { file: "example", pointer: "", format: "toolspec" } as const;

export const EXAMPLE_TOOLS: ToolSpec[] = [
  {
    name: "search_flights",
    description: "Search one-way flights between two cities on a date.",
    parameters: {
      type: "object",
      properties: {
        origin: { type: "string", description: "Departure city" },
        destination: { type: "string", description: "Arrival city" },
        date: { type: "string", format: "date", description: "Departure date, YYYY-MM-DD" },
        passengers: { type: "integer", minimum: 1, description: "Number of travellers" },
        cabin: { type: "string", enum: ["economy", "business"], default: "economy" },
      },
      required: ["origin", "destination", "date"],
      additionalProperties: false,
    },
    source,
    category: "travel",
  },
  {
    name: "book_flight",
    description: "Book a flight found by search_flights for one passenger.",
    parameters: {
      type: "object",
      properties: {
        flight_id: { type: "string" },
        passenger_name: { type: "string" },
      },
      required: ["flight_id", "passenger_name"],
    },
    source,
    category: "travel",
  },
  {
    name: "get_weather",
    description: "Weather forecast for a city on a date.",
    parameters: {
      type: "object",
      properties: {
        city: { type: "string" },
        date: { type: "string" },
        units: { type: "string", enum: ["metric", "imperial"], default: "metric" },
      },
      required: ["city"],
    },
    source,
    category: "weather",
  },
  {
    name: "search_hotels",
    description: "Find hotels in a city.",
    parameters: {
      type: "object",
      properties: {
        city: { type: "string" },
        check_in: { type: "string" },
        nights: { type: "integer", minimum: 1 },
        max_price: { type: "number", description: "Maximum price per night in USD" },
      },
      required: ["city", "check_in", "nights"],
    },
    source,
    category: "travel",
  },
  {
    name: "rent_car",
    description: "Rent a car in a city.",
    parameters: {
      type: "object",
      properties: {
        city: { type: "string" },
        pickup_date: { type: "string" },
        days: { type: "integer", minimum: 1 },
      },
      required: ["city", "pickup_date", "days"],
    },
    source,
    category: "travel",
  },
];

function call(id: string, name: string, args: Record<string, unknown>) {
  return { id, type: "function" as const, function: { name, arguments: JSON.stringify(args) } };
}

/** A fresh copy of the example record (safe to mutate). */
export function exampleDialogueRecord(): DialogueRecord {
  return structuredClone({
    id: "example-0001",
    index: 0,
    seed: 42,
    sampleId: "sample-0001",
    tools: EXAMPLE_TOOLS,
    plan: {
      steps: [
        { id: 1, kind: "single", intent: "find flights Boston to Lisbon", tools: ["search_flights"], dependsOn: [] },
        { id: 2, kind: "chained", intent: "book the cheaper flight", tools: ["book_flight"], dependsOn: [1] },
        {
          id: 3,
          kind: "parallel",
          intent: "weather and hotels in Lisbon",
          tools: ["get_weather", "search_hotels"],
          dependsOn: [],
        },
        {
          id: 4,
          kind: "clarify",
          intent: "rent a car",
          tools: ["rent_car"],
          dependsOn: [],
          missingArgs: ["pickup_date", "days"],
        },
        { id: 5, kind: "chitchat", intent: "small talk about Lisbon in May", tools: [], dependsOn: [] },
      ],
      unusedTools: [],
    },
    messages: [
      { role: "system", content: "You are a helpful travel assistant." },
      { role: "user", content: "Hi! I need a flight from Boston to Lisbon on May 3, 2024 for 2 people." },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          call("call_1", "search_flights", {
            origin: "Boston",
            destination: "Lisbon",
            date: "2024-05-03",
            passengers: 2,
            cabin: "economy",
          }),
        ],
      },
      {
        role: "tool",
        tool_call_id: "call_1",
        name: "search_flights",
        content: JSON.stringify({
          flights: [
            { flight_id: "TP218", departure: "2024-05-03T21:40:00", price_usd: 1240.5 },
            { flight_id: "UA66", departure: "2024-05-03T18:05:00", price_usd: 1399 },
          ],
        }),
      },
      {
        role: "assistant",
        content: "I found two flights: TP218 leaving at 21:40 for $1,240.50 and UA66 at 18:05 for $1,399.",
      },
      { role: "user", content: "Book the cheaper one for Maria Silva, please." },
      {
        role: "assistant",
        content: "Booking TP218 for Maria Silva.",
        tool_calls: [call("call_2", "book_flight", { flight_id: "TP218", passenger_name: "Maria Silva" })],
      },
      {
        role: "tool",
        tool_call_id: "call_2",
        name: "book_flight",
        content: JSON.stringify({ booking_id: "BK-7781", status: "confirmed" }),
      },
      { role: "assistant", content: "Done! Your booking BK-7781 on TP218 is confirmed." },
      {
        role: "user",
        content: "What's the weather in Lisbon that day? And find me hotels there for 3 nights under $150 a night.",
      },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          call("call_3", "get_weather", { city: "Lisbon", date: "2024-05-03", units: "metric" }),
          call("call_4", "search_hotels", { city: "Lisbon", check_in: "2024-05-03", nights: 3, max_price: 150 }),
        ],
      },
      {
        role: "tool",
        tool_call_id: "call_3",
        name: "get_weather",
        content: JSON.stringify({ forecast: "sunny", high_c: 23, low_c: 14 }),
      },
      {
        role: "tool",
        tool_call_id: "call_4",
        name: "search_hotels",
        content: JSON.stringify({ hotels: [{ name: "Casa Alfama", price: 129 }, { name: "Baixa House", price: 145 }] }),
      },
      {
        role: "assistant",
        content: "It will be sunny, 14-23 °C. Casa Alfama ($129/night) and Baixa House ($145/night) fit your budget.",
      },
      { role: "user", content: "Great. Can you also rent me a car in Lisbon?" },
      { role: "assistant", content: "Sure! On which day do you want to pick it up, and for how many days?" },
      { role: "user", content: "Pick it up on 4 May, for five days." },
      {
        role: "assistant",
        content: null,
        tool_calls: [call("call_5", "rent_car", { city: "Lisbon", pickup_date: "2024-05-04", days: 5 })],
      },
      {
        role: "tool",
        tool_call_id: "call_5",
        name: "rent_car",
        content: JSON.stringify({ reservation: "CAR-339", car: "Renault Clio", total_usd: 210 }),
      },
      { role: "assistant", content: "Your Renault Clio is reserved (CAR-339), $210 in total." },
      { role: "user", content: "Thanks! By the way, is Lisbon nice in May?" },
      { role: "assistant", content: "Very! May is warm and not too crowded, perfect for walking around Alfama." },
    ],
    stepOf: [null, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 4, 5, 5],
    verification: { passed: true, checks: [] },
    models: { planner: "sim", user: "sim", assistant: "sim", tool: "sim" },
    backend: "sim",
    usage: {},
    createdAt: "2024-05-01T12:00:00.000Z",
  } satisfies DialogueRecord);
}
