import { describe, expect, it } from "vitest";
import type { ToolSpec } from "../core/index.js";
import { extractFields, fieldText } from "./fields.js";

const spec: ToolSpec = {
  name: "get_booking_history",
  description: "",
  parameters: {
    type: "object",
    properties: {
      access_token: { type: "string", description: "The access token" },
      filter: { type: "object", properties: { since: { type: "string", description: "Start date" } } },
    },
  },
  returns: {
    type: "dict",
    properties: {
      booking: { type: "dict", description: "The booking", properties: { booking_id: { type: "string", description: "The ID of the booking" } } },
      items: { type: "array", items: { type: "object", properties: { sku: { type: "string" } } } },
    },
  },
  source: { file: "t.jsonl", pointer: "", format: "toolspec" },
};

describe("extractFields", () => {
  it("lists parameters and nested return fields with their paths", () => {
    const f = extractFields(spec, 7);
    expect(f.every((x) => x.tool === 7)).toBe(true);
    expect(f.filter((x) => x.role === "param").map((x) => x.path)).toEqual(["access_token", "filter", "filter.since"]);
    expect(f.filter((x) => x.role === "return").map((x) => x.path)).toEqual(["booking", "booking.booking_id", "items", "items[].sku"]);
    const bid = f.find((x) => x.path === "booking.booking_id");
    expect(bid?.name).toBe("booking_id");
    expect(fieldText(bid!)).toBe("booking_id: The ID of the booking");
    // context words: the parent path of nested fields, the tool name for one-word top-level fields
    expect(bid?.context).toBe("booking");
    expect(f.find((x) => x.path === "items[].sku")?.context).toBe("items");
    expect(f.find((x) => x.path === "access_token")?.context).toBe("");
    expect(f.find((x) => x.path === "filter")?.context).toBe("get_booking_history");
  });

  it("turns a bare described return value into one field, and a top-level array of objects into item fields", () => {
    const bare = { ...spec, returns: { type: "string", description: "The weather report" } };
    expect(extractFields(bare, 0).filter((x) => x.role === "return")).toEqual([
      { tool: 0, role: "return", path: "return", name: "return", description: "The weather report", context: "get_booking_history", kind: { type: "string" } },
    ]);
    const list = { ...spec, returns: { type: "array", items: { type: "object", properties: { order_id: { type: "string" } } } } };
    expect(extractFields(list, 0).filter((x) => x.role === "return").map((x) => x.path)).toEqual(["[].order_id"]);
  });
});
