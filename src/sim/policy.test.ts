/**
 * Realism of the sim policy's dialogues over the bundled example tools (the README demo's hotels, shop, flights,
 * notes and weather): related values agree, names fit what they name, results repeat the call's (nested)
 * arguments, the plan uses the tools in a sensible order, and the user's wording varies. Every dialogue must still
 * pass verification (argument provenance included).
 */
import { readdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { sampleOf, simModels } from "../../test/support/agents.js";
import { generateDialogue, type GeneratedDialogue, type ToolContext } from "../agents/index.js";
import { Rng } from "../core/index.js";
import type { Message, ToolCall, ToolSpec } from "../core/index.js";
import { importTools } from "../tools/index.js";
import { verifyDialogue } from "../verify/index.js";
import { createSimModel } from "./model.js";
import { simPlan } from "./plan.js";
import { schemaExample } from "./schema-example.js";
import { userValue } from "./resolve.js";
import { fakeValue } from "./fake-value.js";
import { CITY_INFO, HOTELS, PEOPLE, PRODUCTS } from "./vocab.js";

const EXAMPLES = resolve(dirname(fileURLToPath(import.meta.url)), "../../examples");

let tools: ToolSpec[];
const byName = (n: string) => tools.find((t) => t.name === n)!;

const SHOP = ["createCart", "searchProducts", "addToCart", "getProduct", "checkoutCart", "getOrderStatus"];
const TRAVEL = ["search_hotels", "book_hotel", "search_flights", "get_flight_details", "book_flight"];
const MIXED = ["book_hotel", "search_hotels", "convert_temperature", "get_forecast", "create_note"];
const SETS = [SHOP, TRAVEL, MIXED];
const SEEDS = Array.from({ length: 10 }, (_, i) => i + 1);
const runs: Array<{ names: string[]; seed: number; d: GeneratedDialogue }> = [];

function callsOf(m: Message): ToolCall[] {
  return m.role === "assistant" ? (m.tool_calls ?? []) : [];
}

/** Every call of every dialogue with its arguments and parsed result. */
function calls(): Array<{ name: string; args: Record<string, unknown>; result: unknown; seed: number }> {
  const out: Array<{ name: string; args: Record<string, unknown>; result: unknown; seed: number }> = [];
  for (const { d, seed } of runs) {
    d.messages.forEach((m) => {
      for (const c of callsOf(m)) {
        const res = d.messages.find((x) => x.role === "tool" && x.tool_call_id === c.id && !/"error"/.test(x.content));
        if (!res) continue;
        out.push({ name: c.function.name, args: JSON.parse(c.function.arguments), result: JSON.parse(res.content as string), seed });
      }
    });
  }
  return out;
}

/** Every string leaf of a JSON value. */
function strings(v: unknown): string[] {
  if (typeof v === "string") return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v && typeof v === "object") return Object.values(v).flatMap(strings);
  return [];
}

beforeAll(async () => {
  const files = readdirSync(EXAMPLES)
    .sort()
    .map((f) => resolve(EXAMPLES, f));
  tools = (await importTools(files)).tools;
  for (const names of SETS) {
    for (const seed of SEEDS) {
      const d = await generateDialogue(sampleOf(names), tools, simModels(), { seed, usePlan: true, toolErrorRate: 0 });
      runs.push({ names, seed, d });
    }
  }
});

