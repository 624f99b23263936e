/**
 * P-R evidence needs more than shared words: types and formats agree, and an identifier parameter takes only an
 * identifier of the same entity; a parameter that names its producers takes P-R edges from those only. The two
 * bad edges seen in real runs are built from the bundled examples.
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { JsonSchema, ToolSpec } from "../core/index.js";
import { importTools } from "../tools/index.js";
import { PROJECT_ROOT } from "../../test/support/cli.js";
import { buildToolGraph } from "./builder.js";
import { entitiesAgree, fieldKind, identifierEntity, isIdentifierName, returnFeedsParam, typesAgree } from "./field-kinds.js";
import { paramMentions, toolsNamedIn } from "./mentions.js";
import type { ToolGraph } from "./tool-graph.js";

const pr = (g: ToolGraph, producer: string, consumer: string) =>
  g.edgesBetween(producer, consumer).find((e) => e.kind === "P-R" && e.source === producer && e.target === consumer);

function spec(name: string, params: Record<string, JsonSchema>, returns?: Record<string, JsonSchema>): ToolSpec {
  return {
    name,
    description: "",
    parameters: { type: "object", properties: params },
    ...(returns ? { returns: { type: "object", properties: returns } } : {}),
    source: { file: "test.jsonl", pointer: "", format: "toolspec" },
  };
}

describe("the bundled examples (shop + notes)", () => {
  let tools: ToolSpec[];
  beforeAll(async () => {
    tools = (await importTools([join(PROJECT_ROOT, "examples/shop.openapi.yaml"), join(PROJECT_ROOT, "examples/notes.mcp.json")])).tools;
  });

  it("no longer joins createCart -> getProduct (a cart's items[].product_id; product_id names searchProducts), but keeps the cart id flow", async () => {
    const g = await buildToolGraph(tools);
    expect(pr(g, "createCart", "getProduct")).toBeUndefined();
    // nor any other cart or order tool that merely echoes product ids back
    for (const echo of ["addToCart", "checkoutCart", "getOrderStatus"]) expect(pr(g, echo, "getProduct"), echo).toBeUndefined();
    expect(pr(g, "searchProducts", "getProduct")?.evidence[0]).toMatchObject({ sourceField: "products[].product_id", targetField: "product_id" });
    expect(pr(g, "createCart", "addToCart")?.evidence[0]).toMatchObject({ sourceField: "cart_id", targetField: "cart_id" });
    expect(pr(g, "createCart", "checkoutCart")?.evidence[0]).toMatchObject({ sourceField: "cart_id", targetField: "cart_id" });
    expect(pr(g, "checkoutCart", "trackShipment")?.evidence[0]).toMatchObject({ sourceField: "order_id", targetField: "order_id" });
    // evidence never pairs an identifier parameter with a field of another entity or no identifier at all
    for (const e of g.toJSON().edges.filter((x) => x.kind === "P-R")) {
      for (const x of e.evidence) {
        if (x.targetField.endsWith("_id")) expect(x.sourceField, `${e.source} -> ${e.target}`).toMatch(new RegExp(`${x.targetField}$`));
      }
    }
    expect(g.meta.rejectedReturnPairs).toBeGreaterThan(0);
  });

  it("never joins search_notes -> searchProducts by P-R, even at a threshold low enough for `notes` ~ `limit`", async () => {
    for (const threshold of [0.2, 0.4]) {
      const g = await buildToolGraph(tools, { threshold });
      expect(pr(g, "search_notes", "searchProducts"), `at ${threshold}`).toBeUndefined();
      expect(pr(g, "searchProducts", "search_notes"), `at ${threshold}`).toBeUndefined();
      // the notes' own flow stays
      expect(pr(g, "search_notes", "get_note")?.evidence[0]).toMatchObject({ sourceField: "notes[].note_id", targetField: "note_id" });
    }
    // what the rule removed at 0.2: a list of notes offered as a product search's integer limit
    const loose = await buildToolGraph(tools, { threshold: 0.2, exact: true });
    expect(pr(loose, "search_notes", "searchProducts")).toBeUndefined();
  });
});

describe("types, formats and entities of P-R evidence", () => {
  it("drops a pair whose types or formats disagree (string vs integer id, date-time vs date), keeps agreeing ones", async () => {
    const tools = [
      spec("open_ticket", { title: { type: "string", description: "Title of the ticket" } }, {
        ticket_id: { type: "integer", description: "Identifier of the ticket" },
        opened_at: { type: "string", format: "date-time", description: "When the ticket was opened" },
      }),
      // same names and words, other types / formats: no data can flow
      spec("close_ticket_legacy", {
        ticket_id: { type: "string", description: "Identifier of the ticket" },
        opened_at: { type: "string", format: "date", description: "When the ticket was opened" },
      }),
      // same names and types: the edge stays
      spec("close_ticket", {
        ticket_id: { type: "integer", description: "Identifier of the ticket" },
        opened_at: { type: "string", format: "date-time", description: "When the ticket was opened" },
      }),
    ];
    const g = await buildToolGraph(tools);
    expect(pr(g, "open_ticket", "close_ticket")?.evidence.map((x) => x.targetField).sort()).toEqual(["opened_at", "ticket_id"]);
    expect(pr(g, "open_ticket", "close_ticket_legacy")).toBeUndefined();
    // the parameters still share words and types with each other: P-P is not filtered
    expect(g.edgesBetween("close_ticket", "close_ticket_legacy").some((e) => e.kind === "P-P")).toBe(true);
  });

  it("joins an identifier parameter only to an identifier of the same entity (cart.id, cartId), not to a product id", async () => {
    const tools = [
      spec("new_basket", {}, { cart: { type: "object", properties: { id: { type: "string" } } } }),
      spec("make_cart", {}, { cartId: { type: "string", description: "Id of the new cart" } }),
      spec("lookup_product", {}, { product_id: { type: "string", description: "Id of the product in the cart" } }),
      spec("empty_cart", { cart_id: { type: "string", description: "Id of the cart" } }),
    ];
    const g = await buildToolGraph(tools, { threshold: 0.2 });
    expect(pr(g, "new_basket", "empty_cart")?.evidence[0]).toMatchObject({ sourceField: "cart.id", targetField: "cart_id" });
    expect(pr(g, "make_cart", "empty_cart")?.evidence[0]).toMatchObject({ sourceField: "cartId", targetField: "cart_id" });
    expect(pr(g, "lookup_product", "empty_cart")).toBeUndefined();
  });

  it("field kinds: identifiers, entities, types", () => {
    expect(["cart_id", "productId", "id", "ID", "id_fest", "user_uuid"].every(isIdentifierName)).toBe(true);
    expect(["idle_time", "identity", "video", "paid"].some(isIdentifierName)).toBe(false);
    const ent = (name: string, description = "", context = "") => [...identifierEntity({ name, description, context })].sort();
    expect(ent("cart_id")).toEqual(["cart"]);
    expect(ent("productId")).toEqual(["product"]);
    expect(ent("id", "", "cart")).toEqual(["cart"]);
    expect(ent("id", "ID of the posted tweet", "post_tweet")).toEqual(["tweet"]);
    expect(ent("receiver_id", "User ID of the user to send the message to.")).toEqual(["receiv", "user"]);
    expect(ent("id", "Id of the product in the cart")).toEqual(["product"]);
    expect(ent("cart_uuid", "The cart's UUID")).toEqual(["cart"]);
    // pairs an embedding model would find (lexical misses them): the entity rule lets them through
    const agree = (a: Set<string>, b: Set<string>) => entitiesAgree(a, b);
    expect(agree(identifierEntity({ name: "id", description: "The ID of the added entry, which can be used later", context: "core_memory_add_v2" }),
      identifierEntity({ name: "vec_id", description: "The ID of the entry to be removed. ", context: "" }))).toBe(true);
    expect(agree(identifierEntity({ name: "user_id", description: "User ID of the user", context: "" }),
      identifierEntity({ name: "receiver_id", description: "User ID of the user to send the message to.", context: "" }))).toBe(true);
    expect(entitiesAgree(new Set(["vec"]), new Set(["vector"]))).toBe(true);
    expect(entitiesAgree(new Set(["cart"]), new Set(["product"]))).toBe(false);
    const k = (s: JsonSchema, name = "x", description = "") => fieldKind(s, { name, description, context: "" });
    expect(typesAgree(k({ type: "array", items: { type: "string" } }), k({ type: "string" }))).toBe(true); // keys -> key
    expect(typesAgree(k({ type: "array", items: { type: "object" } }), k({ type: "integer" }))).toBe(false);
    expect(typesAgree(k({ type: "float" }), k({ type: "integer" }))).toBe(true);
    expect(typesAgree(k({ type: ["string", "null"] }), k({ type: "string" }))).toBe(true);
    expect(typesAgree(k({}), k({ type: "boolean" }))).toBe(true);
    // a bare return value described as an id counts as an identifier
    expect(returnFeedsParam(k({ type: "string" }, "return", "The ID of the new cart"), k({ type: "string" }, "cart_id"))).toBe(true);
    expect(returnFeedsParam(k({ type: "string" }, "status"), k({ type: "string" }, "order_id"))).toBe(false);
  });
});

describe("tool names in parameter descriptions", () => {
  it("finds compound names anywhere and one-word names only as code", () => {
    const names = new Set(["createCart", "search_notes", "notes.create", "cat", "find"]);
    expect(toolsNamedIn("Identifier of the cart, from createCart.", names)).toEqual(["createCart"]);
    expect(toolsNamedIn("from notes.create or search_notes, or createCart again", names)).toEqual(["notes.create", "search_notes", "createCart"]);
    expect(toolsNamedIn("the file to cat, as find would list it", names)).toEqual([]);
    expect(toolsNamedIn("a path from `find` or cat()", names)).toEqual(["find", "cat"]);
    expect(toolsNamedIn("createcart or CreateCart", names)).toEqual([]);
  });

  it("lists each tool's parameters that name other tools (never itself)", () => {
    const tools = [
      spec("createCart", { note: { type: "string", description: "Not from createCart itself" } }, { cart_id: { type: "string" } }),
      spec("addToCart", {
        cart_id: { type: "string", description: "Identifier of the cart, from createCart." },
        options: { type: "object", properties: { gift_of: { type: "string", description: "a cart from createCart or addToCart" } } },
        qty: { type: "integer", description: "How many" },
      }),
    ];
    const m = paramMentions(tools);
    expect(m.has("createCart")).toBe(false);
    expect(m.get("addToCart")).toEqual([
      { param: "cart_id", tools: ["createCart"] },
      { param: "options.gift_of", tools: ["createCart"] },
    ]);
  });
});
