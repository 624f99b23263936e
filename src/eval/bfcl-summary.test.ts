import { describe, expect, it } from "vitest";
import { bfclFigures, formatBfclTable, type CategoryScore } from "./bfcl-summary.js";

const s = (category: string, correct: number, total: number): CategoryScore => ({ category, correct, total, accuracy: correct / total });

describe("bfclFigures", () => {
  it("averages the way BFCL's leaderboard does", () => {
    const scores = [
      s("simple_python", 80, 100), // 0.8
      s("multiple", 30, 50), // 0.6
      s("parallel", 10, 10), // 1.0
      s("parallel_multiple", 4, 10), // 0.4
      s("live_simple", 9, 10), // 0.9
      s("live_multiple", 50, 100), // 0.5
      s("live_parallel", 1, 2),
      s("live_parallel_multiple", 0, 8),
      s("irrelevance", 9, 10), // 0.9
      s("live_irrelevance", 60, 100), // 0.6
      s("live_relevance", 3, 4),
    ];
    const f = bfclFigures(scores);
    // non-live: unweighted mean of the four
    expect(f.nonLiveAst?.accuracy).toBeCloseTo((0.8 + 0.6 + 1.0 + 0.4) / 4, 12);
    expect(f.nonLiveAst).toMatchObject({ total: 170, averaging: "unweighted", missing: [] });
    // live: weighted by count: (9 + 50 + 1 + 0) / 120
    expect(f.liveAst?.accuracy).toBeCloseTo(60 / 120, 12);
    expect(f.liveAst).toMatchObject({ total: 120, averaging: "weighted" });
    // irrelevance: unweighted mean of non-live and live
    expect(f.irrelevance?.accuracy).toBeCloseTo(0.75, 12);
    expect(f.relevance?.accuracy).toBeCloseTo(0.75, 12);
  });

  it("averages over the categories run and lists the missing ones", () => {
    const f = bfclFigures([s("simple_python", 1, 2), s("parallel", 1, 1), s("live_simple", 1, 4)]);
    expect(f.nonLiveAst).toMatchObject({ accuracy: 0.75, components: ["simple_python", "parallel"], missing: ["multiple", "parallel_multiple"] });
    expect(f.liveAst).toMatchObject({ accuracy: 0.25, missing: ["live_multiple", "live_parallel", "live_parallel_multiple"] });
    expect(f.irrelevance).toBeUndefined();
    expect(f.relevance).toBeUndefined();
    const table = formatBfclTable([s("simple_python", 1, 2)], bfclFigures([s("simple_python", 1, 2)]));
    expect(table).toMatch(/simple_python\s+1\/2\s+50\.00%/);
    expect(table).toMatch(/non-live AST \(without multiple, parallel, parallel_multiple\)/);
  });
});
