/**
 * "Did you mean": one edit distance and one rule for when a near miss is worth suggesting. The config
 * loader, the role catalog and the simulation's diagnoses all call this module; each formats its own
 * message. Pure, no imports.
 */

/**
 * Edit distance between two strings: insertions, deletions, substitutions and transpositions of two
 * adjacent characters each cost 1 (optimal string alignment: Levenshtein plus the most common typo,
 * swapped letters). Case-sensitive; callers lowercase when they compare case-insensitively.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) {
    return 0;
  }
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/**
 * The candidate nearest to `target` by {@link editDistance} (case-sensitive), however far: for "the
 * closest one is …" context, not for suggestions. The earlier candidate wins ties; `undefined` when
 * there are no candidates.
 */
export function nearest(target: string, candidates: readonly string[]): string | undefined {
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(target, candidate);
    if (best === undefined || distance < best.distance) {
      best = { candidate, distance };
    }
  }
  return best?.candidate;
}

/** The largest distance at which `input` is still a likely typo of a candidate: max(1, ⌊length/3⌋). */
export function typoThreshold(input: string): number {
  return Math.max(1, Math.floor(input.length / 3));
}

/**
 * The candidate `input` is most likely a typo of (case-insensitive {@link editDistance}), or
 * `undefined` when none is close enough: distance ≤ {@link typoThreshold} and smaller than the
 * candidate's length (so short words are not "corrected" into unrelated ones). Ties go to the earlier
 * candidate.
 */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  const needle = input.toLowerCase();
  const limit = typoThreshold(needle);
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(needle, candidate.toLowerCase());
    if (
      distance <= limit &&
      distance < candidate.length &&
      (best === undefined || distance < best.distance)
    ) {
      best = { candidate, distance };
    }
  }
  return best?.candidate;
}
