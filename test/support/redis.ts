/**
 * A throwaway redis-server for tests and benchmarks: on 127.0.0.1, on a free port, its data (append-only file,
 * fsynced every second as Redis's default; a SIGTERM shutdown writes it all) in a temporary folder, so `restart()`
 * brings the same data back. `stop()` ends it and removes the folder.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./ports.js";

export interface RedisServer {
  url: string;
  port: number;
  /** Stop (SIGTERM: Redis flushes its append-only file first) and start again on the same port and data. */
  restart(options?: { downMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

export const REDIS_SERVER_BIN = process.env.REDIS_SERVER_BIN ?? "redis-server";

function launch(port: number, dir: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      REDIS_SERVER_BIN,
      ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--appendonly", "yes", "--appendfsync", "everysec",
        "--save", "", "--protected-mode", "no", "--daemonize", "no", "--loglevel", "notice"],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let log = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`redis-server did not start on port ${port} within 10 s:\n${log}`));
    }, 10_000);
    const onData = (d: Buffer) => {
      log += d.toString();
      if (log.includes("Ready to accept connections")) {
        clearTimeout(timer);
        child.stdout?.off("data", onData);
        child.stdout?.resume();
        resolve(child);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (d: Buffer) => (log += d.toString()));
    child.once("error", (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${REDIS_SERVER_BIN}: ${err.message} (install Debian's redis-server)`));
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with code ${code} before it was ready:\n${log}`));
    });
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

export async function startRedis(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), "toolflow-redis-"));
  const port = await freePort();
  let child: ChildProcess | undefined = await launch(port, dir);
  const halt = async () => {
    if (!child) return;
    const c = child;
    child = undefined;
    c.kill("SIGTERM");
    const timer = setTimeout(() => c.kill("SIGKILL"), 5000);
    await exited(c);
    clearTimeout(timer);
  };
  return {
    url: `redis://127.0.0.1:${port}/0`,
    port,
    async restart(options = {}) {
      await halt();
      if (options.downMs) await new Promise((r) => setTimeout(r, options.downMs));
      child = await launch(port, dir);
    },
    async stop() {
      await halt();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
