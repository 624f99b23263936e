import { describe, it, expect } from "vitest";
import { userTranscript } from "./common.js";
import { compactSchema } from "./tool-schema.js";

describe("compactSchema", () => {
  it("writes objects a property a line, optional ones with ?, descriptions and defaults as comments", () => {
    const s = {
      type: "object",
      properties: {
        city: { type: "string", description: "City name,\n  as written" },
        days: { type: "integer", default: 3 },
        unit: { type: "string", enum: ["c", "f"] },
        "travel-class": { type: "string" },
      },
      required: ["city"],
    };
    expect(compactSchema(s)).toBe(
      ['{', '  city: string, // City name, as written', '  days?: integer, // (default 3)', '  unit?: "c" | "f",', '  "travel-class"?: string,', '}'].join("\n"),
    );
  });

  it("nests objects and arrays with the given indent, and writes alternatives, formats and maps", () => {
    const s = {
      type: "object",
      properties: {
        items: { type: "array", items: { type: "object", properties: { id: { type: "string" } }, required: ["id"] } },
        tags: { type: "array", items: { anyOf: [{ type: "string" }, { type: "number" }] } },
        when: { type: ["string", "null"], format: "date" },
        extra: { type: "object", additionalProperties: { type: "number" } },
      },
      required: ["items", "tags", "when", "extra"],
    };
    expect(compactSchema(s, "  ")).toBe(
      [
        "{",
        "    items: {",
        "      id: string,",
        "    }[],",
        "    tags: (string | number)[],",
        "    when: string (date) | null,",
        "    extra: {",
        "      [key: string]: number,",
        "    },",
        "  }",
      ].join("\n"),
    );
  });

  it("says any for what it cannot type, and object for an object without properties", () => {
    expect(compactSchema(undefined)).toBe("any");
    expect(compactSchema({})).toBe("any");
    expect(compactSchema({ type: "object" })).toBe("object");
    expect(compactSchema({ const: "x" })).toBe('"x"');
  });
});

describe("userTranscript", () => {
  it("shows what a user sees: the user's and the assistant's words, no tool calls or results", () => {
    const text = userTranscript([
      { role: "system", content: "sys" },
      { role: "user", content: "Book it" },
      { role: "assistant", content: "", tool_calls: [{ id: "a1b2c3d4e", type: "function", function: { name: "book", arguments: "{}" } }] },
      { role: "tool", tool_call_id: "a1b2c3d4e", name: "book", content: '{"booking_id":"B1"}' },
      { role: "assistant", content: "Booked: B1." },
    ]);
    expect(text).toBe("User: Book it\nAssistant: Booked: B1.");
  });
});
