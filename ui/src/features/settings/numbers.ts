/** A `NumberInput`'s value as a whole number: `""` while empty, so the backend explains what is missing. */
export function wholeNumber(value: number | string): number {
  const n = typeof value === "number" ? value : Number.parseInt(value, 10);
  return Number.isFinite(n) ? Math.max(0, Math.trunc(n)) : 0;
}
