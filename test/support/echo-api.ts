/**
 * A local HTTP API that gives back the auth header it was sent, in the ways careless servers do, with the OpenAPI
 * document that describes it (built with the server's URL). For the test that no file a run writes holds the
 * secret in any form.
 *   GET /v1/me                    the caller: an account id, and the Authorization header raw, JSON-escaped
 *                                 inside a JSON string, URL-encoded (encodeURIComponent and form style), base64,
 *                                 base64url, and the base64 of the whole header line
 *   GET /v1/accounts/{accountId}  the account; every `failEvery`-th call (and an unknown id) is a 400 whose message
 *                                 echoes the header base64- and URL-encoded, and its status line base64url-encoded
 *                                 (a tool error)
 *   GET /v1/me/text               the same echoes as a text/plain answer (a string result)
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface EchoApi {
  /** `http://127.0.0.1:PORT/v1` */
  baseUrl: string;
  /** The Authorization header of every request, in order. */
  seen: string[];
  /** Every n-th call of getAccount fails with a 400 (0: never). */
  failEvery: number;
  close(): Promise<void>;
}

const b64 = (s: string) => Buffer.from(s).toString("base64");
const b64url = (s: string) => Buffer.from(s).toString("base64url");

/** The five (and more) ways the API echoes a header value, with a name for each. */
export function echoesOf(header: string): Record<string, string> {
  return {
    raw: header,
    json: JSON.stringify({ authorization: header }),
    url: encodeURIComponent(header),
    form: new URLSearchParams({ authorization: header }).toString(),
    base64: b64(header),
    base64url: b64url(header),
    line: b64(`Authorization: ${header}\r\n`),
  };
}

export async function startEchoApi(): Promise<EchoApi> {
  const api: EchoApi = { baseUrl: "", seen: [], failEvery: 0, close: async () => {} };
  let accountCalls = 0;
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const header = req.headers.authorization ?? "";
    api.seen.push(header);
    const json = (status: number, value: unknown, reason?: string) =>
      res.writeHead(status, ...(reason ? [reason] : []), { "content-type": "application/json" }).end(JSON.stringify(value));
    const echoes = echoesOf(header);
    let m: RegExpExecArray | null;
    if (url.pathname === "/v1/me") return json(200, { account_id: "acct-7731", plan: "team", echo: echoes });
    if (url.pathname === "/v1/me/text") {
      return res.writeHead(200, { "content-type": "text/plain" }).end(Object.entries(echoes).map(([k, v]) => `${k}=${v}`).join("\n"));
    }
    if ((m = /^\/v1\/accounts\/([^/]+)$/.exec(url.pathname))) {
      const id = decodeURIComponent(m[1]!);
      accountCalls++;
      if (id !== "acct-7731" || (api.failEvery > 0 && accountCalls % api.failEvery === 0)) {
        return json(400, { message: `no account ${id} for credentials ${echoes.base64} (${echoes.url})` }, `Bad credentials ${echoes.base64url}`);
      }
      return json(200, { account_id: id, owner: "Dana", seats: 4, token_hint: echoes.base64url });
    }
    return json(404, { message: `no route ${url.pathname}` });
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

/** The OpenAPI 3 document of the echo API, with `servers` set to `baseUrl`. */
export function echoOpenApi(baseUrl: string): Record<string, unknown> {
  const ok = (schema: unknown) => ({ "200": { description: "OK", content: { "application/json": { schema } } } });
  return {
    openapi: "3.0.3",
    info: { title: "Accounts", version: "1.0" },
    servers: [{ url: baseUrl }],
    paths: {
      "/me": {
        get: {
          operationId: "getMe",
          summary: "The calling account: its account id and plan",
          responses: ok({ type: "object", properties: { account_id: { type: "string" }, plan: { type: "string" } } }),
        },
      },
      "/me/text": {
        get: { operationId: "getMeText", summary: "The calling account as plain text", responses: { "200": { description: "OK" } } },
      },
      "/accounts/{accountId}": {
        get: {
          operationId: "getAccount",
          summary: "An account's owner and seats by its account id",
          parameters: [{ name: "accountId", in: "path", required: true, description: "An account id from getMe, e.g. acct-1234", schema: { type: "string" } }],
          responses: ok({ type: "object", properties: { account_id: { type: "string" }, owner: { type: "string" }, seats: { type: "integer" } } }),
        },
      },
    },
  };
}
