/** setTimeout holds at most 2^31 − 1 ms (≈ 24.8 days); a deadline further away is reached in hops. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1

/** Calls `fire` at the wall-clock time `atMs` (at once when it has passed); returns a function that cancels it. */
export function setTimerAt(atMs: number, fire: () => void): () => void {
  let timer: NodeJS.Timeout | undefined
  const arm = () => {
    const remaining = atMs - Date.now()
    if (remaining <= 0) return fire()
    timer = setTimeout(arm, Math.min(remaining, MAX_TIMEOUT_MS))
  }
  timer = setTimeout(arm, 0)
  return () => clearTimeout(timer)
}

/** Resolves at `atMs`; rejects with the signal's reason when it fires first. */
export function sleepUntil(atMs: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason)
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      cancel()
      reject(signal.reason)
    }
    const cancel = setTimerAt(atMs, () => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    })
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
