import { coerce, compare } from "semver";

// Apart from kernel/compare.ts on purpose: semver builds its regular expressions when it loads,
// and compare.ts is on the path of every command, `create` included.

/**
 * Orders dotted release numbers by their numbers: `3.12.10` after `3.12.9`, `2.1` as `2.1.0`
 * (semver's `coerce` reads the first three; anything after them is ignored).
 *
 * @returns negative, zero or positive, as `Array.prototype.sort` expects.
 */
export function byReleaseNumber(a: string, b: string): number {
  return compare(coerce(a) ?? "0.0.0", coerce(b) ?? "0.0.0");
}
