/**
 * The toolflow package on disk: its root folder (the one holding its package.json, found by walking up from this
 * module, so it works from src/ and dist/) and its version. Bundled files (prompts/) are read from there.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ToolflowError } from "./errors.js";

let root: { dir: string; version: string } | undefined;

function findRoot(): { dir: string; version: string } {
  if (root) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      try {
        // read loosely on purpose: a package.json of the installed package (or above it), not a user's or run's file
        const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: unknown; version?: unknown };
        if (pkg.name === "toolflow" && typeof pkg.version === "string") return (root = { dir, version: pkg.version });
      } catch {
        // not ours; keep looking
      }
    }
    const up = resolve(dir, "..");
    if (up === dir) break;
    dir = up;
  }
  throw new ToolflowError("cannot find the package.json of toolflow above its modules", { code: "PACKAGE_NOT_FOUND" });
}

/** The package's root folder (holding package.json, prompts/). */
export function packageRoot(): string {
  return findRoot().dir;
}

/** toolflow's version, from its package.json. */
export function packageVersion(): string {
  return findRoot().version;
}

/** A path inside the package, e.g. packagePath("prompts", "planner.txt"). */
export function packagePath(...segments: string[]): string {
  return join(packageRoot(), ...segments);
}
