/** Small helpers the bench and its tools share. */

/** The value after `--name` in `args`, or undefined when the flag (or its value) is absent. */
export function flagValue(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
}

/** Microseconds on the monotonic clock. */
export const nowUs = (): number => Number(process.hrtime.bigint() / 1000n);

/** The median of `xs` (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}
