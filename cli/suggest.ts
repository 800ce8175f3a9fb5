/**
 * "Did you mean …?" for mistyped commands and subcommands: the candidate
 * closest by Damerau–Levenshtein distance (optimal string alignment, so a
 * swapped pair of letters costs one edit), when it is close enough to be a
 * plausible typo rather than a different word.
 */

/** Edits (insert, delete, substitute, swap two adjacent letters) turning `a` into `b`. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The candidate `word` most plausibly meant, or undefined. A candidate that
 * starts with what was typed (`prop` for `proposal`) counts as one edit away;
 * otherwise up to a third of the word's letters (at least two) may be wrong.
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const typed = word.toLowerCase();
  const limit = Math.max(2, Math.floor(typed.length / 3));
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance =
      typed.length >= 2 && name.startsWith(typed) ? 1 : editDistance(typed, name.toLowerCase());
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/**
 * `unknown command prposal; did you mean proposal?`, or, with no plausible
 * guess, `otherwise` (by default the list of what exists). `prefix` goes
 * before the word and the guess (`proposal ` for a subcommand).
 */
export function unknownMessage(
  what: string,
  word: string,
  candidates: readonly string[],
  o: { prefix?: string; otherwise?: string } = {},
): string {
  const prefix = o.prefix ?? '';
  const guess = closest(word, candidates);
  return guess === undefined
    ? `unknown ${what} ${prefix}${word}; ${o.otherwise ?? `one of ${candidates.join(', ')}`}`
    : `unknown ${what} ${prefix}${word}; did you mean ${prefix}${guess}?`;
}
