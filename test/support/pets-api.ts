/**
 * A local HTTP API for the `http` executor tests, with the OpenAPI document that describes it (built here, with
 * the server's URL). A pet clinic: `listPets` returns pet ids that `getPet` and `listVaccinations` take; `createPet`
 * is a write (POST). Every request needs `Authorization: Bearer <token>` (401 otherwise). Two operations exist for
 * the executor's own tests: `/slow` answers after a delay (timeouts) and `/flaky` fails with 503 a set number of
 * times first (retries). Every request is recorded, so a test sees what reached the server.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  body: unknown;
  status: number;
  /** The JSON the server answered. */
  response: unknown;
}

export interface PetsApi {
  /** `http://127.0.0.1:PORT/v1` */
  baseUrl: string;
  requests: RecordedRequest[];
  /** 503s `/flaky` still gives before it answers (set by tests). */
  flakyFailures: number;
  /** Delay of `/slow`, ms. */
  slowMs: number;
  close(): Promise<void>;
}

const SPECIES = ["cat", "dog", "rabbit", "parrot"];
const NAMES = ["Miso", "Pepper", "Olive", "Biscuit", "Juniper", "Tofu", "Maple", "Clover"];
const PET_ID = /^pet-[0-9a-f]{5}$/;

function h(text: string): number {
  return createHash("sha256").update(text).digest().readUInt32BE(0);
}

