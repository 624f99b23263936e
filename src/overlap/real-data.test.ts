import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { importTools } from "../tools/index.js";
import { SHARED_DATA } from "../../test/support/cli.js";
import { computeOverlap } from "./index.js";

const bfclLive = ["BFCL_v4_live_simple.json", "BFCL_v4_live_multiple.json"].map((f) => join(SHARED_DATA, "bfcl", f));
const toolbench = ["G1", "G2", "G3"].map((g) => join(SHARED_DATA, "toolbench", `${g}_instruction.json`));

describe("overlap on the real data", () => {
  it("BFCL live tools against themselves: all leaked; ToolBench against BFCL live: 2 of 1,422, by one shared 11-gram", async () => {
    const bfcl = (await importTools(bfclLive)).tools;
    const self = await computeOverlap(bfcl, bfcl);
    expect(self.trainTools).toBe(1190);
    expect(self.leakedTools).toBe(1190);
    expect(self.share).toBe(1);
    // the n-gram rule catches every tool (its whole JSON is shared); the lexical similarity of a text to itself
    // is below 1 (smoothed cosine) and passes 0.9 for most, not all
    expect(self.byRule.embedding).toBe(0);
    expect(self.leaked.every((l) => l.reason.coverage === 1)).toBe(true);
    expect(self.byRule.both).toBeGreaterThan(1000);

    const tb = (await importTools(toolbench)).tools;
    const r = await computeOverlap(tb, bfcl);
    expect(r.trainTools).toBe(1422);
    expect(r.leaked).toEqual([
      {
        tool: "categoryschedules_for_rugbyapi2",
        nearest: "usage_api_UsageApi_get_hosts_per_day",
        reason: { rule: "ngram", coverage: 0.100917, coveredTokens: 11, tokens: 109, similarity: expect.any(Number) },
      },
      {
        tool: "matchschedules_for_cricketapi2",
        nearest: "usage_api_UsageApi_get_hosts_per_day",
        reason: { rule: "ngram", coverage: 0.114583, coveredTokens: 11, tokens: 96, similarity: expect.any(Number) },
      },
    ]);
  }, 120_000);
});