describe("sim dialogues over the example tools", () => {
  it("pass verification, argument provenance included", () => {
    for (const { names, seed, d } of runs) {
      const v = verifyDialogue({ tools: names.map(byName), plan: d.plan, messages: d.messages, stepOf: d.stepOf });
      const failed = v.checks.filter((c) => !c.passed).map((c) => `${c.name}: ${c.reasons.join("; ")}`);
      expect(failed, `seed ${seed} ${names.join(",")}`).toEqual([]);
    }
  });

  it("hotel stays check out 1 to 14 days after checking in", () => {
    const stays = calls().filter((c) => "check_in_date" in c.args && "check_out_date" in c.args);
    expect(stays.length).toBeGreaterThan(10);
    for (const { args } of stays) {
      const days = (Date.parse(String(args.check_out_date)) - Date.parse(String(args.check_in_date))) / 86_400_000;
      expect(days, JSON.stringify(args)).toBeGreaterThanOrEqual(1);
      expect(days, JSON.stringify(args)).toBeLessThanOrEqual(14);
    }
  });

  it("never uses placeholder words as values; streets, postal codes and countries fit the city", () => {
    const all = calls();
    for (const c of all) {
      for (const s of [...strings(c.args), ...strings(c.result)]) {
        expect(s, `${c.name} ${JSON.stringify(c.args)}`).not.toMatch(/^(default|general|main|standard value|sample \w+|primary \w+|current \w+|example \w+)$/i);
      }
    }
    const checkouts = all.filter((c) => c.name === "checkoutCart");
    expect(checkouts.length).toBeGreaterThan(3);
    for (const { args } of checkouts) {
      const a = args.shipping_address as Record<string, string>;
      expect(a.street).toMatch(/^\d+ [A-Z][a-z]+ (Street|Avenue|Road|Drive|Lane)$/);
      const city = CITY_INFO[a.city ?? ""]!;
      expect(city, a.city).toBeDefined();
      expect(city.postal).toContain(a.postal_code);
      expect(a.country).toBe(city.code); // the schema asks for an ISO 3166 code
    }
  });

  it("names fit what they name: products and hotels are not people, guests are the user", () => {
    const all = calls();
    const products = all.filter((c) => c.name === "getProduct" || c.name === "searchProducts");
    const hotels = all.filter((c) => c.name === "search_hotels");
    expect(products.length).toBeGreaterThan(3);
    expect(hotels.length).toBeGreaterThan(3);
    for (const c of products) {
      const names = c.name === "getProduct" ? [(c.result as { name: string }).name] : (c.result as { products: { name: string }[] }).products.map((p) => p.name);
      for (const n of names) expect(PRODUCTS, n).toContain(n);
    }
    for (const c of hotels) for (const h of (c.result as { hotels: { name: string }[] }).hotels) expect(HOTELS).toContain(h.name);
    for (const { d, seed } of runs) {
      const persona = d.persona.split(",")[0]!.trim();
      for (const c of d.messages.flatMap(callsOf).filter((x) => x.function.name === "book_hotel")) {
        expect(JSON.parse(c.function.arguments).guest_name, `seed ${seed}`).toBe(persona.normalize("NFD").replace(/[\u0300-\u036f]/g, ""));
      }
    }
    // and a product search's first hit matches the query
    for (const c of all.filter((x) => x.name === "searchProducts")) {
      const first = (c.result as { products: { name: string }[] }).products[0];
      if (!first) continue;
      const words = String(c.args.query).toLowerCase().split(/\s+/);
      expect(words.some((w) => first.name.toLowerCase().includes(w.replace(/s$/, ""))), `${c.args.query} -> ${first.name}`).toBe(true);
    }
  });

  it("results repeat the call's nested arguments and fit the action: a new order is paid, in the city it ships to", () => {
    const checkouts = calls().filter((c) => c.name === "checkoutCart");
    for (const { args, result } of checkouts) {
      const r = result as { shipping_city: string; status: string };
      expect(r.shipping_city).toBe((args.shipping_address as { city: string }).city);
      expect(r.status).toBe("paid");
    }
    for (const c of calls().filter((x) => x.name === "book_hotel" || x.name === "book_flight"))
      expect(["confirmed", "pending"]).toContain((c.result as { status: string }).status);
  });

  it("a cart adds up: a new cart is empty, an added product costs its price, the total is the sum of the lines", () => {
    const all = calls();
    for (const c of all.filter((x) => x.name === "createCart")) expect(c.result).toMatchObject({ items: [], total: 0 });
    let priced = 0;
    for (const { d } of runs) {
      const prices = new Map<string, number>();
      d.messages.forEach((m) => {
        if (m.role !== "tool" || /"error"/.test(m.content)) return;
        const r = JSON.parse(m.content as string) as Record<string, unknown>;
        for (const p of (r.products as { product_id: string; price: number }[] | undefined) ?? []) prices.set(p.product_id, p.price);
        if (m.name !== "addToCart" && m.name !== "checkoutCart") return;
        const items = r.items as { product_id: string; quantity: number; line_total: number }[];
        const sum = Math.round(items.reduce((s, i) => s + i.line_total, 0) * 100) / 100;
        expect(r.total).toBeCloseTo(sum, 2);
        for (const i of items) {
          const price = prices.get(i.product_id);
          if (price === undefined) continue;
          expect(i.line_total).toBeCloseTo(price * i.quantity, 2);
          priced++;
        }
      });
    }
    expect(priced).toBeGreaterThan(0);
  });

  it("a lookup returns what was found before: the same flight, route and departure day", () => {
    let seen = 0;
    for (const { d } of runs) {
      const searches = d.messages.flatMap(callsOf).filter((c) => c.function.name === "search_flights");
      for (const m of d.messages) {
        if (m.role !== "tool" || m.name !== "get_flight_details" || /"error"/.test(m.content)) continue;
        const r = JSON.parse(m.content) as { flight_id: string; origin: string; destination: string; departure_time: string; arrival_time: string };
        // the search whose result listed this flight
        const search = searches.find((c) =>
          d.messages.some((x) => x.role === "tool" && x.tool_call_id === c.id && x.content.includes(`"${r.flight_id}"`)),
        );
        if (!search) continue;
        const args = JSON.parse(search.function.arguments) as { origin: string; destination: string; departure_date: string };
        expect(r.origin).toBe(args.origin);
        expect(r.destination).toBe(args.destination);
        expect(r.departure_time.slice(0, 10)).toBe(args.departure_date);
        expect(r.arrival_time > r.departure_time).toBe(true);
        seen++;
      }
    }
    expect(seen).toBeGreaterThan(0);
    // and booking the hotel found costs its nightly rate times the nights
    let stays = 0;
    for (const { d } of runs) {
      for (const c of d.messages.flatMap(callsOf).filter((x) => x.function.name === "book_hotel")) {
        const res = d.messages.find((x) => x.role === "tool" && x.tool_call_id === c.id && !/"error"/.test(x.content));
        const a = JSON.parse(c.function.arguments) as { hotel_id: string; check_in_date: string; check_out_date: string };
        const found = d.messages
          .filter((x) => x.role === "tool" && x.name === "search_hotels" && !/"error"/.test(x.content))
          .flatMap((x) => (JSON.parse(x.content as string) as { hotels: { hotel_id: string; price_per_night: number }[] }).hotels)
          .find((h) => h.hotel_id === a.hotel_id);
        if (!res || !found) continue;
        const nights = (Date.parse(a.check_out_date) - Date.parse(a.check_in_date)) / 86_400_000;
        expect((JSON.parse(res.content as string) as { total_price: number }).total_price).toBeCloseTo(found.price_per_night * nights, 2);
        stays++;
      }
    }
    expect(stays).toBeGreaterThan(0);
  });

  it("the user's wording varies: dates, places and texts are not all 'the X is Y'", () => {
    const userText = runs.flatMap(({ d }) => d.messages.filter((m) => m.role === "user").map((m) => m.content as string));
    expect(userText.some((t) => /(checking in|arriving) on \d{4}-/.test(t))).toBe(true);
    expect(userText.some((t) => /(checking out|leaving) on \d{4}-/.test(t))).toBe(true);
    expect(userText.some((t) => /ship it to|send it to|shipping address is/.test(t))).toBe(true);
    expect(userText.some((t) => /the check in date is/.test(t))).toBe(false);
    // the same request reads differently across seeds
    const openers = new Set(runs.filter((r) => r.names === SHOP).map(({ d }) => (d.messages.find((m) => m.role === "user")!.content as string).replace(/[\w.-]+@example\.com|\d+/g, "#")));
    expect(openers.size).toBeGreaterThan(3);
  });
});

