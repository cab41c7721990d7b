/**
 * A page of a run's log bounded by bytes as well as by count: the items in order while their
 * sizes fit in `maxBytes` together, and always the first one (however large), so that a client
 * following the cursor can read every message. It stops pulling from `items` at the first that
 * does not fit: a streamed query reads at most one row past the budget.
 */
export function takeWithinBytes<T>(items: Iterable<T>, sizeOf: (item: T) => number, maxBytes: number): T[] {
  const page: T[] = []
  let bytes = 0
  for (const item of items) {
    bytes += sizeOf(item)
    if (page.length > 0 && bytes > maxBytes) break
    page.push(item)
  }
  return page
}

/** No byte bound: only the count limits the page. */
export const UNBOUNDED_BYTES = Number.POSITIVE_INFINITY
