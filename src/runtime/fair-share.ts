/**
 * A workflow whose effects all resolve without I/O — a loop of messages on the synchronous SQLite
 * store, or a resumed run replaying its journal — would run in one unbroken chain of microtasks
 * and keep every other request waiting. Each effect calls `yieldIfBusy()`: once the current turn
 * of the event loop has run for BUSY_MS, the effect waits for the next turn (setImmediate), so
 * HTTP requests and other runs get in between.
 */
const BUSY_MS = 10

let turnStartedAt = performance.now()
let refreshScheduled = false

export function yieldIfBusy(): Promise<void> | undefined {
  if (!refreshScheduled) {
    refreshScheduled = true
    // Runs when the event loop next turns: from then on, the busy clock counts from there.
    setImmediate(() => {
      refreshScheduled = false
      turnStartedAt = performance.now()
    })
  }
  if (performance.now() - turnStartedAt < BUSY_MS) return undefined
  return new Promise((resolve) => setImmediate(resolve))
}
