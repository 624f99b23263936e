import { describe, it, expect } from "vitest";
import {
  SourceIndex,
  extractDates,
  extractNumbers,
  extractTimes,
  isValueGrounded,
  normalizeText,
  parseDateString,
} from "./grounding.js";

function idx(...texts: string[]): SourceIndex {
  const s = new SourceIndex();
  for (const t of texts) s.addText(t);
  return s;
}

describe("normalization helpers", () => {
  it("normalizes case, accents, punctuation and whitespace", () => {
    expect(normalizeText("  Zürich,   New-York!! ")).toBe("zurich new york");
  });

  it("extracts numbers in several formats", () => {
    const n = extractNumbers("It costs $1,000.50, about 1.5k or 2 million, a dozen times, 15% off, -3 degrees");
    expect(n).toEqual(expect.arrayContaining([1000.5, 1.5, 1500, 2, 2_000_000, 12, 15, 0.15, -3]));
    // a date's dashes are not minus signs
    expect(extractNumbers("2024-05-03")).toEqual([2024, 5, 3]);
  });

  it("extracts dates written several ways", () => {
    expect(extractDates("on May 3, 2024").full).toEqual(["2024-05-03"]);
    expect(extractDates("on 3rd of May 2024").full).toEqual(["2024-05-03"]);
    expect(extractDates("2024-05-03T10:00:00Z").full).toEqual(["2024-05-03"]);
    expect(extractDates("05/03/2024").full).toEqual(["2024-05-03", "2024-03-05"]);
    expect(extractDates("around June 7th").monthDay).toEqual(["06-07"]);
  });

  it("parses date strings and rejects other text", () => {
    expect(parseDateString("2024-05-03T14:30:00")).toEqual({ dates: ["2024-05-03"], time: "14:30" });
    expect(parseDateString("May 3, 2024")).toEqual({ dates: ["2024-05-03"] });
    expect(parseDateString("May 3, 2024 in Lisbon")).toBeUndefined();
    expect(parseDateString("2024-13-03")).toBeUndefined();
  });

  it("extracts clock times", () => {
    expect(extractTimes("at 2:30 pm or 10am, noon, 14:05")).toEqual(["14:30", "10:00", "14:05", "12:00"]);
    expect(extractTimes("for 3 people")).toEqual([]);
  });
});

describe("isValueGrounded", () => {
  const cases: Array<[string, unknown, string, boolean]> = [
    ["case and whitespace", "new   york", "I live in New York.", true],
    ["whole words only", "york", "Visiting Yorkshire", false],
    ["accents", "Zurich", "Fly to Zürich", true],
    ["number with thousands separator", 1000, "budget is 1,000 dollars", true],
    ["number from a decimal", 1000, "budget is 1000.0", true],
    ["numeric string", "1000", "budget 1,000", true],
    ["number words", 5, "for five days", true],
    ["a number nobody said", 7, "for five days", false],
    ["ISO date from month-day-year", "2024-05-03", "on May 3, 2024", true],
    ["ISO date from day-month-year", "2024-05-03", "leaving 3 May 2024", true],
    ["written date from ISO", "May 3, 2024", "the 2024-05-03 flight", true],
    ["date without year in the text", "2024-05-04", "pick it up on 4 May", true],
    ["wrong day", "2024-05-05", "pick it up on 4 May", false],
    ["datetime with a stated time", "2024-05-03T14:30:00", "May 3 2024 at 2:30 pm", true],
    ["datetime with an invented time", "2024-05-03T09:15:00", "May 3 2024", false],
    ["time string", "14:30", "meet at 2:30 PM", true],
    ["quantity with unit alias", "5 km", "within 5 kilometres", true],
    ["quantity with another unit", "5 km", "within 5 miles", false],
    ["currency before the number", "$20", "about 20 dollars", true],
    ["boolean true by naming the parameter", true, "only refundable tickets please", true],
    ["boolean false from a negation", false, "no, I don't need that", true],
    ["boolean true with nothing said", true, "book it", false],
    ["multi-word string with most words present", "italian restaurant near times square", "an Italian place near Times Square, any restaurant", true],
    ["two-word string needs both words", "Porto Airport", "Lisbon airport", false],
    ["null and empty string carry no claim", null, "", true],
  ];
  for (const [label, value, text, expected] of cases) {
    it(`${label}: ${JSON.stringify(value)} in ${JSON.stringify(text)} -> ${expected}`, () => {
      const name = label.startsWith("boolean") ? "refundable" : undefined;
      expect(isValueGrounded(value, idx(text), name)).toBe(expected);
    });
  }

  it("grounds in nested JSON values of tool results", () => {
    const s = new SourceIndex();
    s.addToolResult(JSON.stringify({ data: { items: [{ id: 98231, code: "AB-12" }], ok: true } }));
    expect(isValueGrounded(98231, s, "id")).toBe(true);
    expect(isValueGrounded("98231", s, "id")).toBe(true);
    expect(isValueGrounded("ab-12", s, "code")).toBe(true);
    expect(isValueGrounded(true, s, "ok")).toBe(true);
    expect(isValueGrounded(98232, s, "id")).toBe(false);
  });

  it("honours the token coverage option", () => {
    const s = idx("cheap hotels in lisbon with a pool");
    expect(isValueGrounded("cheap lisbon hotels with free parking", s, "q")).toBe(false);
    expect(isValueGrounded("cheap lisbon hotels with free parking", s, "q", { minTokenCoverage: 0.6 })).toBe(true);
  });
});
