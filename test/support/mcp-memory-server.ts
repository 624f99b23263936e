/**
 * A small stateful MCP server for the tests (the official SDK's McpServer over stdio): a memory of named entities,
 * in the style of the reference "memory" server, written here. Run it with
 * `node --import tsx test/support/mcp-memory-server.ts --stdio [--log FILE] [--pids FILE]`.
 *
 * - `create_entities` (a write) adds entities and gives each an id from the process's own counter (`ent-1`, ...);
 *   `delete_entities` (destructive) removes them; `read_graph` and `open_nodes` (read-only) show what this process
 *   holds. So a dialogue that shares the process with others sees their entities, and one with its own process sees
 *   only its own; and two runs give the same ids only when each dialogue has a process of its own.
 * - `export_entity` (read-only) answers with content other than text: a text block, a `resource_link` to the
 *   entity's JSON and a PNG `image` (base64) - no structuredContent.
 * - `--log FILE`: every call as a JSON line {pid, tool, arguments, result}; `--pids FILE`: the process id, one line
 *   per started process (a test checks that every one of them has exited).
 *
 * Tests that start many processes run `bundleMemoryServer(dir)` once: this file and its packages in one plain
 * JavaScript file (esbuild), which node starts in a third of the time tsx takes.
 */
import { appendFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

export interface MemoryCallLog {
  pid: number;
  tool: string;
  arguments: Record<string, unknown>;
  result: unknown;
}

/** A 1x1 PNG, repeated into an image of `bytes` bytes (its content does not matter, its size and type do). */
export function pngBytes(bytes: number): Buffer {
  const head = Buffer.from("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489", "hex");
  return Buffer.concat([head, Buffer.alloc(Math.max(0, bytes - head.length), 7)]);
}
export const EXPORT_IMAGE_BYTES = 30_000;

interface Entity {
  id: string;
  name: string;
  entityType: string;
  observations: string[];
}

export function createMemoryServer(log: (entry: Omit<MemoryCallLog, "pid">) => void): McpServer {
  const server = new McpServer({ name: "test-memory", version: "1.0.0" });
  const entities = new Map<string, Entity>();
  let next = 0;
  const answer = (tool: string, args: Record<string, unknown>, result: Record<string, unknown>) => {
    log({ tool, arguments: args, result });
    return { content: [{ type: "text" as const, text: JSON.stringify(result) }], structuredContent: result };
  };
  const EntityZ = z.object({ id: z.string(), name: z.string(), entityType: z.string(), observations: z.array(z.string()) });

  server.registerTool(
    "create_entities",
    {
      description: "Create entities in the memory, each with a name, an entity type and observations; returns their ids.",
      inputSchema: {
        entities: z
          .array(
            z.object({
              name: z.string().describe("The entity's name, e.g. 'Ada Lovelace'"),
              entityType: z.string().describe("What the entity is, e.g. 'person'"),
              observations: z.array(z.string()).optional(),
            }),
          )
          .min(1),
      },
      outputSchema: { created: z.array(z.object({ id: z.string(), name: z.string() })) },
    },
    async (args) => {
      const created: Array<{ id: string; name: string }> = [];
      for (const e of args.entities) {
        const entity = { id: `ent-${++next}`, name: e.name, entityType: e.entityType, observations: e.observations ?? [] };
        entities.set(e.name, entity);
        created.push({ id: entity.id, name: entity.name });
      }
      return answer("create_entities", args, { created });
    },
  );
  server.registerTool(
    "read_graph",
    {
      description: "Every entity in the memory.",
      inputSchema: {},
      outputSchema: { entities: z.array(EntityZ) },
      annotations: { readOnlyHint: true },
    },
    async (args) => answer("read_graph", args, { entities: [...entities.values()] }),
  );
  server.registerTool(
    "open_nodes",
    {
      description: "The entities with the given names (names from create_entities or read_graph).",
      inputSchema: { names: z.array(z.string()).min(1).describe("Entity names, e.g. ['Ada Lovelace']") },
      outputSchema: { entities: z.array(EntityZ) },
      annotations: { readOnlyHint: true },
    },
    async (args) => answer("open_nodes", args, { entities: args.names.flatMap((n) => entities.get(n) ?? []) }),
  );
  server.registerTool(
    "delete_entities",
    {
      description: "Delete the entities with the given names.",
      inputSchema: { names: z.array(z.string()).min(1).describe("Entity names from create_entities") },
      outputSchema: { deleted: z.array(z.string()) },
      annotations: { destructiveHint: true, readOnlyHint: false },
    },
    async (args) => answer("delete_entities", args, { deleted: args.names.filter((n) => entities.delete(n)) }),
  );
  server.registerTool(
    "export_entity",
    {
      description: "Export an entity as a JSON file and a picture of its card; returns a link to the file and the picture.",
      inputSchema: { name: z.string().describe("The entity's name") },
      annotations: { readOnlyHint: true },
    },
    async (args) => {
      const e = entities.get(args.name);
      const slug = encodeURIComponent(args.name);
      const text = e ? `Exported ${e.name} (${e.observations.length} observations).` : `No entity named ${args.name}; exported an empty card.`;
      const content = [
        { type: "text" as const, text },
        { type: "resource_link" as const, uri: `memory://entities/${slug}.json`, name: `${slug}.json`, mimeType: "application/json" },
        { type: "image" as const, data: pngBytes(EXPORT_IMAGE_BYTES).toString("base64"), mimeType: "image/png" },
      ];
      log({ tool: "export_entity", arguments: args, result: { text, uri: `memory://entities/${slug}.json` } });
      return { content };
    },
  );
  return server;
}

/** This server bundled into `dir/mcp-memory-server.mjs` (run it with `node FILE --stdio ...`); returns the file. */
export async function bundleMemoryServer(dir: string): Promise<string> {
  const { build } = await import("esbuild");
  const outfile = join(dir, "mcp-memory-server.mjs");
  await build({
    entryPoints: [fileURLToPath(import.meta.url)],
    bundle: true,
    platform: "node",
    format: "esm",
    outfile,
    logLevel: "error",
    // CommonJS parts of the bundled packages call require()
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
  return outfile;
}

async function main(argv: string[]): Promise<void> {
  const arg = (name: string) => {
    const at = argv.indexOf(name);
    return at >= 0 ? argv[at + 1] : undefined;
  };
  const logFile = arg("--log");
  const pidFile = arg("--pids");
  if (pidFile) appendFileSync(pidFile, `${process.pid}\n`);
  const server = createMemoryServer((e) => {
    if (logFile) appendFileSync(logFile, JSON.stringify({ pid: process.pid, ...e }) + "\n");
  });
  await server.connect(new StdioServerTransport());
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href && process.argv.includes("--stdio")) {
  void main(process.argv.slice(2));
}
