/** Each distinct text once (in first-seen order), and for every input the position of its text among them. */
export function distinctTexts(all: readonly string[]): { texts: string[]; slotOf: number[] } {
  const slot = new Map<string, number>();
  const texts: string[] = [];
  const slotOf = all.map((t) => {
    let i = slot.get(t);
    if (i === undefined) {
      i = texts.length;
      slot.set(t, i);
      texts.push(t);
    }
    return i;
  });
  return { texts, slotOf };
}
