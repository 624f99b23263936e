/**
 * `npm run bench [name...]`: runs every benchmark in bench/ (files named *.bench.ts), or the named ones.
 * Each benchmark prints its own figures and ratios. Benchmarks are never part of `npm test`.
 */
import { readdirSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";

const dir = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();
if (files.length === 0) {
  console.error(`no benchmark matches ${wanted.join(", ")}`);
  process.exit(2);
}
for (const f of files) {
  console.log(`\n=== ${f} ===`);
  const mod = (await import(pathToFileURL(join(dir, f)).href)) as { run?: () => Promise<void> };
  if (typeof mod.run !== "function") throw new Error(`${f} does not export run()`);
  await mod.run();
}
