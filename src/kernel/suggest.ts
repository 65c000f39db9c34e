/**
 * "Did you mean" for command names: the optimal-string-alignment distance (Levenshtein plus
 * adjacent transpositions, so `snyc` is one edit from `sync`), as git and commander suggest.
 */

/** Edit distance between `a` and `b` counting insertions, deletions, substitutions and adjacent swaps as 1. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The candidate closest to `word` (case-insensitive), when it is close enough to be a typo:
 * at most 1 edit for words of up to 4 characters, at most 2 for longer ones, and never the
 * whole word; or the one candidate that starts with `word` (three letters or more). Ties go to
 * the first candidate.
 *
 * @returns the suggestion, or null.
 */
export function didYouMean(word: string, candidates: readonly string[]): string | null {
  const w = word.toLowerCase();
  // A prefix of three or more letters names the command it starts (`add` → `add-server`).
  const byPrefix = w.length >= 3 ? candidates.filter((c) => c.toLowerCase().startsWith(w) && c.length > w.length) : [];
  if (byPrefix.length === 1) return byPrefix[0]!;
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const dist = editDistance(w, c.toLowerCase());
    const limit = Math.min(c.length <= 4 ? 1 : 2, Math.max(c.length, w.length) - 1);
    if (dist <= limit && dist < bestDistance) {
      best = c;
      bestDistance = dist;
    }
  }
  return best;
}
