/**
 * Runs runBfclEval in a child process (for the kill-and-resume test):
 *   node --import tsx test/support/bfcl-eval-child.ts '{"baseURL":..., "dataDir":..., "outDir":..., "ids":[...], ...}'
 */
import { readBfclEvalItems, runBfclEval, type ToolMode } from "../../src/eval/index.js";

const args = JSON.parse(process.argv[2] ?? "{}") as {
  baseURL: string; dataDir: string; outDir: string; categories: string[]; ids: string[]; concurrency?: number; toolMode?: ToolMode; cacheDir?: string;
};
const items = await readBfclEvalItems([args.dataDir], args.categories);
await runBfclEval({
  llm: "openai:test-model",
  baseURL: args.baseURL,
  apiKey: "sk-test",
  items,
  ids: args.ids,
  outDir: args.outDir,
  concurrency: args.concurrency ?? 4,
  toolMode: args.toolMode ?? "native",
  cacheDir: args.cacheDir,
  print: null,
});