function pet(id: string) {
  const n = h(id);
  return { pet_id: id, name: NAMES[n % NAMES.length]!, species: SPECIES[(n >> 3) % SPECIES.length]!, age: 1 + (n % 14) };
}

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text) return undefined;
  if (req.headers["content-type"] === "application/x-www-form-urlencoded") return { form: Object.fromEntries(new URLSearchParams(text)) };
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function startPetsApi(options: { token: string }): Promise<PetsApi> {
  const requests: RecordedRequest[] = [];
  const api: PetsApi = { baseUrl: "", requests, flakyFailures: 0, slowMs: 2000, close: async () => {} };
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const body = await readBody(req);
    const send = (status: number, value: unknown) => {
      requests.push({
        method: req.method ?? "GET",
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        authorization: req.headers.authorization,
        body,
        status,
        response: value,
      });
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
    };
    if (req.headers.authorization !== `Bearer ${options.token}`) return send(401, { message: "missing or wrong bearer token" });
    const path = url.pathname;
    let m: RegExpExecArray | null;
    if (req.method === "GET" && path === "/v1/pets") {
      const species = url.searchParams.get("species") ?? "any";
      const limit = Math.min(5, Number(url.searchParams.get("limit") ?? 2) || 2);
      const pets = Array.from({ length: limit }, (_, i) => pet(`pet-${(h(`${species}#${i}`) & 0xfffff).toString(16).padStart(5, "0")}`));
      return send(200, { pets: pets.map((p) => ({ pet_id: p.pet_id, name: p.name })) });
    }
    if (req.method === "GET" && (m = /^\/v1\/pets\/([^/]+)$/.exec(path))) {
      const id = decodeURIComponent(m[1]!);
      if (!PET_ID.test(id)) return send(404, { message: `no pet with id ${id}` });
      return send(200, pet(id));
    }
    if (req.method === "GET" && (m = /^\/v1\/pets\/([^/]+)\/vaccinations$/.exec(path))) {
      const id = decodeURIComponent(m[1]!);
      if (!PET_ID.test(id)) return send(404, { message: `no pet with id ${id}` });
      const n = h(id);
      return send(200, { pet_id: id, vaccinations: [{ vaccine: n % 2 ? "rabies" : "distemper", date: `2025-0${1 + (n % 9)}-1${n % 10}` }] });
    }
    if (req.method === "POST" && (m = /^\/v1\/pets\/([^/]+)\/notes$/.exec(path))) {
      return send(201, { pet_id: decodeURIComponent(m[1]!), saved: body });
    }
    if (req.method === "POST" && path === "/v1/pets") {
      const b = (body ?? {}) as Record<string, unknown>;
      return send(201, { pet_id: `pet-${(h(JSON.stringify(b)) & 0xfffff).toString(16).padStart(5, "0")}`, name: b.name, species: b.species });
    }
    if (req.method === "GET" && path === "/v1/slow") {
      await new Promise((r) => setTimeout(r, api.slowMs));
      return send(200, { slow: true });
    }
    if (req.method === "GET" && path === "/v1/flaky") {
      if (api.flakyFailures > 0) {
        api.flakyFailures--;
        return send(503, { message: "try again" });
      }
      return send(200, { ok: true });
    }
    return send(404, { message: `no route ${req.method} ${path}` });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  api.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  api.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return api;
}

const json = (schema: unknown) => ({ "application/json": { schema } });

/** The OpenAPI 3 document of the pets API, with `servers` set to `baseUrl`. */
export function petsOpenApi(baseUrl: string): Record<string, unknown> {
  const petId = { name: "petId", in: "path", required: true, description: "A pet id from listPets, e.g. pet-0a1b2", schema: { type: "string" } };
  return {
    openapi: "3.0.3",
    info: { title: "Pet clinic", version: "1.0" },
    servers: [{ url: baseUrl }],
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" } },
      schemas: {
        Pet: {
          type: "object",
          required: ["pet_id", "name"],
          properties: { pet_id: { type: "string" }, name: { type: "string" }, species: { type: "string" }, age: { type: "integer" } },
        },
      },
    },
    security: [{ bearer: [] }],
    paths: {
      "/pets": {
        get: {
          operationId: "listPets",
          summary: "List the clinic's pets of a species, with their pet ids",
          parameters: [
            { name: "species", in: "query", required: true, schema: { type: "string", enum: SPECIES } },
            { name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 5 } },
          ],
          responses: {
            "200": {
              description: "Pets",
              content: json({
                type: "object",
                properties: { pets: { type: "array", items: { type: "object", properties: { pet_id: { type: "string" }, name: { type: "string" } } } } },
              }),
            },
          },
        },
        post: {
          operationId: "createPet",
          summary: "Register a new pet",
          requestBody: {
            required: true,
            content: json({ type: "object", required: ["name", "species"], properties: { name: { type: "string" }, species: { type: "string", enum: SPECIES } } }),
          },
          responses: { "201": { description: "Created", content: json({ $ref: "#/components/schemas/Pet" }) } },
        },
      },
      "/pets/{petId}": {
        get: {
          operationId: "getPet",
          summary: "A pet's details by its pet id",
          parameters: [petId],
          responses: { "200": { description: "The pet", content: json({ $ref: "#/components/schemas/Pet" }) }, "404": { description: "Unknown pet" } },
        },
      },
      "/pets/{petId}/vaccinations": {
        get: {
          operationId: "listVaccinations",
          summary: "A pet's vaccinations by its pet id",
          parameters: [petId],
          responses: {
            "200": {
              description: "Vaccinations",
              content: json({
                type: "object",
                properties: {
                  pet_id: { type: "string" },
                  vaccinations: { type: "array", items: { type: "object", properties: { vaccine: { type: "string" }, date: { type: "string" } } } },
                },
              }),
            },
          },
        },
      },
      "/pets/{petId}/notes": {
        post: {
          operationId: "addNote",
          summary: "Add a note to a pet's file (a form post)",
          parameters: [petId],
          requestBody: {
            required: true,
            content: { "application/x-www-form-urlencoded": { schema: { type: "object", required: ["note"], properties: { note: { type: "string" }, urgent: { type: "boolean" } } } } },
          },
          responses: { "201": { description: "Saved" } },
        },
      },
      "/slow": { get: { operationId: "slowCall", summary: "Answers slowly", responses: { "200": { description: "ok" } } } },
      "/flaky": { get: { operationId: "flakyCall", summary: "Fails a few times first", responses: { "200": { description: "ok", content: json({ type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] }) } } } },
    },
  };
}
