/**
 * Invented values for tests and benchmarks of the provenance check: a plausible value instead of one a conversation
 * gave (another id, a shifted date, another place, another number).
 */

/** A plausible value instead of `v`, drawn with `draw` (another id, a shifted date, another place, another number). */
export function inventedValue(v: string | number, draw: number): string | number {
  if (typeof v === "number") return Number.isInteger(v) ? v + 7 + (draw % 13) : Math.round((v * 1.37 + 3) * 100) / 100;
  const date = /^(\d{4})-(\d{2})-(\d{2})/.exec(v);
  if (date) {
    const d = new Date(Date.UTC(Number(date[1]), Number(date[2]) - 1, Number(date[3]) + 3 + (draw % 5)));
    return d.toISOString().slice(0, 10) + v.slice(10);
  }
  if (/\d/.test(v)) return v.replace(/\d/g, (c) => String((Number(c) + 3 + (draw % 5)) % 10));
  const places = ["Riverside", "Oakmont", "Port Ellery", "Brookhaven", "Kestrel Bay"];
  return places[draw % places.length]!;
}
