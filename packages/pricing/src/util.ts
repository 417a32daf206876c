/**
 * Checked element access. The strict tsconfig (noUncheckedIndexedAccess) types
 * `a[i]` as possibly undefined and the repo's lint forbids `!`; this helper
 * turns an out-of-range read into an immediate error instead of a NaN later.
 */
export function at<T>(a: ArrayLike<T>, i: number): T {
  const v = a[i];
  if (v === undefined) throw new RangeError(`index ${i} out of range (length ${a.length})`);
  return v;
}
