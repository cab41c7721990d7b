/**
 * The moment the server begins to stop, for the thousands of long-polls it may hold: listeners
 * live in a Set (added and removed in constant time), where an AbortSignal's listener list would
 * make every poll that ends search it, and warn past ten.
 */
export class Stopping {
  #stopped = false
  readonly #listeners = new Set<() => void>()

  get stopped(): boolean {
    return this.#stopped
  }

  /** How many are waiting for the stop (the held polls; tests check that none is left behind). */
  get listenerCount(): number {
    return this.#listeners.size
  }

  /** Calls `listener` once when the server begins to stop; returns a function that forgets it. */
  onStop(listener: () => void): () => void {
    this.#listeners.add(listener)
    return () => void this.#listeners.delete(listener)
  }

  stop(): void {
    if (this.#stopped) return
    this.#stopped = true
    for (const listener of [...this.#listeners]) listener()
    this.#listeners.clear()
  }
}
