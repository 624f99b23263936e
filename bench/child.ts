/**
 * A benchmark's helper process (`node --import tsx SCRIPT 'JSON'`) that talks in stdout lines: its first line says
 * it is ready; `stop()` sends SIGTERM and resolves with its last line (its own figures), or undefined if it printed
 * none.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { dirname, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

export async function startChild(script: string, arg: unknown): Promise<{ first: string; stop(): Promise<string | undefined>; child: ChildProcess }> {
  const child = spawn(process.execPath, ["--import", "tsx", resolve(root, script), JSON.stringify(arg)], {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines: string[] = [];
  let wake: (() => void) | undefined;
  createInterface({ input: child.stdout! }).on("line", (l) => {
    lines.push(l);
    wake?.();
  });
  const next = () =>
    new Promise<string | undefined>((res) => {
      if (lines.length > 0) return res(lines.shift());
      const onExit = () => res(undefined);
      child.once("exit", onExit);
      wake = () => {
        child.off("exit", onExit);
        wake = undefined;
        res(lines.shift());
      };
    });
  const first = await next();
  if (first === undefined) throw new Error(`${script} exited before it was ready`);
  return {
    first,
    child,
    async stop() {
      child.kill("SIGTERM");
      return next();
    },
  };
}
