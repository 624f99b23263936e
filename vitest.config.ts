import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // vitest's default in run mode is one worker fewer than the CPUs: a single worker on a 2-core CI machine, the
    // suite run file after file. Two workers use both cores (measured: 604 s -> 400 s for the whole suite).
    maxWorkers: 2,
  },
});
