/** Percentiles of one window's samples, and the spread of a figure over repetitions. */

export interface LatencySummary {
  count: number
  p50: number
  p90: number
  p99: number
  max: number
}

export interface Spread {
  median: number
  min: number
  max: number
}

/** Nearest-rank percentile of ascending `sorted` (q in 0–1); NaN when there are no samples. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)))
  return sorted[rank - 1] ?? Number.NaN
}

export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(samples).sort()
  const values = Array.from(sorted)
  return {
    count: values.length,
    p50: percentile(values, 0.5),
    p90: percentile(values, 0.9),
    p99: percentile(values, 0.99),
    max: values.at(-1) ?? Number.NaN,
  }
}

/** Median and min–max of a figure's repetitions, ignoring the ones that could not be measured (NaN). */
export function spread(values: readonly number[]): Spread {
  const finite = values.filter(Number.isFinite).sort((a, b) => a - b)
  if (finite.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN }
  const middle = finite.length / 2
  const median =
    finite.length % 2 === 1 ? (finite[Math.floor(middle)] ?? Number.NaN) : ((finite[middle - 1] ?? 0) + (finite[middle] ?? 0)) / 2
  return { median, min: finite[0] ?? Number.NaN, max: finite.at(-1) ?? Number.NaN }
}

/** `a / b`, or NaN when either side is missing. */
export function ratio(a: number, b: number): number {
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : Number.NaN
}
