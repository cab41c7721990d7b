/**
 * What one run may grow to: the size of each message, how many messages its workflow emits, and
 * how many LLM tokens it uses. Past any of them the run fails with an `error` message naming the
 * limit — its log stays whole and readable.
 */
export interface RunLimits {
  /** Bytes of one message's JSON. Default 256 KiB (PARLEY_MAX_MESSAGE_BYTES). */
  maxMessageBytes: number
  /** Messages a run's workflow may emit (its questions included). Default 10,000 (PARLEY_MAX_MESSAGES_PER_RUN). */
  maxMessagesPerRun: number
  /** LLM tokens (prompt and completion) a run may use. Default 1,000,000 (PARLEY_MAX_TOKENS_PER_RUN). */
  maxTokensPerRun: number
}

export const DEFAULT_RUN_LIMITS: RunLimits = {
  maxMessageBytes: 256 * 1024,
  maxMessagesPerRun: 10_000,
  maxTokensPerRun: 1_000_000,
}

/** Thrown when a run passes one of its limits; the run fails with it, even if the workflow catches it. */
export class RunLimitError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'RunLimitError'
  }
}

/** The size of a value as the store and the wire carry it: its JSON, in UTF-8 bytes. */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '')
}

/**
 * Keeps count of a run's messages and tokens as it executes, from what its record said when it
 * was claimed. The first limit passed is kept (`breach`): the executor fails the run with it
 * whatever the workflow did with the error.
 */
export class RunBudget {
  readonly limits: RunLimits
  #messages: number
  #tokens: number
  breach: RunLimitError | null = null

  constructor(limits: RunLimits, start: { messages: number; tokens: number }) {
    this.limits = limits
    this.#messages = start.messages
    this.#tokens = start.tokens
  }

  /** Before a new message is appended: its size, and room for one more. */
  checkMessage(type: string, bytes: number): void {
    const { maxMessageBytes, maxMessagesPerRun } = this.limits
    if (bytes > maxMessageBytes) {
      this.#fail(
        `a ${type} message of ${bytes} bytes is larger than the ${maxMessageBytes} bytes a message may have (PARLEY_MAX_MESSAGE_BYTES)`,
      )
    }
    if (this.#messages >= maxMessagesPerRun) {
      this.#fail(`the run reached the ${maxMessagesPerRun} messages a run may have (PARLEY_MAX_MESSAGES_PER_RUN)`)
    }
  }

  /** The seq of the run's newest message as this execution knows it. */
  get lastSeq(): number {
    return this.#messages
  }

  /** A message is in the log at `seq` (emitted, replayed, or a reply the run received). */
  counted(seq: number): void {
    this.#messages = Math.max(this.#messages, seq)
  }

  /** An LLM call's tokens, after they are recorded: past the budget, the run fails. */
  spend(tokens: number): void {
    this.#tokens += tokens
    if (this.#tokens > this.limits.maxTokensPerRun) {
      this.#fail(
        `the run used ${this.#tokens} LLM tokens, over its budget of ${this.limits.maxTokensPerRun} (max_tokens_per_run: PARLEY_MAX_TOKENS_PER_RUN, or the workflow's own)`,
      )
    }
  }

  #fail(message: string): never {
    this.breach ??= new RunLimitError(message)
    throw this.breach
  }
}
