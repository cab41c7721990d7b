import type { RunStatus } from '../schemas/runs.ts'

/**
 * What a wake-up may say of the run after the change, when the backend knows it cheaply: a
 * listener that learns nothing concerns it (no new message, still waiting) need not read the store.
 */
export interface RunHint {
  last_seq: number
  status: RunStatus
}

export type RunListener = (hint?: RunHint) => void

/**
 * In-process wake-ups, one channel per run. Listeners are plain callbacks held in a Set, so a
 * held long-poll costs one Set entry; dropping the last listener drops the channel.
 */
export class RunEvents {
  readonly #channels = new Map<string, Set<RunListener>>()

  subscribe(runId: string, listener: RunListener): () => void {
    let channel = this.#channels.get(runId)
    if (!channel) {
      channel = new Set()
      this.#channels.set(runId, channel)
    }
    channel.add(listener)
    return () => {
      const current = this.#channels.get(runId)
      if (!current) return
      current.delete(listener)
      if (current.size === 0) this.#channels.delete(runId)
    }
  }

  emit(runId: string, hint?: RunHint): void {
    const channel = this.#channels.get(runId)
    if (!channel) return
    // Copy first: a listener typically unsubscribes itself while we iterate.
    for (const listener of [...channel]) listener(hint)
  }

  /** Wakes every listener of every run: after a gap in which changes may have been missed, each re-checks. */
  emitAll(): void {
    for (const runId of [...this.#channels.keys()]) this.emit(runId)
  }

  /** How many listeners are held, across all runs (tests check that none leak). */
  get listenerCount(): number {
    let count = 0
    for (const channel of this.#channels.values()) count += channel.size
    return count
  }
}

/**
 * Store-wide signals: a run may have become ready to claim, a run has finished (for workers), a
 * question was asked (for inbox long-polls), webhook deliveries were queued (for dispatchers). A backend shared by several processes forwards them
 * between processes.
 */
export class StoreSignals {
  readonly #runnable = new Set<() => void>()
  readonly #finished = new Set<(runId: string) => void>()
  readonly #asked = new Set<(audience: string[] | null) => void>()
  readonly #webhooks = new Set<() => void>()

  onWebhooksQueued(listener: () => void): () => void {
    this.#webhooks.add(listener)
    return () => void this.#webhooks.delete(listener)
  }

  /** Webhook deliveries were queued: dispatchers look for due ones. */
  webhooksQueued(): void {
    for (const listener of [...this.#webhooks]) listener()
  }

  onQuestionAsked(listener: (audience: string[] | null) => void): () => void {
    this.#asked.add(listener)
    return () => void this.#asked.delete(listener)
  }

  /**
   * A question was asked of these users (its run's owner and assignees): their inbox long-polls look
   * again; null: of anyone (announcements were missed), every held inbox looks again.
   */
  questionAsked(audience: string[] | null): void {
    for (const listener of [...this.#asked]) listener(audience)
  }

  onRunnable(listener: () => void): () => void {
    this.#runnable.add(listener)
    return () => void this.#runnable.delete(listener)
  }

  onFinished(listener: (runId: string) => void): () => void {
    this.#finished.add(listener)
    return () => void this.#finished.delete(listener)
  }

  runnable(): void {
    for (const listener of [...this.#runnable]) listener()
  }

  finished(runId: string): void {
    for (const listener of [...this.#finished]) listener(runId)
  }
}