describe("sim planner order", () => {
  it("searches before it books, and checks a cart out after adding to it, whatever the sample's order", () => {
    for (let seed = 0; seed < 20; seed++) {
      const plan = simPlan({ agent: "planner", seed, sample: sampleOf(["book_hotel", "search_hotels"]), tools: ["book_hotel", "search_hotels"].map(byName), maxTurns: 12 });
      const order = plan.steps.flatMap((s) => s.tools);
      expect(order.indexOf("search_hotels")).toBeLessThan(order.indexOf("book_hotel"));
      expect(plan.steps.some((s) => s.kind === "parallel" && new Set(s.tools).size > 1)).toBe(false);
      const shop = ["checkoutCart", "createCart", "addToCart"];
      const p2 = simPlan({ agent: "planner", seed, sample: sampleOf(shop), tools: shop.map(byName), maxTurns: 12 });
      expect(p2.steps.flatMap((s) => s.tools).filter((t, i, a) => a.indexOf(t) === i)).toEqual(["createCart", "addToCart", "checkoutCart"]);
    }
  });
});

describe("sim values", () => {
  it("user values of related parameters agree: check-out after check-in, target unit other than the source unit, temperatures in range", () => {
    const book = byName("book_hotel");
    const conv = byName("convert_temperature");
    for (let seed = 0; seed < 200; seed++) {
      const cin = userValue(seed, book, "check_in_date", 0, "Ana Silva") as string;
      const cout = userValue(seed, book, "check_out_date", 0, "Ana Silva") as string;
      expect(cout > cin, `${cin} -> ${cout}`).toBe(true);
      expect(userValue(seed, book, "guest_name", 0, "Ana Silva")).toBe("Ana Silva");
      const from = userValue(seed, conv, "from_unit", 0, "x");
      expect(userValue(seed, conv, "to_unit", 0, "x")).not.toBe(from);
      const t = userValue(seed, conv, "temperature", 0, "x") as number;
      if (from === "kelvin") expect(t).toBeGreaterThan(200);
    }
  });

  it("names by their object: a product's name is a product, a guest's a person, an unknown thing's a label", () => {
    const schema = { type: "object", properties: { name: { type: "string" }, guest_name: { type: "string" } }, required: ["name", "guest_name"] };
    for (let seed = 0; seed < 30; seed++) {
      const p = fakeValue(schema, { name: "product", purpose: "result", tool: "getProduct" }, new Rng(seed)) as Record<string, string>;
      expect(PRODUCTS).toContain(p.name);
      expect(PEOPLE.map((x) => x.normalize("NFD").replace(/[\u0300-\u036f]/g, ""))).toContain(p.guest_name);
      const w = fakeValue({ type: "string" }, { name: "workspace_name", purpose: "argument", tool: "create_workspace" }, new Rng(seed)) as string;
      expect(w).toMatch(/^[A-Z][a-z]+ Workspace$/);
      const free = fakeValue({ type: "string" }, { name: "flavour", purpose: "argument" }, new Rng(seed)) as string;
      expect(free).not.toMatch(/^(default|general|main|standard)$/);
    }
  });

  it("result statuses fit the action when the schema allows it", () => {
    const schema = { type: "object", properties: { status: { type: "string", enum: ["delivered", "shipped", "paid", "cancelled"] } }, required: ["status"] };
    for (let seed = 0; seed < 30; seed++) {
      expect(fakeValue(schema, { name: "order", purpose: "result", tool: "placeOrder" }, new Rng(seed))).toEqual({ status: "paid" });
      expect(fakeValue(schema, { name: "order", purpose: "result", tool: "cancel_order" }, new Rng(seed))).toEqual({ status: "cancelled" });
    }
  });

  it("nested arguments are echoed into result fields named after their path (shipping_address.city -> shipping_city)", async () => {
    const sim = createSimModel();
    const args = { cart_id: "cart_1", shipping_address: { name: "Ana Silva", street: "1 Elm Street", city: "Denver", postal_code: "80202", country: "US" }, payment_method: "card" };
    for (let seed = 0; seed < 10; seed++) {
      const context: ToolContext = { agent: "tool", calls: [{ seed, tool: byName("checkoutCart"), arguments: args, callId: `call_${seed}`, injectError: false }], known: [], history: [] };
      const answer = await sim.chat({ messages: [], context });
      expect((JSON.parse(answer.text) as { results: { shipping_city: string }[] }).results[0]!.shipping_city).toBe("Denver");
    }
  });
});

describe("schemaExample readable names", () => {
  it("names a product's name as a product and keeps an end date after its start", () => {
    const schema = {
      type: "object",
      properties: {
        product: { type: "object", properties: { name: { type: "string" } }, required: ["name"] },
        start_date: { type: "string", format: "date" },
        end_date: { type: "string", format: "date" },
      },
      required: ["product", "start_date", "end_date"],
    };
    for (let seed = 0; seed < 30; seed++) {
      const v = schemaExample(schema, { mode: "readable", rng: new Rng(seed) }) as { product: { name: string }; start_date: string; end_date: string };
      expect(v.product.name).not.toMatch(/^(Alex Morgan|Sam Lee|Priya Shah|Jordan Rivera)$/);
      expect(v.end_date > v.start_date, `${v.start_date} ${v.end_date}`).toBe(true);
    }
  });
});
