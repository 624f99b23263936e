import { describe, it, expect } from "vitest";
import { ModelRequestError, validateAgainst, type ChatRequest, type ChatTool } from "../llm/index.js";
import { createSimModel, simGenericAnswer } from "./model.js";
import type { JsonSchema } from "../core/index.js";

const SCHEMAS: Record<string, JsonSchema> = {
  plan: {
    type: "object",
    properties: {
      steps: {
        type: "array",
        minItems: 1,
        maxItems: 4,
        items: {
          type: "object",
          properties: {
            id: { type: "integer", minimum: 1 },
            kind: { enum: ["single", "parallel", "chained", "clarify", "no_tool", "chitchat"] },
            intent: { type: "string", minLength: 1 },
            tools: { type: "array", items: { type: "string" } },
            dependsOn: { type: "array", items: { type: "integer" } },
          },
          required: ["id", "kind", "intent", "tools"],
          additionalProperties: false,
        },
      },
      unusedTools: { type: "array", items: { type: "object", properties: { tool: { type: "string" }, reason: { type: "string" } }, required: ["tool", "reason"] } },
    },
    required: ["steps"],
    additionalProperties: false,
  },
  formats: {
    type: "object",
    properties: {
      email: { type: "string", format: "email" },
      when: { type: "string", format: "date-time" },
      day: { type: "string", format: "date" },
      site: { type: "string", format: "uri" },
      id: { type: "string", format: "uuid" },
      ip: { type: "string", format: "ipv4" },
    },
    required: ["email", "when", "day", "site", "id", "ip"],
  },
  numbers: {
    type: "object",
    properties: {
      a: { type: "integer", minimum: 10, maximum: 12 },
      b: { type: "number", exclusiveMinimum: 0, exclusiveMaximum: 1 },
      c: { type: "integer", multipleOf: 5, minimum: 7 },
      d: { type: "number", maximum: -3 },
    },
    required: ["a", "b", "c", "d"],
  },
  strings: {
    type: "object",
    properties: {
      code: { type: "string", pattern: "^[A-Z]{3}-\\d{4}$" },
      short: { type: "string", maxLength: 3, minLength: 2 },
      long: { type: "string", minLength: 40 },
      zip: { type: "string", pattern: "^[0-9]{5}(-[0-9]{4})?$" },
    },
    required: ["code", "short", "long", "zip"],
  },
  composition: {
    $defs: { money: { type: "object", properties: { amount: { type: "number", minimum: 0 }, currency: { const: "EUR" } }, required: ["amount", "currency"] } },
    type: "object",
    properties: {
      price: { $ref: "#/$defs/money" },
      maybe: { anyOf: [{ type: "null" }, { type: "string", minLength: 1 }] },
      either: { oneOf: [{ type: "integer", minimum: 100 }, { type: "boolean" }] },
      both: { allOf: [{ type: "object", properties: { x: { type: "integer" } }, required: ["x"] }, { properties: { y: { type: "string" } }, required: ["y"] }] },
      nullable: { type: ["string", "null"] },
    },
    required: ["price", "maybe", "either", "both", "nullable"],
  },
  arrays: {
    type: "object",
    properties: {
      tags: { type: "array", items: { type: "string", enum: ["a", "b", "c"] }, minItems: 3, uniqueItems: true },
      pair: { type: "array", prefixItems: [{ type: "string" }, { type: "integer" }], minItems: 2 },
      matrix: { type: "array", minItems: 2, items: { type: "array", minItems: 1, items: { type: "number" } } },
      people: { type: "array", minItems: 2, uniqueItems: true, items: { type: "object", properties: { name: { type: "string" } }, required: ["name"] } },
    },
    required: ["tags", "matrix", "people"],
  },
  topLevelArray: { type: "array", minItems: 2, items: { type: "integer", minimum: 1, maximum: 3 } },
  minProps: { type: "object", minProperties: 2, additionalProperties: { type: "string" } },
};

