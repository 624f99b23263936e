/**
 * The `toolflow synth` command line: bad options and inputs (exit code 2, clear message, nothing written), the dry
 * run (prints prompts and estimates, writes nothing), and Ctrl-C (exit 130, resumable).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ManifestZ } from "../../src/data/index.js";
import { PROJECT_ROOT, runCli } from "../support/cli.js";
import { readAccepted, writeBfclMultiTurnTools } from "./support/run-files.js";
import { cliInProcess } from "../support/cli.js";

let work: string;
let tools: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "e2e-synth-cli-"));
  tools = (await writeBfclMultiTurnTools(work)).path;
});

const cli = cliInProcess;

afterEach(() => {
  vi.restoreAllMocks();
});

describe("toolflow synth: options and inputs", () => {
  it("rejects bad option values with exit code 2 and writes nothing", async () => {
    const out = join(work, "bad");
    const cases: Array<[string[], RegExp]> = [
      [["--count", "0"], /--count: must be between 1/],
      [["--count", "5", "--size", "5-2"], /--size range is reversed/],
      [["--count", "5", "--tool-error-rate", "1.5"], /--tool-error-rate: must be between 0 and 1/],
      [["--count", "5", "--llm", "gpt4"], /unknown model spec "gpt4"/],
      [["--count", "5", "--resume", "--force"], /--resume and --force exclude each other/],
    ];
    for (const [extra, message] of cases) {
      const r = await cli(["synth", "--tools", tools, "--out", out, ...extra]);
      expect(r.stderr, extra.join(" ")).toMatch(message);
      expect(r.code, extra.join(" ")).toBe(2);
      expect(existsSync(join(out, "dialogues.jsonl"))).toBe(false);
    }
  });

  it("names a missing or broken tools file (exit 2)", async () => {
    const missing = await cli(["synth", "--tools", join(work, "nope.jsonl"), "--count", "2", "--llm", "sim", "--out", join(work, "m")]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.jsonl/);
    const broken = join(work, "broken.jsonl");
    writeFileSync(broken, '{"name": "x"}\n');
    const r = await cli(["synth", "--tools", broken, "--count", "2", "--llm", "sim", "--out", join(work, "b")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/broken\.jsonl line 1/);
    expect(existsSync(join(work, "b", "dialogues.jsonl"))).toBe(false);
  });

  it("the same command continues a run (adding nothing to a finished one); other options are refused, naming them", async () => {
    const out = join(work, "existing");
    const argsFor = (seed: string, ...extra: string[]) => [
      "synth", "--tools", tools, "--count", "3", "--llm", "sim", "--seed", seed, "--out", out, ...extra,
    ];
    const args = argsFor("4");
    const first = await cli(args);
    expect(first.code).toBe(0);
    const records = readFileSync(join(out, "dialogues.jsonl"), "utf8");
    const again = await cli(args);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/synth: resuming .*: 3 accepted/);
    expect(readFileSync(join(out, "dialogues.jsonl"), "utf8")).toBe(records);
    for (const extra of [[], ["--resume"]]) {
      const changed = await cli(argsFor("5", "--no-plan", ...extra));
      expect(changed.code).toBe(2);
      expect(changed.stderr).toMatch(/holds a run made with other settings \(--seed: was 4, now 5; --no-plan: was true, now false.*--force to start over/);
    }
    const resumed = await cli([...args, "--resume"]);
    expect(resumed.code).toBe(0);
    expect(readAccepted(out)).toHaveLength(3);
    const forced = await cli([...args, "--force"]);
    expect(forced.code).toBe(0);
    expect(ManifestZ.parse(JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"))).sessions).toHaveLength(1);
  });
});

describe("toolflow synth --dry-run", () => {
  it("prints the first prompts and an estimate with costs, and writes nothing", async () => {
    const prices = join(work, "prices.json");
    writeFileSync(prices, JSON.stringify({ "gpt-4o-mini": { input: 0.15, output: 0.6 } }));
    const out = join(work, "dry");
    const r = await cli([
      "synth", "--tools", tools, "--count", "1000", "--llm", "openai:gpt-4o-mini", "--llm-tool", "sim",
      "--prices", prices, "--out", out, "--dry-run",
    ]);
    expect(r.code).toBe(0);
    expect(existsSync(out)).toBe(false);
    expect(r.stdout).toMatch(/nothing was sent to any model and nothing was written/);
    expect(r.stdout).toMatch(/===== planner prompt for sample-0 \(\d+ prompt tokens\) =====/);
    expect(r.stdout).toMatch(/===== first user prompt/);
    expect(r.stdout).toMatch(/===== first assistant prompt/);
    expect(r.stdout).toMatch(/===== first tool prompt/);
    const m = /if every attempt is accepted: 1000 dialogues, (\d+) calls, .* cost \$(\d+\.\d+)/.exec(r.stdout);
    expect(m).not.toBeNull();
    expect(Number(m?.[1])).toBeGreaterThan(1000 * 3);
    expect(Number(m?.[2])).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/tool {8}.* sim/);
    expect(r.stdout).not.toMatch(/no price for/);
    // both costs: with cache hits (provider prompt caching as estimated) and without
    expect(r.stdout).toMatch(/if every attempt is accepted: .* prompt \([^)]+ cacheable\) \+/);
    const both = /if every attempt is accepted: .* cost \$(\d+\.\d+) with cache hits, \$(\d+\.\d+) without/.exec(r.stdout);
    expect(both, r.stdout.slice(-1500)).not.toBeNull();
    // the file gives no cached-input price, so cached tokens cost the input price: both are equal
    expect(Number(both?.[1])).toBe(Number(both?.[2]));
    expect(r.stdout).toMatch(/price of openai:gpt-4o-mini: \$0.15 input, \$0.15 cached input, \$0.6 output per 1M tokens \(file\)/);
  });

  it("prices known models from @pydantic/genai-prices without --prices, with and without cache hits", async () => {
    const r = await cli([
      "synth", "--tools", tools, "--count", "1000", "--llm", "openai:gpt-4o-mini", "--llm-tool", "sim",
      "--out", join(work, "dry-pkg"), "--dry-run",
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/price of openai:gpt-4o-mini: .* \(@pydantic\/genai-prices@[\d.]+ \(openai\/gpt-4o-mini\)\)/);
    const both = /if every attempt is accepted: .* cost \$(\d+\.\d+) with cache hits, \$(\d+\.\d+) without/.exec(r.stdout);
    expect(both).not.toBeNull();
    expect(Number(both?.[1])).toBeGreaterThan(0);
    expect(Number(both?.[1])).toBeLessThanOrEqual(Number(both?.[2]));
    expect(r.stdout).not.toMatch(/no price for/);
  });

  it("says the provenance judge is not in the estimate, and names --provenance when its value is wrong", async () => {
    const r = await cli(["synth", "--tools", tools, "--count", "5", "--llm", "sim", "--provenance", "judge:sim", "--out", join(work, "d3"), "--dry-run"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/provenance judge \(sim\): one call per dialogue whose provenance rules leave a value ungrounded; not in the estimate/);
    const bad = await cli(["synth", "--tools", tools, "--count", "5", "--llm", "sim", "--provenance", "maybe", "--out", join(work, "d4"), "--dry-run"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--provenance: must be reject, flag or judge:<model spec>/);
  });

  it("lists models without a price", async () => {
    const r = await cli(["synth", "--tools", tools, "--count", "10", "--llm", "openai:mystery", "--out", join(work, "d2"), "--dry-run"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/cost unknown/);
    expect(r.stdout).toMatch(/no price for: openai:mystery/);
  });
});

describe("toolflow synth: Ctrl-C", () => {
  it("finishes the dialogues in flight, exits with 130, and --resume completes the run", async () => {
    const out = join(work, "sigint");
    const args = ["synth", "--tools", tools, "--count", "24", "--llm", "sim", "--seed", "9", "--concurrency", "2", "--out", out];
    const child = spawn(process.execPath, ["--import", "tsx", resolve(PROJECT_ROOT, "src/cli/main.ts"), ...args], {
      cwd: PROJECT_ROOT,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const poll = setInterval(() => {
      const p = join(out, "dialogues.jsonl");
      if (existsSync(p) && readFileSync(p, "utf8").split("\n").length > 3) {
        clearInterval(poll);
        child.kill("SIGINT");
      }
    }, 10);
    const code = await new Promise<number | null>((done) => child.on("close", (c) => done(c)));
    clearInterval(poll);
    expect(stderr).toMatch(/SIGINT: finishing the dialogues in flight/);
    expect(code).toBe(130);
    expect(stderr).toMatch(/run the same command with --resume/);
    const manifest = ManifestZ.parse(JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")));
    expect(manifest.status).toBe("interrupted");
    expect(manifest.counts.accepted).toBeLessThan(24);
    expect(readAccepted(out)).toHaveLength(manifest.counts.accepted);

    const resumed = await runCli([...args, "--resume"]);
    expect(resumed.code).toBe(0);
    expect(readAccepted(out)).toHaveLength(24);
  });
});
