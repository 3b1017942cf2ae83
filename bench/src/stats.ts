export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function ratio(value: number, baseline: number): number {
  return value / baseline;
}

export function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}

export function number(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

/**
 * Runs each measurement in turn, `rounds` times, rotating which goes first, so drift and
 * order effects hit them all alike.
 */
export async function alternate<K extends string>(
  rounds: number,
  keys: readonly K[],
  measure: (key: K) => Promise<number>,
): Promise<Record<K, number[]>> {
  const results = Object.fromEntries(keys.map((key) => [key, [] as number[]])) as unknown as Record<
    K,
    number[]
  >;
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[(i + round) % keys.length] as K;
      results[key].push(await measure(key));
    }
  }
  return results;
}
