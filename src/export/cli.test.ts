import { describe, it, expect } from "vitest";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cliInProcess } from "../../test/support/cli.js";
import { exampleDialogueRecord } from "../../test/support/example-dialogue.js";

function runDir(lines: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), "tf-cli-"));
  writeFileSync(join(dir, "dialogues.jsonl"), lines.join("\n") + "\n");
  return dir;
}

function good(id: string, sampleId: string, userText: string): string {
  const r = exampleDialogueRecord();
  r.id = id;
  r.sampleId = sampleId;
  r.messages[1] = { role: "user", content: userText };
  return JSON.stringify(r);
}

describe("toolflow export / verify (CLI)", () => {
  it("exports all formats and prints the split counts", async () => {
    const dir = runDir([
      good("a", "s1", "Hi! I need a flight from Boston to Lisbon on May 3, 2024 for 2 people."),
      good("b", "s2", "Hello, please find a flight from Boston to Lisbon on May 3, 2024, 2 seats."),
    ]);
    const out = join(dir, "export");
    const r = await cliInProcess(["export", dir, "--format", "all", "--split", "1,0,0", "-o", out]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("exported 2 dialogues (1 tool-set groups)");
    expect(r.stdout).toContain("xlam: 8 / 0 / 0 rows");
    const line = JSON.parse(readFileSync(join(out, "hermes", "train.jsonl"), "utf8").split("\n")[0] ?? "{}") as { conversations: unknown[] };
    expect(line.conversations.length).toBeGreaterThan(10);
    expect(existsSync(join(out, "README.md"))).toBe(true);
  });

  it("exits 2 naming the file and line of a bad record, and on bad options", async () => {
    const dir = runDir([good("a", "s1", "Hi from Boston to Lisbon on May 3, 2024 for 2 people."), '{"id": "x"}']);
    const out = join(dir, "export");
    const r = await cliInProcess(["export", dir, "-o", out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/dialogues\.jsonl line 2 at \/[a-zA-Z]+: not a valid dialogue record/);
    expect(existsSync(out)).toBe(false);
    const r2 = await cliInProcess(["export", dir, "-o", out, "--format", "alpaca"]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/unknown format "alpaca"/);
  });

  it("verify counts failures by check; --strict exits 1", async () => {
    const bad = exampleDialogueRecord();
    bad.id = "bad";
    const call = bad.messages[2];
    if (call?.role === "assistant" && call.tool_calls?.[0]) {
      call.tool_calls[0].function.arguments = JSON.stringify({ origin: "Boston", destination: "Porto", date: "2024-05-03" });
    }
    const dir = runDir([
      good("a", "s1", "Hi! I need a flight from Boston to Lisbon on May 3, 2024 for 2 people."),
      good("dup", "s2", "Hi! I need a flight from Boston to Lisbon on May 3, 2024 for 2 people."),
      JSON.stringify(bad),
    ]);
    const r = await cliInProcess(["verify", dir, "--json"]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { dialogues: number; failed: number; byCheck: Record<string, number> };
    expect(report.dialogues).toBe(3);
    // "dup" and "bad" repeat the user turns of "a"; "bad" also invents its destination
    expect(report.failed).toBe(2);
    expect(report.byCheck).toEqual({ duplicate: 2, provenance: 1 });
    const strict = await cliInProcess(["verify", dir, "--strict", "--no-dedup"]);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain("3 dialogues, 2 pass, 1 fail");
    expect(strict.stderr).toMatch(/1 of 3 dialogues fail verification/);
  });
});