const tools: ChatTool[] = [
  {
    name: "book_flight",
    description: "Book a flight",
    parameters: {
      type: "object",
      properties: {
        origin: { type: "string" },
        destination: { type: "string" },
        date: { type: "string", format: "date" },
        passengers: { type: "integer", minimum: 1, maximum: 9 },
        cabin: { enum: ["economy", "business"] },
      },
      required: ["origin", "destination", "date", "passengers"],
      additionalProperties: false,
    },
  },
  { name: "get_time", description: "Current time", parameters: { type: "object", properties: {} } },
];

describe("sim: generic answers", () => {
  it.each(Object.entries(SCHEMAS))("schema %s -> a valid instance, deterministic", async (_name, schema) => {
    const sim = createSimModel();
    const req: ChatRequest = { messages: [{ role: "user", content: "go" }], responseFormat: { name: "x", schema }, seed: 5 };
    const a = await sim.chat(req);
    const b = await sim.chat({ ...req });
    const check = validateAgainst(schema, JSON.parse(a.text));
    expect(check.errors).toEqual([]);
    expect(a.text).toEqual(b.text);
    expect(a.model).toBe("sim");
    expect(sim.backend).toBe("sim");
  });

  it("varies with the seed and reads naturally from property names", async () => {
    const sim = createSimModel();
    const schema = SCHEMAS.formats!;
    const person: JsonSchema = {
      type: "object",
      properties: { city: { type: "string" }, email: { type: "string" }, first_name: { type: "string" }, query: { type: "string" } },
      required: ["city", "email", "first_name", "query"],
    };
    const outs = new Set<string>();
    for (let seed = 0; seed < 8; seed++) {
      const r = await sim.chat({ messages: [{ role: "user", content: "x" }], responseFormat: { name: "p", schema: person }, seed });
      outs.add(r.text);
      const v = JSON.parse(r.text) as Record<string, string>;
      expect(v.email).toMatch(/@example\./);
      expect(v.city).not.toMatch(/example/);
    }
    expect(outs.size).toBeGreaterThan(2);
    void schema;
  });

  it("named tool choice -> a call to that tool with valid arguments", async () => {
    const sim = createSimModel();
    for (let seed = 0; seed < 10; seed++) {
      const r = await sim.chat({ messages: [{ role: "user", content: "fly" }], tools, toolChoice: { name: "book_flight" }, seed });
      expect(r.toolCalls).toHaveLength(1);
      expect(r.finishReason).toBe("tool_calls");
      const call = r.toolCalls[0]!;
      expect(call.function.name).toBe("book_flight");
      expect(validateAgainst(tools[0]!.parameters, JSON.parse(call.function.arguments)).errors).toEqual([]);
      expect(call.id).toMatch(/^[A-Za-z0-9]{9}$/);
    }
  });

  it("required tool choice picks an offered tool; auto gives text", async () => {
    const sim = createSimModel();
    const r = await sim.chat({ messages: [{ role: "user", content: "x" }], tools, toolChoice: "required" });
    expect(tools.map((t) => t.name)).toContain(r.toolCalls[0]!.function.name);
    const t = await sim.chat({ messages: [{ role: "user", content: "what is new?" }], tools });
    expect(t.toolCalls).toEqual([]);
    expect(t.text).toContain("what is new?");
  });

  it("a tool result gets a readable summary", async () => {
    const r = simGenericAnswer({
      messages: [
        { role: "user", content: "q" },
        { role: "assistant", content: null, tool_calls: [{ id: "1", type: "function", function: { name: "get_time", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "1", content: '{"time":"09:30"}' },
      ],
    });
    expect(r.text).toContain("09:30");
  });

  it("an unknown named tool is a request error", async () => {
    await expect(createSimModel().chat({ messages: [], tools, toolChoice: { name: "nope" } })).rejects.toBeInstanceOf(ModelRequestError);
  });
});
