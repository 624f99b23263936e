import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cliInProcess } from "../../test/support/cli.js";
import { freePort } from "../../test/support/ports.js";
import { tempDirForFile } from "../../test/support/tmp.js";

const work = tempDirForFile("queue-cmd-");

describe("toolflow worker / collect / synth --queue", () => {
  it("wants --queue and --run together on synth", async () => {
    const r = await cliInProcess(["synth", "--tools", "t.jsonl", "--count", "2", "--llm", "sim", "--out", join(work(), "o"), "--queue", "redis://127.0.0.1:1/0"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--queue and --run go together/);
  });

  it("names the option on a URL that is not redis://", async () => {
    const r = await cliInProcess(["worker", "--queue", "http://127.0.0.1:6379"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--queue: expected a redis:\/\/ or rediss:\/\/ URL/);
  });

  it("names the URL, without its password, when Redis is unreachable", async () => {
    const port = await freePort();
    const r = await cliInProcess(["collect", "--queue", `redis://:pw-secret-1@127.0.0.1:${port}/2`, "--run", "x", "--out", join(work(), "c")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`cannot reach Redis at redis://.*127\\.0\\.0\\.1:${port}/2`));
    expect(r.stderr).not.toContain("pw-secret-1");
  });
});
